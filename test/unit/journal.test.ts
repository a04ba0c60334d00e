import { describe, expect, it } from 'vitest';
import { JOURNAL_BODY_LIMIT, journalBody, redactAuth, redactHttpString, redactQuery, RequestJournal, type JournalEntry } from '../../src/admin/journal.js';
import type { AuthRecord } from '../../src/request-context.js';

describe('redactQuery', () => {
  it.each([
    ['x-cos-security-token', 'x-cos-security-token=SECRET', 'x-cos-security-token=[redacted]'],
    ['x-ci-security-token', 'x-ci-security-token=SECRET', 'x-ci-security-token=[redacted]'],
    ['a name in any case, kept as sent', 'X-Cos-Security-TOKEN=SECRET', 'X-Cos-Security-TOKEN=[redacted]'],
    ['a percent-encoded name, kept as sent', 'x-cos-security%2Dtoken=SECRET', 'x-cos-security%2Dtoken=[redacted]'],
    ['a fully encoded name', '%78%2D%63%69-security-token=SECRET', '%78%2D%63%69-security-token=[redacted]'],
    ['a name with encoded spaces around it', '%20x-ci-security-token%20=SECRET', '%20x-ci-security-token%20=[redacted]'],
    ['a token among other pairs', 'a=1&x-cos-security-token=SECRET&b=2', 'a=1&x-cos-security-token=[redacted]&b=2'],
    [
      'both names and a repeat',
      'x-cos-security-token=S1&x-ci-security-token=S2&x-cos-security-token=S3',
      'x-cos-security-token=[redacted]&x-ci-security-token=[redacted]&x-cos-security-token=[redacted]',
    ],
    ['a value holding "="', 'x-cos-security-token=a=b', 'x-cos-security-token=[redacted]'],
    ['an empty value', 'x-cos-security-token=', 'x-cos-security-token=[redacted]'],
    ['empty parts, kept', '&a=1&&x-ci-security-token=SECRET&', '&a=1&&x-ci-security-token=[redacted]&'],
  ])('redacts the value of %s', (_what, query, expected) => {
    expect(redactQuery(query)).toBe(expected);
  });

  it.each([
    ['an empty query', ''],
    ['a query with no token', 'pageSize=5&tag=All&name=a%20b+c'],
    ['a token name with no "="', 'x-cos-security-token&a=1'],
    ['a token name as a value', 'a=x-cos-security-token'],
    ['a longer name', 'x-cos-security-tokens=abc&my-x-cos-security-token=abc'],
    ['another security header', 'x-cos-security=abc&security-token=abc'],
    ['a malformed escape, compared as sent', 'x-cos-security-token%=abc&%zz=1'],
  ])('changes nothing in %s', (_what, query) => {
    expect(redactQuery(query)).toBe(query);
  });
});

describe('redactHttpString', () => {
  it('finds the header line when the decoded path holds a newline (%0A)', () => {
    expect(redactHttpString('delete\n/template/t1\n\n\nhost=h&x-cos-security-token=SECRET\n')).toBe(
      'delete\n/template/t1\n\n\nhost=h&x-cos-security-token=[redacted]\n',
    );
  });

  it('redacts a signed token parameter (line 3) and header (line 4)', () => {
    const httpString = 'get\n/template\nx-cos-security-token=SECRET&pagesize=5\nhost=localhost%3A80&x-ci-security-token=SECRET\n';
    expect(redactHttpString(httpString)).toBe(
      'get\n/template\nx-cos-security-token=[redacted]&pagesize=5\nhost=localhost%3A80&x-ci-security-token=[redacted]\n',
    );
  });

  it('redacts an encoded, upper-case name in either line', () => {
    expect(redactHttpString('put\n/template/t1\nX-COS-SECURITY%2DTOKEN=S\nx-cos-security-token=S\n')).toBe(
      'put\n/template/t1\nX-COS-SECURITY%2DTOKEN=[redacted]\nx-cos-security-token=[redacted]\n',
    );
  });

  it('leaves the method, the path and any line past the fourth alone', () => {
    const httpString = 'x-cos-security-token=a\nx-cos-security-token=b\n\n\nx-cos-security-token=c';
    expect(redactHttpString(httpString)).toBe(httpString);
  });

  it('changes nothing in an HttpString with no token', () => {
    const httpString = 'post\n/template\n\ncontent-length=120&content-type=application%2Fxml&host=localhost%3A80\n';
    expect(redactHttpString(httpString)).toBe(httpString);
  });
});

