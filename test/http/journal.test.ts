import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOURNAL_BODY_LIMIT, type JournalEntry } from '../../src/admin/journal.js';
import { signRequest } from '../../src/signature.js';
import { APPID, BUCKET_HOST, DEFAULT_BUCKET, SECRET_ID, SECRET_KEY, call, errorOf, nowSeconds, ocrBody, testServer, xml } from '../helpers.js';

/** GET/DELETE /_emulator/requests: the ring, each field of an entry, truncation, redaction. */

const journalOf = async (app: FastifyInstance, limit?: number): Promise<JournalEntry[]> => {
  const response = await app.inject({ method: 'GET', url: `/_emulator/requests${limit === undefined ? '' : `?limit=${limit}`}` });
  expect(response.statusCode).toBe(200);
  return response.json<{ requests: JournalEntry[] }>().requests;
};

const clearJournal = async (app: FastifyInstance): Promise<void> => {
  const response = await app.inject({ method: 'DELETE', url: '/_emulator/requests' });
  expect(response.json()).toEqual({ cleared: true });
};

/** The newest entry, after exactly one journaled request. */
const onlyEntry = async (app: FastifyInstance): Promise<JournalEntry> => {
  const entries = await journalOf(app);
  expect(entries).toHaveLength(1);
  return entries[0]!;
};

const unsignedGet = (app: FastifyInstance, n: number): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url: `/template?n=${n}` });

