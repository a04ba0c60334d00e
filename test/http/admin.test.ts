import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_COOKIE } from '../../src/admin/routes.js';
import { DEFAULT_BUCKET, call, createOcr, describeOf, errorOf, ocrBody, testServer } from '../helpers.js';

/** The admin token (Bearer, or the cookie ?token= sets) and the dashboard's forms. */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const OTHER_BUCKET = 'second-1250000000';
const OTHER_HOST = `${OTHER_BUCKET}.ci.ap-guangzhou.myqcloud.com`;

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

/** A 303 back to the page, and the notice it carries. */
function expectBackToDashboard(response: LightMyRequestResponse, failed = false): string {
  expect(response.statusCode).toBe(303);
  const location = new URL(String(response.headers['location']), 'http://emulator');
  expect(location.pathname).toBe('/_emulator/');
  expect(location.searchParams.get('failed')).toBe(failed ? '1' : null);
  return location.searchParams.get('notice') ?? '';
}

describe('CIE_ADMIN_TOKEN', () => {
  const TOKEN = 'tok-3f9a;=/x';
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ adminToken: TOKEN });
  });
  afterAll(() => app.close());

  const cookie = `${ADMIN_COOKIE}=${encodeURIComponent(TOKEN)}`;
  const adminPaths: [string, string][] = [
    ['GET', '/_emulator/'],
    ['GET', '/_emulator/requests'],
    ['DELETE', '/_emulator/requests'],
    ['GET', '/_emulator/faults'],
    ['DELETE', '/_emulator/faults'],
    ['POST', '/_emulator/reset'],
    ['POST', '/_emulator/faults/clear'],
  ];

  it.each(adminPaths)('refuses %s %s without the token: 401 JSON', async (method, url) => {
    const response = await app.inject({ method: method as 'GET', url });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toMatchObject({ error: 'Unauthorized', message: expect.stringContaining('Bearer') });
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['a wrong Bearer', { authorization: 'Bearer nope' }],
    ['a Bearer of the right length', { authorization: `Bearer ${'x'.repeat(TOKEN.length)}` }],
    ['the token without "Bearer"', { authorization: TOKEN }],
    ['a wrong cookie', { cookie: `${ADMIN_COOKIE}=nope` }],
    ['the token in another cookie', { cookie: `other=${encodeURIComponent(TOKEN)}` }],
  ])('refuses %s', async (_what, headers) => {
    expect((await app.inject({ method: 'GET', url: '/_emulator/requests', headers })).statusCode).toBe(401);
  });

  it.each(adminPaths)('takes the Bearer token on %s %s', async (method, url) => {
    const response = await app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });
    expect([200, 303]).toContain(response.statusCode);
  });

  it('never asks one for health', async () => {
    const response = await app.inject({ method: 'GET', url: '/_emulator/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ready' });
  });

  it('turns ?token= on the page into an HttpOnly, SameSite=Strict cookie and reloads the page without it', async () => {
    const response = await app.inject({ method: 'GET', url: `/_emulator/?token=${encodeURIComponent(TOKEN)}` });
    expect(response.statusCode).toBe(303);
    expect(response.headers['location']).toBe('/_emulator/');
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toBe(`${cookie}; Path=/_emulator; HttpOnly; SameSite=Strict`);
  });

  it('answers another endpoint given ?token= directly, setting the cookie too', async () => {
    const response = await app.inject({ method: 'GET', url: `/_emulator/requests?token=${encodeURIComponent(TOKEN)}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ requests: [] });
    expect(String(response.headers['set-cookie'])).toContain(`${cookie};`);
  });

  it('sets no cookie for a wrong ?token=', async () => {
    const response = await app.inject({ method: 'GET', url: '/_emulator/?token=wrong' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('serves the page and takes every form with the cookie', async () => {
    const headers = { cookie };
    const page = await app.inject({ method: 'GET', url: '/_emulator/', headers });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const template = await createOcr(app, 'with-cookie');
    const posts: [string, Record<string, string>][] = [
      ['/_emulator/faults', { method: '', path: '/template*', status: '', code: '', times: '1', delayMs: '0' }],
      ['/_emulator/faults/clear', {}],
      ['/_emulator/templates/delete', { bucket: DEFAULT_BUCKET, id: template.TemplateId }],
      ['/_emulator/reset', { bucket: DEFAULT_BUCKET }],
      ['/_emulator/reset', {}],
    ];
    for (const [url, fields] of posts) {
      const response = await app.inject({ method: 'POST', url, headers: { ...headers, ...FORM }, payload: form(fields) });
      expectBackToDashboard(response);
      const refused = await app.inject({ method: 'POST', url, headers: FORM, payload: form(fields) });
      expect(refused.statusCode).toBe(401);
    }
  });

  it('does not ask the CI API for it', async () => {
    expect((await call(app, { method: 'GET', path: '/template' })).statusCode).toBe(200);
  });
});

describe('the dashboard forms', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.inject({ method: 'POST', url: '/_emulator/reset' });
  });

  const postForm = (url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> =>
    app.inject({ method: 'POST', url, headers: FORM, payload: form(fields) });
  const count = async (host?: string): Promise<string> =>
    describeOf((await call(app, { method: 'GET', path: '/template', ...(host === undefined ? {} : { host }) })).body).TotalCount;
  const faults = async (): Promise<Record<string, unknown>[]> =>
    (await app.inject({ method: 'GET', url: '/_emulator/faults' })).json<{ faults: Record<string, unknown>[] }>().faults;

  it('reset (every bucket) answers 303 and empties every bucket and the faults', async () => {
    await createOcr(app, 'a');
    await createOcr(app, 'b', { host: OTHER_HOST });
    await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { match: { path: '/nowhere' } } });
    const notice = expectBackToDashboard(await postForm('/_emulator/reset', {}));
    expect(notice).toBe('Reset every bucket: 2 templates and 0 jobs removed, 0 seeded.');
    expect([await count(), await count(OTHER_HOST)]).toEqual(['0', '0']);
    expect(await faults()).toEqual([]);
  });

  it('reset with a bucket empties that bucket only', async () => {
    await createOcr(app, 'a');
    await createOcr(app, 'b', { host: OTHER_HOST });
    const notice = expectBackToDashboard(await postForm('/_emulator/reset', { bucket: OTHER_BUCKET }));
    expect(notice).toBe(`Reset ${OTHER_BUCKET}: 1 templates and 0 jobs removed, 0 seeded.`);
    expect([await count(), await count(OTHER_HOST)]).toEqual(['1', '0']);
  });

  it('reset with a malformed bucket is refused', async () => {
    const response = await postForm('/_emulator/reset', { bucket: 'Not A Bucket' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'InvalidBucket' });
  });

  it('delete removes one template of one bucket', async () => {
    const kept = await createOcr(app, 'kept');
    const removed = await createOcr(app, 'removed');
    const notice = expectBackToDashboard(await postForm('/_emulator/templates/delete', { bucket: DEFAULT_BUCKET, id: removed.TemplateId }));
    expect(notice).toBe(`Deleted ${removed.TemplateId} from ${DEFAULT_BUCKET}.`);
    const left = describeOf((await call(app, { method: 'GET', path: '/template' })).body).TemplateList.map((template) => template.TemplateId);
    expect(left).toEqual([kept.TemplateId]);
  });

  it('delete of a template the bucket does not have comes back as a failed notice', async () => {
    const elsewhere = await createOcr(app, 'elsewhere', { host: OTHER_HOST });
    const notice = expectBackToDashboard(await postForm('/_emulator/templates/delete', { bucket: DEFAULT_BUCKET, id: elsewhere.TemplateId }), true);
    expect(notice).toMatch(/^Not deleted: /);
    expect(await count(OTHER_HOST)).toBe('1');
  });

  it('add fault reads the flat form, empty fields taking their defaults', async () => {
    const notice = expectBackToDashboard(
      await postForm('/_emulator/faults', { method: '', path: '/template*', status: '', code: '', times: '4', delayMs: '0' }),
    );
    expect(notice).toBe('Fault added: 503 ServiceUnavailable for the next 4 requests to /template*.');
    expect(await faults()).toMatchObject([{ match: { path: '/template*' }, status: 503, code: 'ServiceUnavailable', times: 4, delayMs: 0, remaining: 4 }]);
    expect((await faults())[0]?.['match']).toEqual({ path: '/template*' });
  });

  it('add fault takes every field of the form', async () => {
    expectBackToDashboard(
      await postForm('/_emulator/faults', { method: 'PUT', path: '/template/*', status: '500', code: 'InternalError', times: '2', delayMs: '10' }),
    );
    expect(await faults()).toMatchObject([{ match: { method: 'PUT', path: '/template/*' }, status: 500, code: 'InternalError', times: 2, delayMs: 10 }]);
    expect(errorOf(await call(app, { method: 'PUT', path: '/template/t1x', body: ocrBody('x') }))).toMatchObject({ status: 500, code: 'InternalError' });
  });

  it('add fault with only a delay makes a delay-only fault', async () => {
    const notice = expectBackToDashboard(
      await postForm('/_emulator/faults', { method: 'GET', path: '/template', status: '', code: '', times: '1', delayMs: '25' }),
    );
    expect(notice).toBe('Fault added: a delay of 25 ms for the next 1 GET request to /template.');
    expect(await faults()).toMatchObject([{ status: null, code: null, delayMs: 25 }]);
  });

  it('add fault with a bad field comes back as a failed notice, and adds nothing', async () => {
    const notice = expectBackToDashboard(
      await postForm('/_emulator/faults', { method: '', path: '/template', status: '99', code: '', times: '1', delayMs: '0' }),
      true,
    );
    expect(notice).toContain('status');
    expect(await faults()).toEqual([]);
  });

  it('clear faults answers 303 and removes them all', async () => {
    await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { times: 3 } });
    await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { delayMs: 5 } });
    expect(expectBackToDashboard(await postForm('/_emulator/faults/clear', {}))).toBe('Faults cleared.');
    expect(await faults()).toEqual([]);
  });

  it('the page shows the notice a form leaves, escaped, and a failed one as such', async () => {
    const page = await app.inject({ method: 'GET', url: `/_emulator/?notice=${encodeURIComponent('<b>done</b>')}` });
    expect(page.body).toContain('<p class="notice" role="status">&lt;b&gt;done&lt;/b&gt;</p>');
    const failed = await app.inject({ method: 'GET', url: '/_emulator/?notice=no&failed=1' });
    expect(failed.body).toContain('<p class="notice failed" role="status">no</p>');
  });

  it('JSON clients of reset still get JSON', async () => {
    await createOcr(app, 'json');
    const response = await app.inject({ method: 'POST', url: '/_emulator/reset' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ reset: 'all', removed: 1, seeded: 0, jobsRemoved: 0, faultsCleared: true });
  });

  it('JSON clients may send Content-Type: application/json with no body', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/_emulator/faults', headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(200);
    const broken = await app.inject({ method: 'POST', url: '/_emulator/faults', headers: { 'content-type': 'application/json' }, payload: '{"status":' });
    expect(broken.statusCode).toBe(400);
  });
});

describe('@fastify/formbody is registered for /_emulator only', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());

  it('leaves an urlencoded body to /template as XML to read', async () => {
    const asForm = await call(app, { method: 'POST', path: '/template', body: 'Tag=ImageOCR&Name=x', headers: FORM });
    expect(errorOf(asForm)).toMatchObject({ status: 400, code: 'InvalidContent' });
    const xmlAsForm = await call(app, { method: 'POST', path: '/template', body: ocrBody('xml-as-form'), headers: FORM });
    expect(xmlAsForm.statusCode).toBe(200);
  });
});

describe('the page', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());

  it('shows templates per bucket with their fields, faults and the journal with signature verdicts', async () => {
    const template = await createOcr(app, 'on-the-page');
    await createOcr(app, 'other-bucket', { host: OTHER_HOST });
    await app.inject({
      method: 'POST',
      url: '/_emulator/faults',
      payload: { match: { method: 'DELETE', path: '/template/*' }, status: 500, code: 'InternalError', times: 2 },
    });
    const refused = await call(app, { method: 'GET', path: '/template', secretKey: 'WRONG' });
    const stringToSign = /<StringToSign>([^<]*)<\/StringToSign>/.exec(refused.body)?.[1] ?? '';
    expect(stringToSign).toMatch(/^sha1\n/);

    const page = await app.inject({ method: 'GET', url: '/_emulator/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    const body = page.body;
    expect(body).toMatch(/^<!doctype html>/);
    expect(body).toContain(`data-bucket="${DEFAULT_BUCKET}"`);
    expect(body).toContain(`data-bucket="${OTHER_BUCKET}"`);
    expect(body).toContain(`data-template-id="${template.TemplateId}"`);
    expect(body).toContain('<td class="name">on-the-page</td>');
    expect(body).toContain('<dt>LanguageType</dt><dd><code>zh</code></dd>');
    expect(body).toContain('<code>/template/*</code>');
    expect(body).toContain('InternalError');
    expect(body).toContain('data-verdict="SignatureDoesNotMatch"');
    expect(body).toContain(`<pre class="sts">${stringToSign}</pre>`);
    for (const action of ['/_emulator/reset', '/_emulator/templates/delete', '/_emulator/faults', '/_emulator/faults/clear']) {
      expect(body).toContain(`<form method="post" action="${action}"`);
    }
  });
});
