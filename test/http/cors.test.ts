import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_ALLOWED_HEADERS } from '../../src/cors.js';
import { BODY_LIMIT } from '../../src/server.js';
import { call, createOcr, errorOf, ocrBody, testServer } from '../helpers.js';

/** CORS as Chromium and cos-js-sdk-v5 need it (ci-template-api.md §5), through app.inject. */

const PAGE_ORIGIN = 'http://localhost:5173';
const EXPOSED = 'x-ci-request-id, x-ci-trace-id, Date';

const preflight = (app: FastifyInstance, url: string, requestHeaders?: string, origin = PAGE_ORIGIN): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': 'POST', ...(requestHeaders === undefined ? {} : { 'access-control-request-headers': requestHeaders }) },
  });

const allowedHeaderNames = (response: LightMyRequestResponse): string[] =>
  String(response.headers['access-control-allow-headers'] ?? '')
    .split(',')
    .map((name) => name.trim());

describe('preflights', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ adminToken: 'admin-secret' });
  });
  afterAll(() => app.close());

  const paths = [
    '/template',
    '/template?tag=ImageOCR&pageSize=5',
    '/template/t1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    '/template/t1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?x=1',
    '/',
    '/nope',
    '/nope?a=b',
    '/template/a/b',
    '/template/%zz',
  ];
  const adminPaths = [
    '/_emulator/',
    '/_emulator',
    '/_emulator/requests?limit=5',
    '/_emulator/faults',
    '/_emulator/reset?bucket=examplebucket-1250000000',
    '/_emulator/health',
    '/_emulator/no-such-thing',
  ];

  it.each(paths)('answers OPTIONS %s with 204, no auth and no admin token', async (url) => {
    const response = await preflight(app, url, 'authorization,content-type,x-cos-security-token');
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers['access-control-allow-origin']).toBe(PAGE_ORIGIN);
    expect(response.headers['access-control-allow-methods']).toBe('GET, POST, PUT, DELETE');
    expect(allowedHeaderNames(response)).toEqual(CORS_ALLOWED_HEADERS);
    expect(response.headers['access-control-expose-headers']).toBe(EXPOSED);
    expect(response.headers['vary']).toContain('Origin');
  });

  it.each(adminPaths)('gives a preflight of %s no Allow-Origin: the browser fails it (CIE_ADMIN_ORIGINS is empty)', async (url) => {
    const response = await preflight(app, url, 'content-type');
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['vary']).toContain('Origin');
  });

  it('lists Authorization, Content-Type, both token headers and x-cos-sdk-retry even when none is asked for', async () => {
    const response = await preflight(app, '/template');
    expect(allowedHeaderNames(response)).toEqual(['Authorization', 'Content-Type', 'x-cos-security-token', 'x-ci-security-token', 'x-cos-sdk-retry']);
  });

  it('echoes the requested headers it does not list yet, once each whatever their case', async () => {
    const response = await preflight(app, '/template', 'Authorization, content-type, X-Custom-Thing, x-custom-thing,x-cos-meta-a');
    expect(allowedHeaderNames(response)).toEqual([...CORS_ALLOWED_HEADERS, 'X-Custom-Thing', 'x-cos-meta-a']);
  });

  it('does not echo a requested name that is not an HTTP token', async () => {
    const response = await preflight(app, '/template', 'x-good, bad name, x"quote');
    expect(allowedHeaderNames(response)).toEqual([...CORS_ALLOWED_HEADERS, 'x-good']);
  });

  it('answers * to a preflight without Origin', async () => {
    const response = await app.inject({ method: 'OPTIONS', url: '/template', headers: { 'access-control-request-method': 'GET' } });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it('is not journaled and consumes no fault', async () => {
    const armed = await app.inject({
      method: 'POST',
      url: '/_emulator/faults',
      headers: { authorization: 'Bearer admin-secret' },
      payload: { match: { path: '/template' } },
    });
    expect(armed.statusCode).toBe(201);
    await app.inject({ method: 'DELETE', url: '/_emulator/requests', headers: { authorization: 'Bearer admin-secret' } });
    for (let i = 0; i < 3; i++) expect((await preflight(app, '/template')).statusCode).toBe(204);
    const journal = await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { authorization: 'Bearer admin-secret' } });
    expect(journal.json()).toEqual({ requests: [] });
    const faults = await app.inject({ method: 'GET', url: '/_emulator/faults', headers: { authorization: 'Bearer admin-secret' } });
    expect(faults.json()).toMatchObject({ faults: [{ remaining: 1 }] });
    // The fault is still there for the real request that follows.
    expect(errorOf(await call(app, { method: 'GET', path: '/template' }))).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
  });
});

