import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_COOKIE } from '../../src/admin/routes.js';
import { DEFAULT_BUCKET, call, createOcr, describeOf, testServer } from '../helpers.js';

/**
 * Who may call /_emulator/ (src/admin/guard.ts): the Host check against DNS rebinding, the
 * origin rule for state-changing requests, and the body types. Through app.inject, whose default
 * Host is localhost:80, so the emulator's own origin is http://localhost.
 */

const OWN_ORIGIN = 'http://localhost';
/** Another port on the same host: the same site (the SameSite=Strict cookie goes along), not the same origin. */
const SAME_SITE_PAGE = 'http://localhost:5173';
const CROSS_SITE_PAGE = 'https://evil.example';
const TOKEN = 'guard-admin-token';
const FORM = 'application/x-www-form-urlencoded';

type Headers = Record<string, string>;

function expectRefusal(response: LightMyRequestResponse, status: number, error: string, mentions: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json<{ error: string; message: string }>();
  expect(body.error).toBe(error);
  expect(body.message).toContain(mentions);
}

const count = async (app: FastifyInstance): Promise<number> => Number(describeOf((await call(app, { method: 'GET', path: '/template' })).body).TotalCount);
const faultCount = async (app: FastifyInstance): Promise<number> =>
  (await app.inject({ method: 'GET', url: '/_emulator/faults' })).json<{ faults: unknown[] }>().faults.length;

describe('the Host check (DNS rebinding), always on', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ allowedHosts: ['ci.internal.example'], adminToken: TOKEN });
  });
  afterAll(() => app.close());

  const requests = (host: string, headers: Headers = {}): Promise<LightMyRequestResponse> =>
    app.inject({ method: 'GET', url: '/_emulator/requests', headers: { host, authorization: `Bearer ${TOKEN}`, ...headers } });

  it('refuses Host evil.example:8080 on /_emulator/requests with 403 ForbiddenHost, naming CIE_ALLOWED_HOSTS', async () => {
    const response = await requests('evil.example:8080');
    expectRefusal(response, 403, 'ForbiddenHost', 'CIE_ALLOWED_HOSTS');
    expect(response.json()).toMatchObject({ message: expect.stringContaining('"evil.example:8080"') });
  });

  it('answers health and the signed CI API on that Host', async () => {
    expect((await app.inject({ method: 'GET', url: '/_emulator/health', headers: { host: 'evil.example:8080' } })).statusCode).toBe(200);
    expect((await call(app, { method: 'GET', path: '/template', host: 'evil.example:8080' })).statusCode).toBe(200);
    expect(
      (
        await call(app, {
          method: 'POST',
          path: '/template',
          host: 'evil.example:8080',
          body: '<Request><Tag>ImageOCR</Tag><Name>via-any-host</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>',
        })
      ).statusCode,
    ).toBe(200);
  });

  it.each([
    'ci-emulator:8080',
    'ci-emulator',
    'localhost',
    'localhost:8080',
    'LOCALHOST:8080',
    'localhost.:8080',
    'examplebucket-1250000000.ci.ap-guangzhou.localhost:8080',
    '127.0.0.1',
    '127.0.0.1:8080',
    '10.1.2.3:8080',
    '[::1]:8080',
    '[::1]',
    'host.docker.internal:8080',
    'ci.internal.example:9000',
    'CI.Internal.Example',
  ])('answers Host %s', async (host) => {
    expect((await requests(host)).statusCode).toBe(200);
  });

  it.each([
    'evil.example',
    'evil.example.',
    '127.0.0.1.nip.io:8080',
    'localhost.evil.example',
    'examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com',
    'ci.internal.example.evil.example',
    'other.internal.example',
    'host.docker.internal.evil.example',
    '[evil]:8080',
    '[::1]x',
    'a:b:8080',
    'localhost:80x',
    'bad_host name',
  ])('refuses Host %j', async (host) => {
    expectRefusal(await requests(host), 403, 'ForbiddenHost', 'CIE_ALLOWED_HOSTS');
  });

  it('runs before the admin token check, on every admin path, known or not', async () => {
    expectRefusal(await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { host: 'evil.example' } }), 403, 'ForbiddenHost', 'DNS rebinding');
    expectRefusal(
      await app.inject({ method: 'GET', url: '/_emulator/no-such-thing', headers: { host: 'evil.example' } }),
      403,
      'ForbiddenHost',
      'DNS rebinding',
    );
    expectRefusal(
      await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { host: 'evil.example', authorization: `Bearer ${TOKEN}` } }),
      403,
      'ForbiddenHost',
      'DNS rebinding',
    );
    expect((await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { host: 'localhost' } })).statusCode).toBe(401);
  });

  it('quotes at most 200 characters of a long Host', async () => {
    const response = await requests(`${'a'.repeat(5000)}.example`);
    expectRefusal(response, 403, 'ForbiddenHost', 'CIE_ALLOWED_HOSTS');
    expect(response.body.length).toBeLessThan(1000);
  });

  it('over a socket: answers HTTP/1.0 without Host (no browser sends that), refuses an empty Host', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const send = (head: string): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
        socket.write(head);
      });
    expect(await send(`GET /_emulator/requests HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
    const empty = await send(`GET /_emulator/requests HTTP/1.1\r\nHost:\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
    expect(empty).toMatch(/^HTTP\/1\.1 403 /);
    expect(empty).toContain('"error":"ForbiddenHost"');
  });
});

