import type { BucketRef } from './bucket.js';
import { invalidArgument, type CiError } from './errors.js';
import type { BodyNotes } from './kinds/validate.js';
import type { SignatureForm } from './signature.js';

/** What the pipeline learns about one request, for the handlers, the log and the journal. */
export interface RequestContext {
  readonly requestId: string;
  readonly traceId: string;
  /** The raw path, as Resource in error bodies. */
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly bucket: BucketRef;
  /** Query pairs percent-decoded, or undefined when the query has a bad escape. */
  readonly query: readonly (readonly [string, string])[] | undefined;
  auth: AuthRecord | undefined;
  /** A fault or signature refusal, raised once the body is read so the journal holds it. */
  refusal: CiError | undefined;
  errorCode: string | undefined;
  /** Elements of the body the default mode ignored or read last-wins; undefined when none. */
  notes: BodyNotes | undefined;
}

export interface AuthRecord {
  readonly form: SignatureForm;
  readonly secretId: string | undefined;
  /** `ok` or the error code. */
  readonly verdict: string;
  readonly stringToSign?: string;
  readonly httpString?: string;
}

/** `/_emulator` and what is below it: the emulator's own API, outside CI's wire rules. */
export const isAdminPath = (path: string): boolean => path === '/_emulator' || path.startsWith('/_emulator/');

export function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const mark = url.indexOf('?');
  return mark === -1 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, mark), rawQuery: url.slice(mark + 1) };
}

/**
 * Splits a query string into decoded pairs. `+` stays a plus: the SDKs encode spaces as `%20`,
 * and signatures are computed on the decoded value.
 */
export function parseQueryPairs(rawQuery: string): [string, string][] | undefined {
  if (rawQuery === '') return [];
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq === -1 ? part : part.slice(0, eq));
    const value = safeDecode(eq === -1 ? '' : part.slice(eq + 1));
    if (name === undefined || value === undefined) return undefined;
    pairs.push([name, value]);
  }
  return pairs;
}

function safeDecode(text: string): string | undefined {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The decoded path that signatures cover; a bad escape is the client's error. */
export function decodePath(rawPath: string): string {
  const decoded = safeDecode(rawPath);
  if (decoded === undefined) throw invalidArgument(`The path ${rawPath} has a malformed percent-escape.`);
  return decoded;
}

/** The query as an ordinary record (first value wins), throwing on bad escapes. */
export function queryRecord(context: RequestContext): Readonly<Record<string, string>> {
  if (context.query === undefined) throw invalidArgument('The query string has a malformed percent-escape.');
  // No prototype: a parameter named __proto__ is a parameter like any other.
  const record: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of context.query) {
    if (!Object.hasOwn(record, name)) record[name] = value;
  }
  return record;
}