describe('an OPTIONS that is not a preflight', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());

  it.each([
    ['/template', 'GET, HEAD, POST, OPTIONS'],
    ['/template?tag=All', 'GET, HEAD, POST, OPTIONS'],
    ['/template/t1abc', 'PUT, DELETE, OPTIONS'],
    ['/template/t1abc?x=1', 'PUT, DELETE, OPTIONS'],
    ['/nope', 'OPTIONS'],
  ])('answers %s with 204 and Allow: %s', async (url, allow) => {
    const response = await app.inject({ method: 'OPTIONS', url });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers['allow']).toBe(allow);
    expect(response.headers['access-control-allow-origin']).toBe('*');
  });

  it.each([
    ['/_emulator/requests', 'GET, DELETE, OPTIONS'],
    ['/_emulator/faults?x=1', 'GET, POST, DELETE, OPTIONS'],
    ['/_emulator/reset', 'POST, OPTIONS'],
  ])('answers %s with 204 and Allow: %s, and no Allow-Origin (the admin API has no * )', async (url, allow) => {
    const response = await app.inject({ method: 'OPTIONS', url });
    expect(response.statusCode).toBe(204);
    expect(response.headers['allow']).toBe(allow);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives a preflight no Allow header', async () => {
    expect((await preflight(app, '/template')).headers['allow']).toBeUndefined();
  });
});

describe('headers on every answer', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ adminToken: 'admin-secret' });
  });
  afterAll(() => app.close());

  const withOrigin = { origin: PAGE_ORIGIN };
  const expectCors = (response: LightMyRequestResponse, origin = PAGE_ORIGIN): void => {
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(response.headers['access-control-expose-headers']).toBe(EXPOSED);
  };

  it('on a success', async () => {
    const response = await call(app, { method: 'POST', path: '/template', body: ocrBody('cors-ok'), headers: withOrigin });
    expect(response.statusCode).toBe(200);
    expectCors(response);
  });

  it('as * when the request has no Origin', async () => {
    const response = await call(app, { method: 'GET', path: '/template' });
    expectCors(response, '*');
  });

  it.each([
    ['MissingAuthorization', () => call(app, { method: 'GET', path: '/template', unsigned: true, headers: withOrigin }), 401],
    ['SignatureDoesNotMatch', () => call(app, { method: 'GET', path: '/template', secretKey: 'WRONG', headers: withOrigin }), 403],
    ['InvalidArgument', () => call(app, { method: 'POST', path: '/template', body: ocrBody('bad name'), headers: withOrigin }), 400],
    ['TemplateNotFound', () => call(app, { method: 'DELETE', path: '/template/t1missing', headers: withOrigin }), 404],
    ['InvalidUrl', () => call(app, { method: 'GET', path: '/nope', headers: withOrigin }), 404],
    ['MethodNotAllowed', () => call(app, { method: 'PATCH', path: '/template', headers: withOrigin }), 405],
    ['InvalidContent', () => call(app, { method: 'POST', path: '/template', body: Buffer.alloc(BODY_LIMIT + 1, 'a'), headers: withOrigin }), 413],
  ] as const)('on %s', async (code, send, status) => {
    const response = await send();
    expect(errorOf(response)).toMatchObject({ status, code });
    expectCors(response);
  });

  it('on an injected fault', async () => {
    await app.inject({
      method: 'POST',
      url: '/_emulator/faults',
      headers: { authorization: 'Bearer admin-secret' },
      payload: { status: 500, code: 'InternalError' },
    });
    const response = await call(app, { method: 'GET', path: '/template', headers: withOrigin });
    expect(errorOf(response)).toMatchObject({ status: 500, code: 'InternalError' });
    expectCors(response);
  });

  it('on a path the router cannot decode, with the CI headers too', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/template/%zz', headers: withOrigin });
    const error = errorOf(response);
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expectCors(response);
    expect(response.headers['server']).toBe('tencent-ci');
    expect(response.headers['x-ci-request-id']).toBe(error.requestId);
  });

  it('not on /_emulator answers to a page (CIE_ADMIN_ORIGINS is empty): the 401 of a missing admin token, a 404, a 200', async () => {
    const refused = await app.inject({ method: 'GET', url: '/_emulator/requests', headers: withOrigin });
    const unknown = await app.inject({ method: 'GET', url: '/_emulator/nope', headers: withOrigin });
    const health = await app.inject({ method: 'GET', url: '/_emulator/health', headers: withOrigin });
    expect([refused.statusCode, unknown.statusCode, health.statusCode]).toEqual([401, 404, 200]);
    for (const response of [refused, unknown, health]) expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('on the 431 the HTTP parser refuses, as * (the Origin was never read)', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
      socket.write(`GET /template HTTP/1.1\r\nHost: localhost\r\nOrigin: ${PAGE_ORIGIN}\r\nx-big: ${'a'.repeat(70 * 1024)}\r\n\r\n`);
    });
    const [head = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toContain('\r\nAccess-Control-Allow-Origin: *\r\n');
    expect(head).toContain(`\r\nAccess-Control-Expose-Headers: ${EXPOSED}\r\n`);
    expect(head).toMatch(/\r\nx-ci-trace-id: \S+\r\n/);
    expect(answer).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
  });
});