describe('the ring', () => {
  it('keeps the newest 1,000 of 1,001 requests by default, newest first', async () => {
    const app = await testServer();
    try {
      for (let n = 1; n <= 1001; n++) await unsignedGet(app, n);
      const entries = await journalOf(app);
      expect(entries).toHaveLength(1000);
      expect(entries[0]!.query).toBe('n=1001');
      expect(entries[999]!.query).toBe('n=2');
    } finally {
      await app.close();
    }
  });

  describe('with CIE_JOURNAL_SIZE=3', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await testServer({ journalSize: 3 });
    });
    afterAll(() => app.close());

    it('keeps 3, newest first, and wraps around any number of times', async () => {
      for (let n = 1; n <= 5; n++) await unsignedGet(app, n);
      expect((await journalOf(app)).map((entry) => entry.query)).toEqual(['n=5', 'n=4', 'n=3']);
      for (let n = 6; n <= 10; n++) await unsignedGet(app, n);
      expect((await journalOf(app)).map((entry) => entry.query)).toEqual(['n=10', 'n=9', 'n=8']);
    });

    it('answers ?limit=N with the N newest, and at most the ring', async () => {
      expect((await journalOf(app, 2)).map((entry) => entry.query)).toEqual(['n=10', 'n=9']);
      expect(await journalOf(app, 1000)).toHaveLength(3);
    });

    it.each(['0', '-1', 'ten', '1.5', '', '99999999999'])('refuses limit=%s with 400 JSON', async (limit) => {
      const response = await app.inject({ method: 'GET', url: `/_emulator/requests?limit=${limit}` });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: 'InvalidLimit' });
    });

    it('is emptied by DELETE, and fills again', async () => {
      await clearJournal(app);
      expect(await journalOf(app)).toEqual([]);
      await unsignedGet(app, 11);
      expect((await journalOf(app)).map((entry) => entry.query)).toEqual(['n=11']);
    });
  });

  it('holds nothing with CIE_JOURNAL_SIZE=0, and still answers', async () => {
    const app = await testServer({ journalSize: 0 });
    try {
      await unsignedGet(app, 1);
      expect(await journalOf(app)).toEqual([]);
      expect(await journalOf(app, 5)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('an entry', () => {
  const startedAt = Date.now();
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer(
      {
        keys: [
          { secretId: SECRET_ID, secretKey: SECRET_KEY, appId: APPID },
          { secretId: 'AKIDOTHER', secretKey: 'OTHERKEY', appId: '1300000000' },
        ],
      },
      { clock: () => startedAt },
    );
  });
  afterAll(() => app.close());
  beforeEach(() => clearJournal(app));

  it('has every field of the contract for a signed create', async () => {
    const body = ocrBody('journaled');
    const response = await call(app, { method: 'POST', path: '/template', body, host: BUCKET_HOST });
    expect(response.statusCode).toBe(200);
    const entry = await onlyEntry(app);
    expect(Object.keys(entry).sort()).toEqual(
      ['auth', 'body', 'bodyTruncated', 'bucket', 'code', 'host', 'ignored', 'method', 'ms', 'path', 'query', 'repeated', 'requestId', 'status', 'time'].sort(),
    );
    expect(entry).toMatchObject({
      time: new Date(startedAt).toISOString(),
      method: 'POST',
      path: '/template',
      query: '',
      host: BUCKET_HOST,
      bucket: DEFAULT_BUCKET,
      status: 200,
      code: null,
      requestId: response.headers['x-ci-request-id'],
      body,
      bodyTruncated: false,
      ignored: [],
      repeated: [],
      auth: { form: 'header', secretId: SECRET_ID, verdict: 'ok' },
    });
    expect(entry.ms).toBeGreaterThanOrEqual(0);
    expect(entry.auth).not.toHaveProperty('stringToSign');
  });

  it('has the query as sent, the bucket of the Host and the CI code of an error', async () => {
    const host = 'other-1250000000.ci.ap-beijing.myqcloud.com';
    const response = await call(app, { method: 'GET', path: '/template', query: { pageSize: '0', name: 'a b' }, host });
    expect(errorOf(response).code).toBe('InvalidArgument');
    expect(await onlyEntry(app)).toMatchObject({
      method: 'GET',
      query: 'pageSize=0&name=a%20b',
      host,
      bucket: 'other-1250000000',
      status: 400,
      code: 'InvalidArgument',
      body: '',
    });
  });

  it('records the q-* query form and the sign= form', async () => {
    const authorization = signRequest({
      method: 'GET',
      path: '/template',
      headers: { host: 'localhost:80' },
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      start: nowSeconds() - 1,
    });
    await app.inject({ method: 'GET', url: `/template?${authorization}`, headers: { host: 'localhost:80' } });
    await app.inject({ method: 'GET', url: `/template?sign=${encodeURIComponent(authorization)}`, headers: { host: 'localhost:80' } });
    const [sign, query] = await journalOf(app);
    expect(query).toMatchObject({ status: 200, auth: { form: 'query', secretId: SECRET_ID, verdict: 'ok' } });
    expect(sign).toMatchObject({ status: 200, auth: { form: 'sign', secretId: SECRET_ID, verdict: 'ok' } });
  });

  it('has the server StringToSign and HttpString of a mismatch, as the error body gives them', async () => {
    const response = await call(app, { method: 'PUT', path: '/template/t1abc', body: ocrBody('x'), secretKey: 'WRONG' });
    const error = xml(response.body) as { Error: { StringToSign: string; FormatString: string } };
    const entry = await onlyEntry(app);
    expect(entry).toMatchObject({ method: 'PUT', path: '/template/t1abc', status: 403, code: 'SignatureDoesNotMatch' });
    expect(entry.auth).toEqual({
      form: 'header',
      secretId: SECRET_ID,
      verdict: 'SignatureDoesNotMatch',
      stringToSign: error.Error.StringToSign,
      httpString: error.Error.FormatString,
    });
    expect(entry.auth.stringToSign).toMatch(/^sha1\n\d+;\d+\n[0-9a-f]{40}\n$/);
    expect(entry.auth.httpString).toMatch(/^put\n\/template\/t1abc\n\ncontent-length=\d+&content-type=application%2Fxml&host=localhost%3A80\n$/);
  });

  it.each([
    ['none', 'MissingAuthorization', undefined, { unsigned: true }],
    ['header', 'SecretidNotExist', 'AKIDNOBODY', { secretId: 'AKIDNOBODY' }],
    ['header', 'AccessDenied', 'AKIDOTHER', { secretId: 'AKIDOTHER', secretKey: 'OTHERKEY' }],
    ['header', 'SignatureExpired', SECRET_ID, { signedAt: Math.floor(startedAt / 1000) - 7200, expires: 60 }],
  ] as const)('records form %s, verdict %s and the SecretId', async (form, verdict, secretId, extra) => {
    await call(app, { method: 'GET', path: '/template', ...extra });
    const entry = await onlyEntry(app);
    expect(entry.code).toBe(verdict);
    expect(entry.auth).toEqual({ form, verdict, ...(secretId === undefined ? { secretId: undefined } : { secretId }) });
  });

  it('says "not checked" when a fault answered before auth', async () => {
    await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { status: 429, code: 'SlowDown' } });
    await call(app, { method: 'GET', path: '/template' });
    expect(await onlyEntry(app)).toMatchObject({ status: 429, code: 'SlowDown', auth: { verdict: 'not checked' } });
  });

  it('keeps the body of a request a fault refused', async () => {
    await app.inject({ method: 'POST', url: '/_emulator/faults', payload: { match: { method: 'POST' }, status: 503 } });
    const body = ocrBody('faulted');
    await call(app, { method: 'POST', path: '/template', body });
    expect(await onlyEntry(app)).toMatchObject({ status: 503, code: 'ServiceUnavailable', body, auth: { verdict: 'not checked' } });
  });

  it('keeps the body of a request refused for its signature, with the verdict', async () => {
    const body = ocrBody('unsigned');
    await call(app, { method: 'POST', path: '/template', body, unsigned: true });
    expect(await onlyEntry(app)).toMatchObject({ status: 401, code: 'MissingAuthorization', body, auth: { verdict: 'MissingAuthorization' } });
    await app.inject({ method: 'DELETE', url: '/_emulator/requests' });
    await call(app, { method: 'PUT', path: '/template/t1x', body, secretKey: 'WRONG' });
    expect(await onlyEntry(app)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', body, auth: { verdict: 'SignatureDoesNotMatch' } });
  });

  it('records a non-preflight OPTIONS, but no preflight and no /_emulator call', async () => {
    await app.inject({ method: 'OPTIONS', url: '/template', headers: { origin: 'http://page.test', 'access-control-request-method': 'PUT' } });
    await app.inject({ method: 'GET', url: '/_emulator/health' });
    await app.inject({ method: 'GET', url: '/_emulator/faults' });
    await app.inject({ method: 'OPTIONS', url: '/template' });
    expect(await onlyEntry(app)).toMatchObject({ method: 'OPTIONS', status: 204 });
  });
});

describe('with CIE_AUTH=off', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ auth: 'off' });
  });
  afterAll(() => app.close());

  it('records the verdict it did not enforce', async () => {
    const response = await call(app, { method: 'POST', path: '/template', body: ocrBody('unsigned-ok'), unsigned: true });
    expect(response.statusCode).toBe(200);
    expect((await journalOf(app, 1))[0]).toMatchObject({ status: 200, code: null, auth: { form: 'none', verdict: 'MissingAuthorization' } });
  });
});