describe('the origin rule for state-changing requests', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ adminOrigins: ['http://127.0.0.1:51204'] });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.inject({ method: 'POST', url: '/_emulator/reset' });
    await createOcr(app, 'must-survive');
  });

  const reset = (headers: Headers): Promise<LightMyRequestResponse> => app.inject({ method: 'POST', url: '/_emulator/reset', headers });

  it.each([
    ['neither Origin nor Sec-Fetch-Site (curl, scripts)', {}],
    ['its own Origin', { origin: OWN_ORIGIN }],
    ['its own Origin, written with the default port', { origin: 'http://localhost:80' }],
    ['its own Origin and Sec-Fetch-Site: same-origin', { origin: OWN_ORIGIN, 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site: same-origin alone', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site: none (typed in the address bar, a bookmark)', { 'sec-fetch-site': 'none' }],
    ['Origin: null with Sec-Fetch-Site: same-origin (a same-origin redirect)', { origin: 'null', 'sec-fetch-site': 'same-origin' }],
    ['an origin listed in CIE_ADMIN_ORIGINS', { origin: 'http://127.0.0.1:51204', 'sec-fetch-site': 'same-site' }],
  ])('takes a reset with %s', async (_what, headers) => {
    const response = await reset(headers);
    expect(response.statusCode, response.body).toBe(200);
    expect(await count(app)).toBe(0);
  });

  it.each([
    ['a page on another port of the same host (same site)', { origin: SAME_SITE_PAGE, 'sec-fetch-site': 'same-site' }],
    ['a page on another site', { origin: CROSS_SITE_PAGE, 'sec-fetch-site': 'cross-site' }],
    ['a page on another site, from a browser without Sec-Fetch-Site', { origin: CROSS_SITE_PAGE }],
    ['Origin: null (a sandboxed page, a file:// page)', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: cross-site without Origin', { 'sec-fetch-site': 'cross-site' }],
    ['an origin not quite listed (another port)', { origin: 'http://127.0.0.1:51205', 'sec-fetch-site': 'same-site' }],
    ['a Bearer token when none is configured', { origin: CROSS_SITE_PAGE, authorization: 'Bearer anything' }],
  ])('refuses a reset from %s with 403 ForbiddenOrigin, and removes nothing', async (_what, headers) => {
    expectRefusal(await reset(headers), 403, 'ForbiddenOrigin', 'CIE_ADMIN_ORIGINS');
    expect(await count(app)).toBe(1);
  });

  it('says where the request came from', async () => {
    const response = await reset({ origin: CROSS_SITE_PAGE, 'sec-fetch-site': 'cross-site' });
    expect(response.json()).toMatchObject({
      message: expect.stringContaining('This request came from "https://evil.example" (Sec-Fetch-Site: "cross-site").'),
    });
  });

  it.each([
    ['POST', '/_emulator/faults', 'application/json', '{"times":1}'],
    ['DELETE', '/_emulator/faults', undefined, undefined],
    ['POST', '/_emulator/faults/clear', FORM, ''],
    ['DELETE', '/_emulator/requests', undefined, undefined],
    ['POST', '/_emulator/templates/delete', FORM, `bucket=${DEFAULT_BUCKET}&id=t1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`],
    ['POST', '/_emulator/reset', FORM, `bucket=${DEFAULT_BUCKET}`],
    ['PUT', '/_emulator/faults', 'application/json', '{}'],
  ] as const)('applies to %s %s', async (method, url, contentType, payload) => {
    const response = await app.inject({
      method,
      url,
      headers: { origin: SAME_SITE_PAGE, 'sec-fetch-site': 'same-site', ...(contentType === undefined ? {} : { 'content-type': contentType }) },
      ...(payload === undefined ? {} : { payload }),
    });
    expectRefusal(response, 403, 'ForbiddenOrigin', 'CIE_ADMIN_ORIGINS');
  });

  it('leaves reads to CORS: a page may send a GET, but its answer carries no Allow-Origin', async () => {
    const response = await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { origin: CROSS_SITE_PAGE, 'sec-fetch-site': 'cross-site' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the origin rule with an admin token', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ adminToken: TOKEN });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { authorization: `Bearer ${TOKEN}` } });
    await createOcr(app, 'must-survive');
  });

  const sameSite = { origin: SAME_SITE_PAGE, 'sec-fetch-site': 'same-site' };

  it('is not lifted by the token cookie, which SameSite=Strict still sends from another port of the same host', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/_emulator/reset',
      headers: { ...sameSite, cookie: `${ADMIN_COOKIE}=${TOKEN}`, 'content-type': FORM },
      payload: '',
    });
    expectRefusal(response, 403, 'ForbiddenOrigin', 'Bearer');
    expect(await count(app)).toBe(1);
  });

  it('is not lifted by ?token=', async () => {
    expectRefusal(await app.inject({ method: 'POST', url: `/_emulator/reset?token=${TOKEN}`, headers: sameSite }), 403, 'ForbiddenOrigin', 'Bearer');
    expect(await count(app)).toBe(1);
  });

  it('is lifted by Authorization: Bearer <token>, which no form can send', async () => {
    expect((await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { ...sameSite, authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect(await count(app)).toBe(0);
  });

  it('is not lifted by a wrong Bearer token', async () => {
    expectRefusal(
      await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { ...sameSite, authorization: `Bearer ${TOKEN}x` } }),
      403,
      'ForbiddenOrigin',
      'Bearer',
    );
    expect(await count(app)).toBe(1);
  });

  it('still lets the dashboard post its forms with the cookie, from its own origin', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/_emulator/reset',
      headers: { origin: OWN_ORIGIN, 'sec-fetch-site': 'same-origin', cookie: `${ADMIN_COOKIE}=${TOKEN}`, 'content-type': FORM },
      payload: '',
    });
    expect(response.statusCode).toBe(303);
    expect(await count(app)).toBe(0);
  });
});

