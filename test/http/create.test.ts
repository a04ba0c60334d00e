import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/signature.js';
import { OCR_EXAMPLE, BUCKET_HOST, SECRET_ID, SECRET_KEY, call, nowSeconds, createOcr, errorOf, ocrBody, templateOf, testServer } from '../helpers.js';

const GOLDEN = readFileSync(new URL('../../fixtures/golden/create-ocr-response.xml', import.meta.url), 'utf8');
const CI_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0800$/;

let app: FastifyInstance;
beforeAll(async () => {
  app = await testServer({
    keys: [
      { secretId: 'AKIDEXAMPLE', secretKey: 'SECRETKEYEXAMPLE', appId: '1250000000' },
      { secretId: 'AKIDDOC', secretKey: 'DOCKEY', appId: '1234567890' },
    ],
  });
});
afterAll(() => app.close());

describe('POST /template with the doc example', () => {
  it('answers the doc example response, apart from ids and times', async () => {
    const response = await call(app, {
      method: 'POST',
      path: '/template',
      body: OCR_EXAMPLE,
      host: 'test-1234567890.ci.ap-chongqing.myqcloud.com',
      secretId: 'AKIDDOC',
      secretKey: 'DOCKEY',
    });
    expect(response.statusCode).toBe(200);
    const template = templateOf(response.body);
    const normalised = response.body
      .replace(`<RequestId>${template.RequestId}<`, '<RequestId>{RequestId}<')
      .replace(`<TemplateId>${template.TemplateId}<`, '<TemplateId>{TemplateId}<')
      .replace(`<CreateTime>${template.CreateTime}<`, '<CreateTime>{CreateTime}<')
      .replace(`<UpdateTime>${template.UpdateTime}<`, '<UpdateTime>{UpdateTime}<');
    expect(normalised).toBe(GOLDEN);
  });

  it('sends the CI headers, with x-ci-request-id equal to <RequestId>', async () => {
    const response = await call(app, { method: 'POST', path: '/template', body: ocrBody('headers') });
    const template = templateOf(response.body);
    expect(response.headers['content-type']).toBe('application/xml');
    expect(response.headers['server']).toBe('tencent-ci');
    expect(response.headers['x-ci-request-id']).toBe(template.RequestId);
    expect(response.headers['x-ci-trace-id']).toBeUndefined();
    expect(Buffer.from(template.RequestId, 'base64').toString()).toMatch(/^[0-9a-f]+_[0-9a-f]+_[0-9a-f]+_[0-9a-f]+$/);
  });

  it('makes a t1 + 32 hex TemplateId, different every time', async () => {
    const ids = await Promise.all(['id1', 'id2', 'id3'].map(async (name) => (await createOcr(app, name)).TemplateId));
    for (const id of ids) expect(id).toMatch(/^t1[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(3);
  });

  it('stamps CreateTime and UpdateTime now, in +0800', async () => {
    const before = Date.now();
    const template = await createOcr(app, 'times');
    expect(template.CreateTime).toMatch(CI_TIME);
    expect(template.UpdateTime).toBe(template.CreateTime);
    const stamped = Date.parse(template.CreateTime.replace(/(\d{2})(\d{2})$/, '$1:$2'));
    expect(stamped).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });

  it('answers Category Custom', async () => {
    expect((await createOcr(app, 'category')).Category).toBe('Custom');
  });

  it('accepts a body with an XML declaration', async () => {
    const response = await call(app, { method: 'POST', path: '/template', body: `<?xml version="1.0" encoding="utf-8"?>\n${ocrBody('declared')}` });
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['text/plain', 'text/plain;charset=UTF-8'],
    ['a JSON type', 'application/json'],
    ['a form type', 'application/x-www-form-urlencoded'],
    ['a malformed type', 'not a / type;;'],
  ])('reads the body as XML whatever the Content-Type: %s', async (_what, contentType) => {
    const response = await call(app, { method: 'POST', path: '/template', body: ocrBody(`ct${contentType.length}`), headers: { 'content-type': contentType } });
    expect(response.statusCode).toBe(200);
  });

  it('reads a body sent without a Content-Type', async () => {
    const payload = ocrBody('noct');
    const signed = { host: 'localhost:80', 'content-length': String(Buffer.byteLength(payload)) };
    const authorization = signRequest({
      method: 'POST',
      path: '/template',
      headers: signed,
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      start: nowSeconds() - 1,
    });
    const response = await app.inject({ method: 'POST', url: '/template', payload, headers: { ...signed, authorization } });
    expect(response.statusCode).toBe(200);
    expect(templateOf(response.body).Name).toBe('noct');
  });
});

describe('BucketId', () => {
  it.each([
    ['a CI host', 'mybucket-1250000000.ci.ap-guangzhou.myqcloud.com', 'mybucket-1250000000'],
    ['a COS host with a port', 'my-bucket-1250000000.cos.ap-beijing.myqcloud.com:443', 'my-bucket-1250000000'],
    ['a .localhost host', 'local-1250000000.ci.ap-guangzhou.localhost:8080', 'local-1250000000'],
    ['upper case', 'UPPER-1250000000.CI.ap-guangzhou.MYQCLOUD.COM', 'upper-1250000000'],
    ['127.0.0.1', '127.0.0.1:8080', 'examplebucket-1250000000'],
    ['localhost', 'localhost', 'examplebucket-1250000000'],
    ['another domain', 'mybucket-1250000000.example.com', 'examplebucket-1250000000'],
  ])('comes from %s', async (_what, host, bucket) => {
    expect((await createOcr(app, `b${host.length}${bucket.length}`, { host })).BucketId).toBe(bucket);
  });

  it('is the configured default for hosts that name no bucket', async () => {
    const other = await testServer({ defaultBucket: 'other-1250000000' });
    expect((await createOcr(other, 'x')).BucketId).toBe('other-1250000000');
    await other.close();
  });
});

describe('CIE_TZ_OFFSET', () => {
  it('writes times in the configured offset', async () => {
    const other = await testServer({ tzOffset: '-0530' });
    expect((await createOcr(other, 'x')).CreateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0530$/);
    await other.close();
  });
});

describe('names', () => {
  it('refuses a second template of the same name in the bucket', async () => {
    await createOcr(app, 'twice');
    const response = await call(app, { method: 'POST', path: '/template', body: ocrBody('twice') });
    expect(errorOf(response)).toMatchObject({ status: 400, code: 'TemplateNameDuplicate' });
  });

  it('allows the same name in another bucket', async () => {
    await createOcr(app, 'shared');
    const other = await createOcr(app, 'shared', { host: BUCKET_HOST.replace('examplebucket', 'second') });
    expect(other.BucketId).toBe('second-1250000000');
  });

  it('is case-sensitive', async () => {
    await createOcr(app, 'Case');
    expect((await createOcr(app, 'case')).Name).toBe('case');
  });
});
