import type { CallbackOutcome } from '../jobs/store.js';
import type { AuthRecord } from '../request-context.js';

export interface JournalEntry {
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly host: string;
  readonly bucket: string;
  readonly status: number;
  readonly code: string | null;
  readonly ms: number;
  readonly requestId: string;
  readonly body: string;
  readonly bodyTruncated: boolean;
  /** Body elements the default mode ignored, by path (`ConcatTemplate.Foo`). */
  readonly ignored: readonly string[];
  /** Body elements given more than once, of which the last was read. */
  readonly repeated: readonly string[];
  readonly auth: AuthRecord;
  /** On the entry of a job's callback (POST to its CallBack URL): the job and what the callback came to. */
  readonly callback?: { readonly jobId: string } & CallbackOutcome;
}

export const JOURNAL_BODY_LIMIT = 4096;

// Security tokens are credentials; signatures are not secret (they are MACs of public data), and
// secret keys never reach a request. The names are compared decoded and case-insensitively, as
// the signature check decodes them (`x-cos-security%2Dtoken=` is a token too).
const TOKEN_NAMES = new Set(['x-cos-security-token', 'x-ci-security-token']);
const REDACTED = '[redacted]';

function isTokenName(rawName: string): boolean {
  let name = rawName;
  try {
    name = decodeURIComponent(rawName);
  } catch {
    // A malformed escape is compared as sent.
  }
  return TOKEN_NAMES.has(name.trim().toLowerCase());
}

/** `a=1&b=2` with the value of every token pair replaced. */
function redactPairs(pairs: string): string {
  return pairs
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq !== -1 && isTokenName(pair.slice(0, eq)) ? `${pair.slice(0, eq + 1)}${REDACTED}` : pair;
    })
    .join('&');
}

export const redactQuery = (rawQuery: string): string => (rawQuery === '' ? '' : redactPairs(rawQuery));

/**
 * The HttpString lists the signed parameters and headers as `name=value&…` (the two lines before
 * the final empty one): a client that signs its token header puts the token there.
 */
export function redactHttpString(httpString: string): string {
  const lines = httpString.split('\n');
  // Counted from the end: the path line is decoded and may hold a newline of its own (`%0A`),
  // while the parameter and header lines are percent-encoded and never do.
  const params = lines.length - 3;
  return lines.map((line, index) => (index === params || index === params + 1 ? redactPairs(line) : line)).join('\n');
}

export function redactAuth(auth: AuthRecord): AuthRecord {
  return auth.httpString === undefined ? auth : { ...auth, httpString: redactHttpString(auth.httpString) };
}

/** The first 4 KiB of a body as text, cut on a character boundary. */
export function journalBody(body: unknown): { body: string; bodyTruncated: boolean } {
  if (!Buffer.isBuffer(body) || body.length === 0) return { body: '', bodyTruncated: false };
  const truncated = body.length > JOURNAL_BODY_LIMIT;
  if (!truncated) return { body: body.toString('utf8'), bodyTruncated: false };
  // In streaming mode the decoder holds back a character cut at the limit instead of answering
  // U+FFFD for it; a U+FFFD the body itself carries is kept.
  return { body: new TextDecoder('utf-8').decode(body.subarray(0, JOURNAL_BODY_LIMIT), { stream: true }), bodyTruncated: true };
}

/** A ring of the last `capacity` API requests: memory stays flat however long the emulator runs. */
export class RequestJournal {
  readonly #entries: (JournalEntry | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#entries = new Array<JournalEntry | undefined>(capacity);
  }

  /** Stores the entry with its tokens redacted, whoever built it. */
  record(entry: JournalEntry): void {
    if (this.capacity === 0) return;
    this.#entries[this.#next] = { ...entry, query: redactQuery(entry.query), auth: redactAuth(entry.auth) };
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  /** Newest first. */
  list(limit: number = this.capacity): JournalEntry[] {
    const count = Math.min(limit, this.#size);
    const entries: JournalEntry[] = [];
    for (let i = 1; i <= count; i++) {
      const entry = this.#entries[(this.#next - i + this.capacity) % this.capacity];
      if (entry !== undefined) entries.push(entry);
    }
    return entries;
  }

  get size(): number {
    return this.#size;
  }

  clear(): void {
    this.#entries.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}