describe('redactAuth', () => {
  it('answers a record with no HttpString as it is', () => {
    const auth: AuthRecord = { form: 'header', secretId: 'AKID', verdict: 'ok' };
    expect(redactAuth(auth)).toBe(auth);
  });

  it('redacts the HttpString and keeps every other field', () => {
    const auth: AuthRecord = {
      form: 'query',
      secretId: 'AKID',
      verdict: 'SignatureDoesNotMatch',
      stringToSign: 'sha1\n1;2\nabc\n',
      httpString: 'get\n/template\n\nhost=h&x-cos-security-token=SECRET\n',
    };
    const redacted = redactAuth(auth);
    expect(redacted).toEqual({ ...auth, httpString: 'get\n/template\n\nhost=h&x-cos-security-token=[redacted]\n' });
    expect(auth.httpString).toContain('SECRET');
  });
});

describe('journalBody', () => {
  it('keeps a U+FFFD the body itself carries before the cut', () => {
    const body = Buffer.from(`${'a'.repeat(JOURNAL_BODY_LIMIT - 4)}\uFFFDtail`);
    expect(journalBody(body)).toEqual({ body: `${'a'.repeat(JOURNAL_BODY_LIMIT - 4)}\uFFFDt`, bodyTruncated: true });
  });

  const ascii = (length: number): Buffer => Buffer.from('a'.repeat(length));

  it('is 4 KiB', () => {
    expect(JOURNAL_BODY_LIMIT).toBe(4096);
  });

  it.each([
    ['a string', '<Request/>'],
    ['undefined', undefined],
    ['null', null],
    ['a parsed object', { Request: {} }],
    ['a Uint8Array that is no Buffer', new Uint8Array([60, 82, 62])],
  ])('answers an empty body for %s', (_what, body) => {
    expect(journalBody(body)).toEqual({ body: '', bodyTruncated: false });
  });

  it('answers an empty body for an empty Buffer', () => {
    expect(journalBody(Buffer.alloc(0))).toEqual({ body: '', bodyTruncated: false });
  });

  it('keeps a short body whole', () => {
    expect(journalBody(Buffer.from('<Request><Name>模板</Name></Request>'))).toEqual({ body: '<Request><Name>模板</Name></Request>', bodyTruncated: false });
  });

  it('keeps a body of exactly 4 KiB whole', () => {
    expect(journalBody(ascii(4096))).toEqual({ body: 'a'.repeat(4096), bodyTruncated: false });
  });

  it('cuts a body of 4 KiB and one byte at 4 KiB and says so', () => {
    expect(journalBody(ascii(4097))).toEqual({ body: 'a'.repeat(4096), bodyTruncated: true });
  });

  it('cuts a megabyte at 4 KiB', () => {
    const { body, bodyTruncated } = journalBody(ascii(1 << 20));
    expect(body).toHaveLength(4096);
    expect(bodyTruncated).toBe(true);
  });

  it.each([
    ['a 3-byte character cut after its first byte', 4095, '模'],
    ['a 3-byte character cut after its second byte', 4094, '模'],
    ['a 4-byte character cut after its third byte', 4093, '😀'],
    ['a 4-byte character cut after its first byte', 4095, '😀'],
  ])('drops %s rather than answer a broken one', (_what, before, character) => {
    const { body, bodyTruncated } = journalBody(Buffer.from(`${'a'.repeat(before)}${character}tail`));
    expect(body).toBe('a'.repeat(before));
    expect(bodyTruncated).toBe(true);
  });

  it('keeps a character that ends exactly at 4 KiB', () => {
    expect(journalBody(Buffer.from(`${'a'.repeat(4093)}模tail`))).toEqual({ body: `${'a'.repeat(4093)}模`, bodyTruncated: true });
  });

  it('answers an untruncated body that is not UTF-8 with replacement characters', () => {
    expect(journalBody(Buffer.from([0x61, 0xff, 0x62]))).toEqual({ body: 'a\uFFFDb', bodyTruncated: false });
  });
});

