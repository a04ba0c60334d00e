import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildHttpString,
  constantTimeEqual,
  encode,
  findAuthorization,
  parseAuthorization,
  signRequest,
  verifyRequest,
  type Credential,
  type ReceivedRequest,
  type Verdict,
} from '../../src/signature.js';

interface Vector {
  readonly note?: string;
  readonly secretId: string;
  readonly secretKey: string;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly authorization: string;
}

const vectors = (JSON.parse(readFileSync(new URL('../../fixtures/signature-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

const APPID = '1250000000';

function received(vector: Vector, changes: Partial<ReceivedRequest> = {}): ReceivedRequest {
  return {
    method: vector.method,
    path: vector.path,
    query: Object.entries(vector.query),
    headers: { ...vector.headers, authorization: vector.authorization },
    ...changes,
  };
}

function startOf(vector: Vector): number {
  return Number(/q-sign-time=(\d+);/.exec(vector.authorization)?.[1]);
}

function endOf(vector: Vector): number {
  return Number(/q-sign-time=\d+;(\d+)/.exec(vector.authorization)?.[1]);
}

function verify(vector: Vector, request: ReceivedRequest, now = startOf(vector) + 1, secretKey = vector.secretKey): Verdict {
  const credential: Credential = { secretId: vector.secretId, secretKey, appId: APPID };
  return verifyRequest({ request, credentials: new Map([[vector.secretId, credential]]), now, appId: APPID });
}

const codeOf = (verdict: Verdict): string => (verdict.ok ? 'ok' : verdict.code);

describe('signature vectors made by the official SDKs', () => {
  it('has all eight vectors', () => {
    expect(vectors).toHaveLength(8);
  });

  describe.each(vectors.map((vector, index) => [index + 1, vector] as const))('vector %i', (_index, vector) => {
    it('is accepted inside its window', () => {
      expect(codeOf(verify(vector, received(vector)))).toBe('ok');
    });

    it('is accepted at both ends of the window', () => {
      expect(codeOf(verify(vector, received(vector), startOf(vector)))).toBe('ok');
      expect(codeOf(verify(vector, received(vector), endOf(vector)))).toBe('ok');
    });

    it('is refused once expired', () => {
      expect(codeOf(verify(vector, received(vector), endOf(vector) + 1))).toBe('SignatureExpired');
    });

    it('is refused with a wrong SecretKey', () => {
      expect(codeOf(verify(vector, received(vector), undefined, `${vector.secretKey}x`))).toBe('SignatureDoesNotMatch');
    });

    it('is refused when the method changes', () => {
      const method = vector.method === 'GET' ? 'DELETE' : 'GET';
      expect(codeOf(verify(vector, received(vector, { method })))).toBe('SignatureDoesNotMatch');
    });

    it('is refused when the path changes', () => {
      expect(codeOf(verify(vector, received(vector, { path: `${vector.path}x` })))).toBe('SignatureDoesNotMatch');
    });

    const signedHeaders = /q-header-list=([^&]*)/.exec(vector.authorization)?.[1]?.split(';').filter(Boolean) ?? [];
    it.each(signedHeaders)('is refused when the signed header %s changes', (name) => {
      const headers = { ...vector.headers, authorization: vector.authorization, [name]: `${vector.headers[name] ?? ''}0` };
      expect(codeOf(verify(vector, received(vector, { headers })))).toBe('SignatureDoesNotMatch');
    });

    const signedParams = Object.keys(vector.query);
    if (signedParams.length > 0) {
      it.each(signedParams)('is refused when the signed parameter %s changes', (name) => {
        const query = Object.entries({ ...vector.query, [name]: `${vector.query[name]}0` });
        expect(codeOf(verify(vector, received(vector, { query })))).toBe('SignatureDoesNotMatch');
      });
    }

    it('ignores parameters and headers it does not sign', () => {
      const request = received(vector, {
        query: [...Object.entries(vector.query), ['response-cache-control', 'no-cache']],
        headers: { ...vector.headers, authorization: vector.authorization, 'user-agent': 'anything' },
      });
      expect(codeOf(verify(vector, request))).toBe('ok');
    });
  });
});

describe('where the signature travels', () => {
  const vector = vectors[1]!; // GET with parameters
  const queryFields = vector.authorization.split('&').map((part) => {
    const eq = part.indexOf('=');
    return [part.slice(0, eq), part.slice(eq + 1)] as [string, string];
  });

  it('reads the q-* query form', () => {
    const request: ReceivedRequest = {
      method: vector.method,
      path: vector.path,
      query: [...Object.entries(vector.query), ...queryFields],
      headers: vector.headers,
    };
    const verdict = verify(vector, request);
    expect(verdict).toMatchObject({ ok: true, form: 'query' });
  });

  it('reads the merged sign= form', () => {
    const request: ReceivedRequest = {
      method: vector.method,
      path: vector.path,
      query: [...Object.entries(vector.query), ['sign', vector.authorization]],
      headers: vector.headers,
    };
    expect(verify(vector, request)).toMatchObject({ ok: true, form: 'sign' });
  });

  it('prefers the Authorization header', () => {
    expect(findAuthorization(received(vector)).form).toBe('header');
  });

  it('reports none when nothing is signed', () => {
    const verdict = verify(vector, { method: 'GET', path: '/template', query: [], headers: { host: 'x' } });
    expect(verdict).toMatchObject({ ok: false, form: 'none', code: 'MissingAuthorization' });
  });
});

describe('the host with and without its port', () => {
  const credential: Credential = { secretId: 'AKIDEXAMPLE', secretKey: 'SECRETKEYEXAMPLE', appId: APPID };
  const credentials = new Map([[credential.secretId, credential]]);
  const now = 1_700_000_000;

  it('accepts a signature over the host without its port, as the Python SDK makes', () => {
    const authorization = signRequest({
      method: 'GET',
      path: '/template',
      headers: { host: '127.0.0.1' },
      secretId: 'AKIDEXAMPLE',
      secretKey: 'SECRETKEYEXAMPLE',
      start: now,
    });
    const request: ReceivedRequest = { method: 'GET', path: '/template', query: [], headers: { host: '127.0.0.1:8080', authorization } };
    expect(verifyRequest({ request, credentials, now, appId: APPID }).ok).toBe(true);
  });

  it('refuses a signature over another host', () => {
    const authorization = signRequest({
      method: 'GET',
      path: '/template',
      headers: { host: '127.0.0.2' },
      secretId: 'AKIDEXAMPLE',
      secretKey: 'SECRETKEYEXAMPLE',
      start: now,
    });
    const request: ReceivedRequest = { method: 'GET', path: '/template', query: [], headers: { host: '127.0.0.1:8080', authorization } };
    expect(codeOf(verifyRequest({ request, credentials, now, appId: APPID }))).toBe('SignatureDoesNotMatch');
  });
});

describe('verdicts', () => {
  const credential: Credential = { secretId: 'AKIDEXAMPLE', secretKey: 'SECRETKEYEXAMPLE', appId: APPID };
  const tokenCredential: Credential = { secretId: 'AKIDTEMP', secretKey: 'TEMPKEY', appId: APPID, token: 'TOKEN123' };
  const credentials = new Map([
    [credential.secretId, credential],
    [tokenCredential.secretId, tokenCredential],
  ]);
  const now = 1_700_000_000;
  const sign = (start: number, secretId = 'AKIDEXAMPLE', secretKey = 'SECRETKEYEXAMPLE'): string =>
    signRequest({ method: 'GET', path: '/template', headers: { host: 'h' }, secretId, secretKey, start });
  const check = (authorization: string, extraHeaders: Record<string, string> = {}, appId = APPID): Verdict =>
    verifyRequest({
      request: { method: 'GET', path: '/template', query: [], headers: { host: 'h', authorization, ...extraHeaders } },
      credentials,
      now,
      appId,
    });

  it.each([
    ['garbage', 'InvalidAuthorization'],
    ['q-sign-algorithm=md5&q-ak=AKIDEXAMPLE&q-sign-time=1;2&q-key-time=1;2&q-signature=00', 'InvalidAuthorization'],
    ['q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=abc&q-key-time=1;2&q-signature=00', 'InvalidAuthorization'],
    ['q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=5;2&q-key-time=5;2&q-signature=00', 'InvalidAuthorization'],
    ['q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=1;2', 'InvalidAuthorization'],
  ])('%s → %s', (authorization, code) => {
    expect(codeOf(check(authorization))).toBe(code);
  });

  it('refuses an unknown SecretId', () => {
    expect(codeOf(check(sign(now, 'AKIDUNKNOWN')))).toBe('SecretidNotExist');
  });

  it('accepts a start up to 15 minutes ahead and refuses one further', () => {
    expect(codeOf(check(sign(now + 900)))).toBe('ok');
    expect(codeOf(check(sign(now + 901)))).toBe('RequestTimeTooSkewed');
  });

  it('refuses a signature replayed after its window', () => {
    expect(codeOf(check(sign(now - 901)))).toBe('SignatureExpired');
  });

  it('refuses a key of another APPID', () => {
    const verdict = check(sign(now), {}, '1250000001');
    expect(verdict).toMatchObject({ ok: false, code: 'AccessDenied' });
  });

  it('requires the token of a temporary key, in either header', () => {
    const authorization = sign(now, 'AKIDTEMP', 'TEMPKEY');
    expect(check(authorization)).toMatchObject({ ok: false, code: 'AccessDenied', message: expect.stringContaining('token') });
    expect(check(authorization, { 'x-cos-security-token': 'WRONG' })).toMatchObject({
      ok: false,
      code: 'AccessDenied',
      message: expect.stringContaining('token'),
    });
    expect(codeOf(check(authorization, { 'x-cos-security-token': 'TOKEN123' }))).toBe('ok');
    expect(codeOf(check(authorization, { 'x-ci-security-token': 'TOKEN123' }))).toBe('ok');
  });

  it('gives the server strings on a mismatch', () => {
    const verdict = check(sign(now, 'AKIDEXAMPLE', 'WRONGKEY'));
    expect(verdict).toMatchObject({ ok: false, code: 'SignatureDoesNotMatch', httpString: 'get\n/template\n\nhost=h\n' });
    if (!verdict.ok) expect(verdict.stringToSign).toMatch(/^sha1\n\d+;\d+\n[0-9a-f]{40}\n$/);
  });

  it('never puts the SecretKey in a verdict', () => {
    const verdict = check(sign(now, 'AKIDEXAMPLE', 'WRONGKEY'));
    expect(JSON.stringify(verdict)).not.toContain('SECRETKEYEXAMPLE');
  });
});

describe('q-key-time is checked like q-sign-time', () => {
  const credential: Credential = { secretId: 'AKIDEXAMPLE', secretKey: 'SECRETKEYEXAMPLE', appId: APPID };
  const credentials = new Map([[credential.secretId, credential]]);
  const now = 1_700_000_000;
  /** A correct signature over `signTime`, its SignKey derived from `keyTime`: only the windows can fail it. */
  const check = (signTime: readonly [number, number], keyTime: string): Verdict => {
    const [start, end] = signTime;
    const authorization = signRequest({
      method: 'GET',
      path: '/template',
      headers: { host: 'h' },
      secretId: 'AKIDEXAMPLE',
      secretKey: 'SECRETKEYEXAMPLE',
      start,
      expires: end - start,
      keyTime,
    });
    return verifyRequest({ request: { method: 'GET', path: '/template', query: [], headers: { host: 'h', authorization } }, credentials, now, appId: APPID });
  };
  const nodeWindow = [now - 1, now + 899] as const;

  it.each([
    ['ended an hour ago', `${now - 7200};${now - 3600}`, 'SignatureExpired', /signing key expired at 1699996400 \(q-key-time/],
    ['ended a second ago', `${now - 899};${now - 1}`, 'SignatureExpired', /signing key expired/],
    ['0;1, with a current sign time', '0;1', 'SignatureExpired', /signing key expired at 1 /],
    [
      'starting more than 15 minutes ahead',
      `${now + 901};${now + 2000}`,
      'RequestTimeTooSkewed',
      /signing key starts at 1700000901 \(q-key-time\), more than 15 minutes/,
    ],
    [
      'starting after the sign time',
      `${now + 100};${now + 2000}`,
      'SignatureExpired',
      /q-key-time 1700000100;1700002000 does not cover q-sign-time 1699999999;1700000899/,
    ],
    [
      'ending before the sign time ends',
      `${now - 1};${now + 100}`,
      'SignatureExpired',
      /q-key-time 1699999999;1700000100 does not cover q-sign-time 1699999999;1700000899/,
    ],
  ] as const)('refuses a key time %s', (_what, keyTime, code, message) => {
    const verdict = check(nodeWindow, keyTime);
    expect(verdict).toMatchObject({ ok: false, code, secretId: 'AKIDEXAMPLE' });
    if (!verdict.ok) expect(verdict.message).toMatch(message);
  });

  it.each([
    ['cos-nodejs-sdk-v5 and cos-js-sdk-v5: 900 s', [now - 1, now + 899]],
    ['cos-go-sdk-v5: 1 h', [now, now + 3600]],
    ['cos-python-sdk-v5: 10,000 s', [now - 60, now + 9940]],
    ["a presigned URL for 50 years (the COS FAQ's example of a long signature)", [now, now + 50 * 365 * 86_400]],
  ] as const)('accepts the window of %s, key time = sign time', (_what, window) => {
    expect(check(window, window.join(';'))).toMatchObject({ ok: true });
  });

  it('accepts a key time wider than the sign time, and one ending exactly now', () => {
    expect(check(nodeWindow, `${now - 3600};${now + 3600}`)).toMatchObject({ ok: true });
    expect(check([now - 10, now], `${now - 10};${now}`)).toMatchObject({ ok: true });
    expect(check([now + 900, now + 1000], `${now + 900};${now + 1000}`)).toMatchObject({ ok: true });
  });

  it('reports an expired sign time before the key time, and an ended key before a skewed start', () => {
    const expiredSign = check([now - 7200, now - 3600], '0;1');
    if (expiredSign.ok) throw new Error('accepted');
    expect(expiredSign.message).toMatch(/\(q-sign-time\)/);
    expect(check([now + 1000, now + 2000], '0;1')).toMatchObject({ code: 'SignatureExpired' });
  });
});

describe('pieces', () => {
  it('encodes like the SDKs', () => {
    expect(encode("模板 (1)*!'~._-")).toBe('%E6%A8%A1%E6%9D%BF%20%281%29%2A%21%27~._-');
  });

  it('builds the HttpString with only the listed parts, in list order', () => {
    const auth = parseAuthorization(
      new Map([
        ['q-sign-algorithm', 'sha1'],
        ['q-ak', 'a'],
        ['q-sign-time', '1;2'],
        ['q-key-time', '1;2'],
        ['q-header-list', 'host'],
        ['q-url-param-list', 'b;a'],
        ['q-signature', 'x'],
      ]),
    );
    if (typeof auth === 'string') throw new Error(auth);
    const text = buildHttpString(
      {
        method: 'PUT',
        path: '/p',
        query: [
          ['a', '1'],
          ['b', 'x y'],
          ['c', '3'],
        ],
        headers: { host: 'h', other: 'o' },
      },
      auth,
    );
    expect(text).toBe('put\n/p\nb=x%20y&a=1\nhost=h\n');
  });

  it('compares in constant time and still tells equal from different', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