describe('admin bodies are JSON, or form-urlencoded from the dashboard', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.inject({ method: 'POST', url: '/_emulator/reset' });
    await createOcr(app, 'must-survive');
  });

  it.each([
    ['text/plain (what a cross-site form can send as JSON)', 'text/plain', '{"times":1}'],
    ['text/plain;charset=UTF-8', 'text/plain;charset=UTF-8', '{"times":1}'],
    ['multipart/form-data', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="times"\r\n\r\n1\r\n--x--\r\n'],
    ['application/xml', 'application/xml', '<x/>'],
    ['no Content-Type', undefined, '{"times":1}'],
  ])('refuses a fault sent as %s with 415 UnsupportedMediaType, and adds none', async (_what, contentType, payload) => {
    const response = await app.inject({
      method: 'POST',
      url: '/_emulator/faults',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      payload,
    });
    expectRefusal(response, 415, 'UnsupportedMediaType', 'application/json');
    expect(await faultCount(app)).toBe(0);
  });

  it('refuses a reset with a text/plain body, and removes nothing', async () => {
    expectRefusal(
      await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { 'content-type': 'text/plain' }, payload: 'bucket=x' }),
      415,
      'UnsupportedMediaType',
      'text/plain',
    );
    expect(await count(app)).toBe(1);
  });

  it.each([
    ['application/json', 'application/json'],
    ['application/json; charset=utf-8', 'application/json; charset=utf-8'],
    ['Application/JSON', 'Application/JSON'],
  ])('takes a fault sent as %s', async (_what, contentType) => {
    expect((await app.inject({ method: 'POST', url: '/_emulator/faults', headers: { 'content-type': contentType }, payload: '{"times":1}' })).statusCode).toBe(
      201,
    );
  });

  it('takes a form-urlencoded reset from curl (-d)', async () => {
    expect(
      (await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { 'content-type': FORM }, payload: `bucket=${DEFAULT_BUCKET}` })).statusCode,
    ).toBe(303);
    expect(await count(app)).toBe(0);
  });

  it('needs no Content-Type without a body: curl -X POST …/reset, a browser DELETE (text/plain), an empty form', async () => {
    expect((await app.inject({ method: 'POST', url: '/_emulator/reset' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/_emulator/faults', headers: { 'content-type': 'text/plain;charset=UTF-8' } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/_emulator/faults/clear', headers: { 'content-type': FORM }, payload: '' })).statusCode).toBe(303);
  });

  it('answers an empty body of a type no admin parser reads with the same 415', async () => {
    const response = await app.inject({ method: 'POST', url: '/_emulator/reset', headers: { 'content-type': 'application/xml', 'content-length': '0' } });
    expectRefusal(response, 415, 'UnsupportedMediaType', '"application/xml"');
    expect(await count(app)).toBe(1);
  });
});

describe('curl-style requests (no Origin) reach every admin endpoint', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());

  it.each([
    ['GET', '/_emulator/health', undefined, 200],
    ['GET', '/_emulator/', undefined, 200],
    ['GET', '/_emulator/requests?limit=5', undefined, 200],
    ['DELETE', '/_emulator/requests', undefined, 200],
    ['POST', '/_emulator/faults', { match: { path: '/nowhere' } }, 201],
    ['GET', '/_emulator/faults', undefined, 200],
    ['DELETE', '/_emulator/faults', undefined, 200],
    ['POST', '/_emulator/faults/clear', undefined, 303],
    ['POST', '/_emulator/templates/delete', undefined, 303],
    ['POST', '/_emulator/reset', undefined, 200],
    ['POST', `/_emulator/reset?bucket=${DEFAULT_BUCKET}`, undefined, 200],
  ] as const)('%s %s', async (method, url, payload, status) => {
    const response = await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
    expect(response.statusCode, response.body).toBe(status);
  });
});