describe('bodies', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());
  beforeEach(() => clearJournal(app));

  it('keeps a body of exactly 4 KiB whole', async () => {
    const body = ocrBody('whole').padEnd(JOURNAL_BODY_LIMIT, ' ');
    await call(app, { method: 'POST', path: '/template', body });
    expect(await onlyEntry(app)).toMatchObject({ body, bodyTruncated: false });
  });

  it('keeps the first 4 KiB of a longer one', async () => {
    const body = ocrBody('long').padEnd(10_000, ' ');
    await call(app, { method: 'POST', path: '/template', body });
    const entry = await onlyEntry(app);
    expect(entry.bodyTruncated).toBe(true);
    expect(entry.body).toBe(body.slice(0, JOURNAL_BODY_LIMIT));
  });

  it('cuts on a character boundary', async () => {
    // 'é' is two bytes: starting at an odd offset, byte 4096 falls inside one.
    const body = `<${'é'.repeat(3000)}`;
    await call(app, { method: 'POST', path: '/template', body });
    const entry = await onlyEntry(app);
    expect(entry.bodyTruncated).toBe(true);
    expect(entry.body).toBe(`<${'é'.repeat(2047)}`);
    expect(Buffer.byteLength(entry.body)).toBeLessThanOrEqual(JOURNAL_BODY_LIMIT);
    expect(entry.body).not.toContain('\uFFFD');
  });

  it('keeps nothing of a body over 1 MiB, refused unread', async () => {
    await call(app, { method: 'POST', path: '/template', body: Buffer.alloc(1024 * 1024 + 1, 'a') });
    expect(await onlyEntry(app)).toMatchObject({ status: 413, body: '', bodyTruncated: false });
  });
});

