import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { BoundedCache } from './bounded-cache.js';

/**
 * COS/CI "q-sign" request signatures (sha1), as pure functions: no Fastify, no I/O. The server
 * feeds in what it received; tests and the benchmark use `signRequest` to sign like the SDKs.
 *
 *   SignKey      = hex(HMAC-SHA1(SecretKey, q-key-time))
 *   HttpString   = lower(method) \n decoded path \n params \n headers \n
 *   StringToSign = sha1 \n q-sign-time \n hex(SHA1(HttpString)) \n
 *   q-signature  = hex(HMAC-SHA1(SignKey, StringToSign))
 */

export type SignatureForm = 'header' | 'query' | 'sign' | 'none';

/** What the server received, with the query already split and percent-decoded, names as sent. */
export interface ReceivedRequest {
  readonly method: string;
  /** The decoded path: `/template/t1…`. */
  readonly path: string;
  readonly query: readonly (readonly [string, string])[];
  /** Lower-case header names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface Credential {
  readonly secretId: string;
  readonly secretKey: string;
  readonly appId: string;
  readonly token?: string;
}

export interface ParsedAuthorization {
  readonly algorithm: string;
  readonly secretId: string;
  readonly signTime: string;
  readonly keyTime: string;
  readonly headerList: readonly string[];
  readonly paramList: readonly string[];
  readonly signature: string;
}

export type VerdictCode =
  'MissingAuthorization' | 'InvalidAuthorization' | 'SecretidNotExist' | 'SignatureExpired' | 'RequestTimeTooSkewed' | 'SignatureDoesNotMatch' | 'AccessDenied';

export type Verdict =
  | { readonly ok: true; readonly form: SignatureForm; readonly credential: Credential }
  | {
      readonly ok: false;
      readonly form: SignatureForm;
      readonly code: VerdictCode;
      readonly message: string;
      readonly secretId?: string;
      readonly stringToSign?: string;
      readonly httpString?: string;
    };

/** COS accepts a clock this far ahead of the signature's start. */
export const CLOCK_TOLERANCE_SECONDS = 15 * 60;

const AUTH_KEYS = ['q-sign-algorithm', 'q-ak', 'q-sign-time', 'q-key-time', 'q-header-list', 'q-url-param-list', 'q-signature'] as const;
type AuthKey = (typeof AUTH_KEYS)[number];
const REQUIRED_AUTH_KEYS: readonly AuthKey[] = ['q-sign-algorithm', 'q-ak', 'q-sign-time', 'q-key-time', 'q-signature'];
const TIME_RANGE = /^(\d{1,12});(\d{1,12})$/;
const TOKEN_HEADERS = ['x-cos-security-token', 'x-ci-security-token'] as const;

/** The SDKs' camSafeUrlEncode: encodeURIComponent plus `!'()*`. */
export function encode(value: string): string {
  const encoded = encodeURIComponent(value);
  return SUB_DELIMS.test(encoded) ? encoded.replace(SUB_DELIMS_ALL, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
}
const SUB_DELIMS = /[!'()*]/;
const SUB_DELIMS_ALL = /[!'()*]/g;

const MEMO_SIZE = 1024;
// The memos below keep at most MEMO_SIZE keys of at most this length: a few MiB in all.
const MEMO_KEY_LIMIT = 2048;

// Deriving a SignKey is an HMAC per request; the SDKs reuse one key time for 15 minutes.
const signKeys = new BoundedCache<string, string>(MEMO_SIZE);

export function deriveSignKey(secretKey: string, keyTime: string): string {
  const cacheKey = `${keyTime}\n${secretKey}`;
  return signKeys.get(cacheKey) ?? signKeys.set(cacheKey, createHmac('sha1', secretKey).update(keyTime).digest('hex'));
}

/** Signatures found to match, keyed by everything they cover. */
const verifiedSignatures = new BoundedCache<string, true>(MEMO_SIZE);

export function buildStringToSign(signTime: string, httpString: string): string {
  // crypto.hash is the one-shot form: no Hash object per request.
  return `sha1\n${signTime}\n${hash('sha1', httpString, 'hex')}\n`;
}

export function computeSignature(signKey: string, stringToSign: string): string {
  return createHmac('sha1', signKey).update(stringToSign, 'utf8').digest('hex');
}

/** Constant-time comparison; a length difference is not hidden, the content is. */
export function constantTimeEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

export const signaturesEqual = (expected: string, received: string): boolean => constantTimeEqual(expected.toLowerCase(), received.toLowerCase());

/** `name=value&…` for the names of a q-*-list, in the list's order, from pairs of (name, value). */
function canonicalPairs(list: readonly string[], lookup: (encodedLowerName: string) => string | undefined): string {
  return list.map((name) => `${name}=${encode(lookup(name) ?? '')}`).join('&');
}

export function buildHttpString(request: ReceivedRequest, auth: ParsedAuthorization, hostOverride?: string): string {
  const params = new Map<string, string>();
  for (const [name, value] of request.query) {
    const key = encode(name).toLowerCase();
    if (!params.has(key)) params.set(key, value);
  }
  const paramString = canonicalPairs(auth.paramList, (name) => params.get(name));
  const headerString = canonicalPairs(auth.headerList, (name) =>
    name === 'host' && hostOverride !== undefined ? hostOverride : headerValue(request.headers, decodeName(name)),
  );
  return `${request.method.toLowerCase()}\n${request.path}\n${paramString}\n${headerString}\n`;
}

function decodeName(encodedName: string): string {
  try {
    return decodeURIComponent(encodedName);
  } catch {
    return encodedName;
  }
}

function headerValue(headers: ReceivedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value as string | undefined);
}

/** Finds the signature in any of its three forms: Authorization header, q-* parameters, sign=. */
export type FoundAuthorization =
  | { readonly form: 'header' | 'sign'; readonly text: string }
  | { readonly form: 'query'; readonly fields: ReadonlyMap<string, string> }
  | { readonly form: 'none' };

export function findAuthorization(request: ReceivedRequest): FoundAuthorization {
  const header = headerValue(request.headers, 'authorization');
  if (header !== undefined && header !== '') return { form: 'header', text: header };
  const queryFields = new Map<string, string>();
  for (const [name, value] of request.query) {
    if ((AUTH_KEYS as readonly string[]).includes(name) && !queryFields.has(name)) queryFields.set(name, value);
  }
  if (queryFields.size > 0) return { form: 'query', fields: queryFields };
  const merged = request.query.find(([name]) => name === 'sign');
  if (merged !== undefined) return { form: 'sign', text: merged[1] };
  return { form: 'none' };
}

/** undefined when the request carries no signature at all. */
function readAuthorization(found: FoundAuthorization): ParsedAuthorization | string | undefined {
  switch (found.form) {
    case 'none':
      return undefined;
    case 'query':
      return parseAuthorization(found.fields);
    case 'header':
    case 'sign':
      return parseAuthorizationText(found.text);
  }
}

function splitAuthorization(value: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of value.trim().split('&')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (!fields.has(name)) fields.set(name, eq === -1 ? '' : part.slice(eq + 1).trim());
  }
  return fields;
}

export function parseAuthorization(fields: ReadonlyMap<string, string>): ParsedAuthorization | string {
  const missing = REQUIRED_AUTH_KEYS.filter((key) => !fields.get(key));
  if (missing.length > 0) return `the signature lacks ${missing.join(', ')}`;
  const algorithm = fields.get('q-sign-algorithm') ?? '';
  if (algorithm !== 'sha1') return `q-sign-algorithm must be sha1, not "${algorithm}"`;
  const signTime = fields.get('q-sign-time') ?? '';
  const keyTime = fields.get('q-key-time') ?? '';
  if (!isTimeRange(signTime)) return `q-sign-time must be "<start>;<end>" in Unix seconds, not "${signTime}"`;
  if (!isTimeRange(keyTime)) return `q-key-time must be "<start>;<end>" in Unix seconds, not "${keyTime}"`;
  return {
    algorithm,
    secretId: fields.get('q-ak') ?? '',
    signTime,
    keyTime,
    headerList: splitList(fields.get('q-header-list')),
    paramList: splitList(fields.get('q-url-param-list')),
    signature: fields.get('q-signature') ?? '',
  };
}

/** A signature in one string (the header, or `sign=`), read as parseAuthorization reads fields. */
export function parseAuthorizationText(text: string): ParsedAuthorization | string {
  return parseAuthorization(splitAuthorization(text));
}

function isTimeRange(value: string): boolean {
  const match = TIME_RANGE.exec(value);
  return match !== null && Number(match[1]) <= Number(match[2]);
}

const splitList = (value: string | undefined): string[] =>
  value === undefined || value === '' ? [] : value.split(';').map((name) => name.trim().toLowerCase());

export interface VerifyInput {
  readonly request: ReceivedRequest;
  readonly credentials: ReadonlyMap<string, Credential>;
  /** Unix seconds. */
  readonly now: number;
  /** The APPID of the bucket the request addresses. */
  readonly appId: string;
}

/** The whole check, in the order CI reports failures. Never throws. */
export function verifyRequest({ request, credentials, now, appId }: VerifyInput): Verdict {
  const found = findAuthorization(request);
  const { form } = found;
  const auth = readAuthorization(found);
  if (auth === undefined) {
    return { ok: false, form, code: 'MissingAuthorization', message: 'The request is not signed: no Authorization header, q-* parameters or sign parameter.' };
  }
  if (typeof auth === 'string') return { ok: false, form, code: 'InvalidAuthorization', message: `The signature cannot be read: ${auth}.` };
  const credential = credentials.get(auth.secretId);
  if (credential === undefined) {
    return {
      ok: false,
      form,
      code: 'SecretidNotExist',
      secretId: auth.secretId,
      message: `The SecretId ${auth.secretId} is not one the emulator knows (CIE_KEYS).`,
    };
  }
  const timeVerdict = checkTime(auth, now, form);
  if (timeVerdict !== undefined) return timeVerdict;
  const mismatch = checkSignature(request, auth, credential.secretKey);
  if (mismatch !== undefined) return { ok: false, form, code: 'SignatureDoesNotMatch', secretId: auth.secretId, ...mismatch };
  const tokenProblem = checkToken(request, credential);
  if (tokenProblem !== undefined) return { ok: false, form, code: 'AccessDenied', secretId: auth.secretId, message: tokenProblem };
  if (credential.appId !== appId) {
    return {
      ok: false,
      form,
      code: 'AccessDenied',
      secretId: auth.secretId,
      message: `The SecretId ${auth.secretId} belongs to APPID ${credential.appId} and cannot reach a bucket of APPID ${appId}.`,
    };
  }
  return { ok: true, form, credential };
}

/**
 * Both windows are checked, before the signature: the SignKey is derived from q-key-time, so a
 * key time that has ended (or never covered the request) must not keep a signature alive, even
 * when q-sign-time says otherwise. Ended before skewed, as for q-sign-time alone.
 */
function checkTime(auth: ParsedAuthorization, now: number, form: SignatureForm): Verdict | undefined {
  const sign = timeRange(auth.signTime);
  const key = timeRange(auth.keyTime);
  const refuse = (code: 'SignatureExpired' | 'RequestTimeTooSkewed', message: string): Verdict => ({ ok: false, form, code, secretId: auth.secretId, message });
  if (now > sign.end) return refuse('SignatureExpired', `The signature expired at ${sign.end} (q-sign-time); the server's time is ${now}.`);
  if (now > key.end) return refuse('SignatureExpired', `The signing key expired at ${key.end} (q-key-time ${auth.keyTime}); the server's time is ${now}.`);
  if (sign.start > now + CLOCK_TOLERANCE_SECONDS) {
    return refuse('RequestTimeTooSkewed', `The signature starts at ${sign.start}, more than 15 minutes after the server's time ${now}.`);
  }
  if (key.start > now + CLOCK_TOLERANCE_SECONDS) {
    return refuse('RequestTimeTooSkewed', `The signing key starts at ${key.start} (q-key-time), more than 15 minutes after the server's time ${now}.`);
  }
  if (key.start > sign.start || key.end < sign.end) {
    return refuse('SignatureExpired', `q-key-time ${auth.keyTime} does not cover q-sign-time ${auth.signTime}: the key's window must hold the signature's.`);
  }
  return undefined;
}

/** A range parseAuthorization has already checked: `<start>;<end>`, start ≤ end. */
function timeRange(range: string): { start: number; end: number } {
  const [start = 0, end = 0] = range.split(';').map(Number);
  return { start, end };
}

function checkSignature(
  request: ReceivedRequest,
  auth: ParsedAuthorization,
  secretKey: string,
): { message: string; stringToSign: string; httpString: string } | undefined {
  const signKey = deriveSignKey(secretKey, auth.keyTime);
  const httpString = buildHttpString(request, auth);
  // An SDK signs once a second: the same request again carries the same signature over the
  // same HttpString, and a match already found needs no hashing.
  const matchKey = `${signKey}\n${auth.signTime}\n${auth.signature}\n${httpString}`;
  if (verifiedSignatures.get(matchKey)) return undefined;
  const stringToSign = buildStringToSign(auth.signTime, httpString);
  if (signaturesEqual(computeSignature(signKey, stringToSign), auth.signature)) {
    if (matchKey.length <= MEMO_KEY_LIMIT) verifiedSignatures.set(matchKey, true);
    return undefined;
  }
  // Python signs the Host without its port while sending it with the port.
  const host = headerValue(request.headers, 'host');
  const bareHost = host?.replace(/:\d+$/, '');
  if (auth.headerList.includes('host') && bareHost !== undefined && bareHost !== host) {
    const bareHttpString = buildHttpString(request, auth, bareHost);
    const bareStringToSign = buildStringToSign(auth.signTime, bareHttpString);
    if (signaturesEqual(computeSignature(signKey, bareStringToSign), auth.signature)) return undefined;
  }
  return {
    message:
      'The request signature we calculated does not match the signature you provided. Compare your StringToSign and FormatString with the ones in this answer.',
    stringToSign,
    httpString,
  };
}

function checkToken(request: ReceivedRequest, credential: Credential): string | undefined {
  if (credential.token === undefined) return undefined;
  const sent =
    TOKEN_HEADERS.map((name) => headerValue(request.headers, name)).find((value) => value !== undefined) ??
    request.query.find(([name]) => (TOKEN_HEADERS as readonly string[]).includes(name))?.[1];
  if (sent === undefined)
    return `The SecretId ${credential.secretId} is a temporary key: send its security token in x-cos-security-token or x-ci-security-token.`;
  if (!constantTimeEqual(credential.token, sent)) return `The security token sent for SecretId ${credential.secretId} is not the one configured for it.`;
  return undefined;
}

export interface SignOptions {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly secretId: string;
  readonly secretKey: string;
  /** Unix seconds; the SDKs use now - 1. */
  readonly start: number;
  readonly expires?: number;
  /** q-key-time; the SDKs send the sign time here too (the default). */
  readonly keyTime?: string;
}

/** Signs like cos-nodejs-sdk-v5's getAuthorization: every given header and parameter is signed. */
export function signRequest(options: SignOptions): string {
  const signTime = `${options.start};${options.start + (options.expires ?? 900)}`;
  const sortedEncoded = (record: Readonly<Record<string, string>>): [string, string][] =>
    Object.entries(record)
      .map(([name, value]): [string, string] => [encode(name).toLowerCase(), value])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const params = sortedEncoded(options.query ?? {});
  const headers = sortedEncoded(options.headers ?? {});
  const join = (pairs: [string, string][]): string => pairs.map(([name, value]) => `${name}=${encode(value)}`).join('&');
  const httpString = `${options.method.toLowerCase()}\n${options.path}\n${join(params)}\n${join(headers)}\n`;
  const keyTime = options.keyTime ?? signTime;
  const signature = computeSignature(deriveSignKey(options.secretKey, keyTime), buildStringToSign(signTime, httpString));
  return [
    'q-sign-algorithm=sha1',
    `q-ak=${options.secretId}`,
    `q-sign-time=${signTime}`,
    `q-key-time=${keyTime}`,
    `q-header-list=${headers.map(([name]) => name).join(';')}`,
    `q-url-param-list=${params.map(([name]) => name).join(';')}`,
    `q-signature=${signature}`,
  ].join('&');
}
