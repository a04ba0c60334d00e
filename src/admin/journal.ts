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
  readonly auth: AuthRecord;
}

export const JOURNAL_BODY_LIMIT = 4096;

// Security tokens are credentials; signatures are not secret (they are MACs of public data).
const TOKEN_PARAM = /((?:^|&)x-c(?:os|i)-security-token=)[^&]*/gi;

export const redactQuery = (rawQuery: string): string => rawQuery.replace(TOKEN_PARAM, '$1[redacted]');

/** The first 4 KiB of a body as text, cut on a character boundary. */
export function journalBody(body: unknown): { body: string; bodyTruncated: boolean } {
  if (!Buffer.isBuffer(body) || body.length === 0) return { body: '', bodyTruncated: false };
  const truncated = body.length > JOURNAL_BODY_LIMIT;
  const text = body.subarray(0, JOURNAL_BODY_LIMIT).toString('utf8');
  return { body: truncated ? text.replace(/\uFFFD+$/, '') : text, bodyTruncated: truncated };
}

/** A ring of the last `capacity` API requests: memory stays flat however long the emulator runs. */
export class RequestJournal {
  readonly #entries: (JournalEntry | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#entries = new Array<JournalEntry | undefined>(capacity);
  }

  record(entry: JournalEntry): void {
    if (this.capacity === 0) return;
    this.#entries[this.#next] = entry;
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