describe('secrets', () => {
  const TOKEN = 'SESSIONTOKEN-0123456789';
  const TEMP_KEY = 'TEMPSECRETKEY-abcdef';
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({
      keys: [
        { secretId: SECRET_ID, secretKey: SECRET_KEY, appId: APPID },
        { secretId: 'AKIDTEMP', secretKey: TEMP_KEY, appId: APPID, token: TOKEN },
      ],
    });
  });
  afterAll(() => app.close());

  const temp = { secretId: 'AKIDTEMP', secretKey: TEMP_KEY } as const;

  /** Signs host and the token header, as a client that signs every header would. */
  const signedTokenHeader = (secretKey: string, tokenHeader: string): Record<string, string> => {
    const headers = { host: 'localhost:80', [tokenHeader]: TOKEN };
    return { ...headers, authorization: signRequest({ method: 'GET', path: '/template', headers, secretId: 'AKIDTEMP', secretKey, start: nowSeconds() - 1 }) };
  };

  it('never holds a secret key, nor a security token however it was sent', async () => {
    const responses = [
      await call(app, { method: 'GET', path: '/template', ...temp, headers: { 'x-cos-security-token': TOKEN } }),
      await call(app, { method: 'GET', path: '/template', ...temp, headers: { 'x-ci-security-token': TOKEN } }),
      await call(app, { method: 'GET', path: '/template', ...temp, query: { 'x-cos-security-token': TOKEN } }),
      // Signed by name, sent with an escape in the name: the server still reads it as the token.
      await app.inject({
        method: 'GET',
        url: `/template?x-cos-security%2Dtoken=${TOKEN}`,
        headers: {
          host: 'localhost:80',
          authorization: signRequest({
            method: 'GET',
            path: '/template',
            query: { 'x-cos-security-token': TOKEN },
            headers: { host: 'localhost:80' },
            ...temp,
            start: nowSeconds() - 1,
          }),
        },
      }),
      await call(app, { method: 'GET', path: '/template', ...temp, query: { 'X-CI-Security-Token': TOKEN } }),
      // Mismatches: the token is in the HttpString, once among the parameters and once among the headers.
      await call(app, { method: 'GET', path: '/template', ...temp, secretKey: 'WRONG', query: { 'x-ci-security-token': TOKEN } }),
      await app.inject({ method: 'GET', url: '/template', headers: signedTokenHeader('WRONG', 'x-cos-security-token') }),
      await app.inject({ method: 'GET', url: '/template', headers: signedTokenHeader('WRONG', 'x-ci-security-token') }),
      await call(app, { method: 'GET', path: '/template', ...temp, headers: { 'x-cos-security-token': 'NOT-THE-TOKEN' } }),
    ];
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 403, 403, 403, 403, 403]);
    const entries = await journalOf(app);
    expect(entries).toHaveLength(responses.length);
    const text = JSON.stringify(entries);
    for (const secret of [TOKEN, TEMP_KEY, SECRET_KEY]) expect(text).not.toContain(secret);

    const chronological = [...entries].reverse();
    expect(chronological.map((entry) => entry.query)).toEqual([
      '',
      '',
      'x-cos-security-token=[redacted]',
      'x-cos-security%2Dtoken=[redacted]',
      'X-CI-Security-Token=[redacted]',
      'x-ci-security-token=[redacted]',
      '',
      '',
      '',
    ]);
    const mismatches = entries.filter((entry) => entry.auth.verdict === 'SignatureDoesNotMatch');
    expect(mismatches.map((entry) => entry.auth.httpString)).toEqual([
      'get\n/template\n\nhost=localhost%3A80&x-ci-security-token=[redacted]\n',
      'get\n/template\n\nhost=localhost%3A80&x-cos-security-token=[redacted]\n',
      'get\n/template\nx-ci-security-token=[redacted]\nhost=localhost%3A80\n',
    ]);
  });
});