const entry = (n: number, changes: Partial<JournalEntry> = {}): JournalEntry => ({
  time: '2020-08-05T03:35:24.000Z',
  method: 'GET',
  path: '/template',
  query: `n=${n}`,
  host: 'localhost',
  bucket: 'examplebucket-1250000000',
  status: 200,
  code: null,
  ms: 1,
  requestId: `r${n}`,
  body: '',
  bodyTruncated: false,
  ignored: [],
  repeated: [],
  auth: { form: 'none', secretId: undefined, verdict: 'not checked' },
  ...changes,
});

const numbers = (journal: RequestJournal, limit?: number): string[] => journal.list(limit).map((item) => item.requestId);

function journalOf(capacity: number, count: number): RequestJournal {
  const journal = new RequestJournal(capacity);
  for (let n = 1; n <= count; n++) journal.record(entry(n));
  return journal;
}

describe('RequestJournal', () => {
  it('starts empty', () => {
    const journal = new RequestJournal(3);
    expect(journal.size).toBe(0);
    expect(journal.list()).toEqual([]);
  });

  it('lists what it holds, newest first', () => {
    const journal = journalOf(3, 2);
    expect(journal.size).toBe(2);
    expect(numbers(journal)).toEqual(['r2', 'r1']);
  });

  it('holds its capacity exactly when full', () => {
    const journal = journalOf(3, 3);
    expect(journal.size).toBe(3);
    expect(numbers(journal)).toEqual(['r3', 'r2', 'r1']);
  });

  it.each([4, 5, 6, 7, 100])('keeps the newest 3 of %i, dropping the oldest', (count) => {
    const journal = journalOf(3, count);
    expect(journal.size).toBe(3);
    expect(numbers(journal)).toEqual([`r${count}`, `r${count - 1}`, `r${count - 2}`]);
  });

  it('keeps the newest 1 with capacity 1', () => {
    expect(numbers(journalOf(1, 5))).toEqual(['r5']);
  });

  it.each([
    [0, []],
    [1, ['r5']],
    [2, ['r5', 'r4']],
    [3, ['r5', 'r4', 'r3']],
    [50, ['r5', 'r4', 'r3']],
    [-1, []],
  ])('lists the %i newest, at most what it holds', (limit, expected) => {
    expect(numbers(journalOf(3, 5), limit)).toEqual(expected);
  });

  it('empties on clear and fills again from the start', () => {
    const journal = journalOf(3, 5);
    journal.clear();
    expect(journal.size).toBe(0);
    expect(journal.list()).toEqual([]);
    journal.record(entry(6));
    expect(journal.size).toBe(1);
    expect(numbers(journal)).toEqual(['r6']);
    for (let n = 7; n <= 9; n++) journal.record(entry(n));
    expect(numbers(journal)).toEqual(['r9', 'r8', 'r7']);
  });

  it('keeps nothing with capacity 0', () => {
    const journal = journalOf(0, 3);
    expect(journal.capacity).toBe(0);
    expect(journal.size).toBe(0);
    expect(journal.list()).toEqual([]);
    expect(journal.list(5)).toEqual([]);
    journal.clear();
    expect(journal.list()).toEqual([]);
  });

  it('stores tokens redacted, in the query and the HttpString, and the rest as given', () => {
    const journal = new RequestJournal(2);
    const given = entry(1, {
      query: 'a=1&x-cos-security-token=SECRET',
      auth: { form: 'header', secretId: 'AKID', verdict: 'SignatureDoesNotMatch', httpString: 'get\n/template\n\nx-ci-security-token=SECRET\n' },
    });
    journal.record(given);
    expect(journal.list()).toEqual([
      {
        ...given,
        query: 'a=1&x-cos-security-token=[redacted]',
        auth: { ...given.auth, httpString: 'get\n/template\n\nx-ci-security-token=[redacted]\n' },
      },
    ]);
    expect(given.query).toBe('a=1&x-cos-security-token=SECRET');
  });
});