describe('CIE_CORS_ORIGINS narrows the origins', () => {
  const ALLOWED = 'http://app.example.test:3000';
  const OTHER_ALLOWED = 'https://second.example.test';
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ corsOrigins: [ALLOWED, OTHER_ALLOWED] });
    await createOcr(app, 'narrow');
  });
  afterAll(() => app.close());

  it.each([ALLOWED, OTHER_ALLOWED])('echoes %s on preflights and answers', async (origin) => {
    expect((await preflight(app, '/template', undefined, origin)).headers['access-control-allow-origin']).toBe(origin);
    const answer = await call(app, { method: 'GET', path: '/template', headers: { origin } });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(origin);
    expect(answer.headers['vary']).toContain('Origin');
  });

  it.each(['http://evil.example.test', 'http://app.example.test:3001', 'http://app.example.test'])('gives %s no Allow-Origin', async (origin) => {
    const refusedPreflight = await preflight(app, '/template', undefined, origin);
    expect(refusedPreflight.headers['access-control-allow-origin']).toBeUndefined();
    const answer = await call(app, { method: 'GET', path: '/template', headers: { origin } });
    // The request itself is served: CORS is the browser's check, the answer just lacks the permission.
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives no * to a request without Origin', async () => {
    expect((await call(app, { method: 'GET', path: '/template' })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('applies to the answers no hook sees', async () => {
    const allowed = await app.inject({ method: 'GET', url: '/template/%zz', headers: { origin: ALLOWED } });
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    const other = await app.inject({ method: 'GET', url: '/template/%zz', headers: { origin: 'http://evil.example.test' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CIE_ADMIN_ORIGINS opens /_emulator to the pages it names, and only to them', () => {
  const RUNNER = 'http://127.0.0.1:51204';
  let app: FastifyInstance;
  beforeAll(async () => {
    // Given as a user might write it; compared as a browser sends Origin.
    app = await testServer({ adminOrigins: ['http://127.0.0.1:51204', 'HTTP://Runner.Example.Test:80'] });
  });
  afterAll(() => app.close());

  it.each([RUNNER, 'http://runner.example.test'])('echoes %s on admin preflights and answers', async (origin) => {
    const response = await preflight(app, '/_emulator/reset', 'content-type', origin);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(allowedHeaderNames(response)).toContain('Authorization');
    const requests = await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { origin } });
    expect(requests.statusCode).toBe(200);
    expect(requests.headers['access-control-allow-origin']).toBe(origin);
  });

  it.each([PAGE_ORIGIN, 'http://127.0.0.1:51205', 'null'])('gives %s none on admin paths, while the CI API still answers it', async (origin) => {
    expect((await preflight(app, '/_emulator/requests', undefined, origin)).headers['access-control-allow-origin']).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { origin } })).headers['access-control-allow-origin']).toBeUndefined();
    expect((await preflight(app, '/template', undefined, origin)).headers['access-control-allow-origin']).toBe(origin);
  });
});
