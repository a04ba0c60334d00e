import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/signature.js';
import { BODY_LIMIT } from '../../src/server.js';
import { SECRET_ID, SECRET_KEY, call, createOcr, errorOf, nowSeconds, ocrBody, signedHeaders, testServer, xml } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testServer({
    keys: [
      { secretId: SECRET_ID, secretKey: SECRET_KEY, appId: '1250000000' },
      { secretId: 'AKIDOTHER', secretKey: 'OTHERKEY', appId: '1300000000' },
      { secretId: 'AKIDTEMP', secretKey: 'TEMPKEY', appId: '1250000000', token: 'SESSIONTOKEN' },
    ],
  });
});
afterAll(() => app.close());

const post = (body: string | Buffer, extra: Parameters<typeof call>[1] extends infer T ? Partial<T> : never = {}): ReturnType<typeof call> =>
  call(app, { method: 'POST', path: '/template', body, ...extra });

describe('every error is CI XML', () => {
  it('has Code, Message, Resource, RequestId and TraceId, and the CI headers', async () => {
    const response = await post(ocrBody('bad name'));
    const error = errorOf(response);
    const parsed = xml(response.body) as { Error: { TraceId: string } };
    expect(response.headers['content-type']).toBe('application/xml');
    expect(response.headers['server']).toBe('tencent-ci');
    expect(response.headers['x-ci-request-id']).toBe(error.requestId);
    expect(response.headers['x-ci-trace-id']).toBe(parsed.Error.TraceId);
    expect(response.headers['date']).toBeTruthy();
    expect(error.resource).toBe('/template');
    expect(response.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>InvalidArgument<\/Code><Message>.+<\/Message><Resource>\/template<\/Resource><RequestId>.+<\/RequestId><TraceId>.+<\/TraceId><\/Error>$/,
    );
  });
});

describe('body errors', () => {
  it('MissingContent for an empty POST', async () => {
    expect(errorOf(await post(''))).toMatchObject({ status: 400, code: 'MissingContent' });
  });

  it('MissingContent for a POST with no body at all', async () => {
    const response = await call(app, { method: 'POST', path: '/template' });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'MissingContent' });
  });

  it.each([
    ['malformed XML', '<Request><Tag>'],
    ['a DOCTYPE', '<!DOCTYPE Request [<!ENTITY x SYSTEM "file:///etc/passwd">]><Request><Name>&x;</Name></Request>'],
    ['a root other than Request', '<Response><Tag>ImageOCR</Tag></Response>'],
  ])('InvalidContent 400 for %s', async (_what, body) => {
    expect(errorOf(await post(body))).toMatchObject({ status: 400, code: 'InvalidContent' });
  });

  it('InvalidContent 413 for a body over 1 MiB, with the connection closed', async () => {
    const response = await post(Buffer.alloc(BODY_LIMIT + 1, 'a'));
    expect(errorOf(response)).toMatchObject({ status: 413, code: 'InvalidContent' });
    expect(response.headers['connection']).toBe('close');
  });

  it('accepts a body of exactly 1 MiB as far as its size goes', async () => {
    const padding = ' '.repeat(BODY_LIMIT - ocrBody('exact').length);
    const response = await post(ocrBody('exact') + padding);
    expect(response.statusCode).toBe(200);
  });

  it('InvalidArgument for a broken rule, naming the field', async () => {
    expect(errorOf(await post(ocrBody('x', '<Type>nope</Type>')))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: expect.stringContaining('ImageOCR.Type'),
    });
  });

  it('TemplateNameDuplicate for a taken name', async () => {
    await createOcr(app, 'taken');
    expect(errorOf(await post(ocrBody('taken')))).toMatchObject({ status: 400, code: 'TemplateNameDuplicate' });
  });
});

describe('path and method errors', () => {
  it.each(['/', '/templates', '/template/a/b', '/foo', '/Template'])('InvalidUrl 404 for %s', async (path) => {
    const response = await call(app, { method: 'GET', path });
    expect(errorOf(response)).toMatchObject({ status: 404, code: 'InvalidUrl', resource: path });
  });

  it.each([
    ['PUT', '/template', 'GET, HEAD, POST'],
    ['DELETE', '/template', 'GET, HEAD, POST'],
    ['PATCH', '/template', 'GET, HEAD, POST'],
    ['GET', '/template/t1x', 'PUT, DELETE'],
    ['POST', '/template/t1x', 'PUT, DELETE'],
  ] as const)('MethodNotAllowed 405 for %s %s, with Allow', async (method, path, allow) => {
    const response = await call(app, { method, path });
    expect(errorOf(response)).toMatchObject({ status: 405, code: 'MethodNotAllowed' });
    expect(response.headers['allow']).toBe(allow);
  });

  it('InvalidArgument for a path with a bad percent-escape', async () => {
    const response = await app.inject({ method: 'GET', url: '/template/%E0%A4%A' });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'InvalidArgument' });
  });

  it('InvalidArgument for a TemplateId longer than the router takes', async () => {
    const response = await app.inject({ method: 'DELETE', url: `/template/t1${'a'.repeat(4096)}` });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'InvalidArgument', message: expect.stringContaining('longer than 4096') });
  });

  it('InvalidArgument for a query with a bad percent-escape', async () => {
    const response = await app.inject({ method: 'GET', url: '/template?name=%zz', headers: signedHeaders({ method: 'GET', path: '/template' }) });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'InvalidArgument', message: expect.stringContaining('query') });
  });

  it('answers HEAD /template with headers only', async () => {
    const response = await call(app, { method: 'HEAD', path: '/template' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers['x-ci-request-id']).toBeTruthy();
  });
});

describe('signature errors', () => {
  it('MissingAuthorization when unsigned', async () => {
    const response = await call(app, { method: 'POST', path: '/template', body: ocrBody('u'), unsigned: true });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'MissingAuthorization' });
  });

  it('InvalidAuthorization when unreadable', async () => {
    const response = await app.inject({ method: 'GET', url: '/template', headers: { authorization: 'Bearer xyz' } });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'InvalidAuthorization' });
  });

  it('InvalidAuthorization for another algorithm', async () => {
    const authorization = signedHeaders({ method: 'GET', path: '/template' }).authorization!.replace('q-sign-algorithm=sha1', 'q-sign-algorithm=sha256');
    const response = await app.inject({ method: 'GET', url: '/template', headers: { host: 'localhost:80', authorization } });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'InvalidAuthorization', message: expect.stringContaining('sha1') });
  });

  it('SecretidNotExist for an unknown key', async () => {
    const response = await call(app, { method: 'GET', path: '/template', secretId: 'AKIDNOBODY' });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'SecretidNotExist' });
  });

  it('SignatureExpired after the window', async () => {
    const response = await call(app, { method: 'GET', path: '/template', signedAt: nowSeconds() - 3600, expires: 60 });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'SignatureExpired' });
  });

  it('RequestTimeTooSkewed when the window starts over 15 minutes ahead', async () => {
    const response = await call(app, { method: 'GET', path: '/template', signedAt: nowSeconds() + 1000 });
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'RequestTimeTooSkewed' });
  });

  it('SignatureDoesNotMatch with the server StringToSign and FormatString', async () => {
    const response = await call(app, { method: 'GET', path: '/template', query: { pageSize: '5' }, secretKey: 'WRONG' });
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const error = (xml(response.body) as { Error: { StringToSign: string; FormatString: string } }).Error;
    expect(error.FormatString).toBe('get\n/template\npagesize=5\nhost=localhost%3A80\n');
    expect(error.StringToSign).toMatch(/^sha1\n\d+;\d+\n[0-9a-f]{40}\n$/);
    expect(response.body).not.toContain(SECRET_KEY);
  });

  it('SignatureDoesNotMatch when a signed header was changed', async () => {
    const headers = signedHeaders({ method: 'POST', path: '/template', body: ocrBody('tamper') });
    const response = await app.inject({ method: 'POST', url: '/template', payload: ocrBody('tamper'), headers: { ...headers, 'content-type': 'text/xml' } });
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('AccessDenied for a key of another APPID', async () => {
    const response = await call(app, { method: 'GET', path: '/template', secretId: 'AKIDOTHER', secretKey: 'OTHERKEY' });
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'AccessDenied', message: expect.stringContaining('APPID') });
  });

  it('AccessDenied for a temporary key without its token, naming the token', async () => {
    const response = await call(app, { method: 'GET', path: '/template', secretId: 'AKIDTEMP', secretKey: 'TEMPKEY' });
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'AccessDenied', message: expect.stringContaining('token') });
    const ok = await call(app, {
      method: 'GET',
      path: '/template',
      secretId: 'AKIDTEMP',
      secretKey: 'TEMPKEY',
      headers: { 'x-cos-security-token': 'SESSIONTOKEN' },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('accepts the q-* query form and the sign= form', async () => {
    const authorization = signRequest({
      method: 'GET',
      path: '/template',
      headers: { host: 'localhost:80' },
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      start: nowSeconds() - 1,
    });
    const queryForm = await app.inject({
      method: 'GET',
      url: `/template?${authorization
        .split('&')
        .map((part) => {
          const [k, v] = part.split(/=(.*)/s);
          return `${k}=${encodeURIComponent(v ?? '')}`;
        })
        .join('&')}`,
      headers: { host: 'localhost:80' },
    });
    const signForm = await app.inject({ method: 'GET', url: `/template?sign=${encodeURIComponent(authorization)}`, headers: { host: 'localhost:80' } });
    expect(queryForm.statusCode).toBe(200);
    expect(signForm.statusCode).toBe(200);
  });
});

describe('CIE_AUTH=off', () => {
  it('accepts unsigned and wrongly signed requests', async () => {
    const open = await testServer({ auth: 'off' });
    const unsigned = await call(open, { method: 'POST', path: '/template', body: ocrBody('open'), unsigned: true });
    const wrong = await call(open, { method: 'GET', path: '/template', secretKey: 'WRONG' });
    expect(unsigned.statusCode).toBe(200);
    expect(wrong.statusCode).toBe(200);
    await open.close();
  });
});
