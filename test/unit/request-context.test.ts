import { describe, expect, it } from 'vitest';
import { bucketRef } from '../../src/bucket.js';
import { CiError } from '../../src/errors.js';
import { decodePath, isAdminPath, parseQueryPairs, queryRecord, splitUrl, type RequestContext } from '../../src/request-context.js';

/** A context with nothing but the query set: queryRecord reads no other field. */
function contextWith(query: RequestContext['query']): RequestContext {
  return {
    requestId: 'r',
    traceId: 't',
    rawPath: '/template',
    rawQuery: '',
    bucket: bucketRef('examplebucket-1250000000', 'ap-guangzhou'),
    query,
    auth: undefined,
    refusal: undefined,
    errorCode: undefined,
    notes: undefined,
  };
}

/** The CiError a call throws, or a failure when it throws nothing or something else. */
function ciErrorOf(action: () => unknown): CiError {
  try {
    action();
  } catch (error) {
    if (error instanceof CiError) return error;
    throw error;
  }
  throw new Error('expected a CiError, nothing was thrown');
}

describe('splitUrl', () => {
  it.each([
    ['no "?"', '/template', '/template', ''],
    ['a query', '/template?pageSize=5', '/template', 'pageSize=5'],
    ['a trailing "?"', '/template?', '/template', ''],
    ['several "?": the first splits, the rest stay in the query', '/template?a=1?b=2?', '/template', 'a=1?b=2?'],
    ['only a query', '?a=1', '', 'a=1'],
    ['an empty url', '', '', ''],
    ['escapes kept as sent', '/t%2Fx?n=%20', '/t%2Fx', 'n=%20'],
  ])('splits %s', (_what, url, rawPath, rawQuery) => {
    expect(splitUrl(url)).toEqual({ rawPath, rawQuery });
  });
});

describe('parseQueryPairs', () => {
  it('answers no pairs for an empty query', () => {
    expect(parseQueryPairs('')).toEqual([]);
  });

  it('keeps the pairs in the order sent', () => {
    expect(parseQueryPairs('b=2&a=1&c=3')).toEqual([
      ['b', '2'],
      ['a', '1'],
      ['c', '3'],
    ]);
  });

  it('keeps "+" as a plus, in names and values', () => {
    expect(parseQueryPairs('a+b=1+2')).toEqual([['a+b', '1+2']]);
  });

  it('keeps "+" as a plus next to an escape it decodes', () => {
    expect(parseQueryPairs('a+%41=1+%20+2')).toEqual([['a+A', '1+ +2']]);
  });

  it('decodes %20 and other escapes in names and values', () => {
    expect(parseQueryPairs('na%20me=a%20b&x=%E6%A8%A1%2B%26%3D')).toEqual([
      ['na me', 'a b'],
      ['x', '模+&='],
    ]);
  });

  it('skips empty parts', () => {
    expect(parseQueryPairs('a=1&&b=2&')).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(parseQueryPairs('&&')).toEqual([]);
  });

  it('reads a name with no "=" as an empty value', () => {
    expect(parseQueryPairs('uploads&a=1')).toEqual([
      ['uploads', ''],
      ['a', '1'],
    ]);
  });

  it('splits at the first "=" only', () => {
    expect(parseQueryPairs('a=b=c&=x&y=')).toEqual([
      ['a', 'b=c'],
      ['', 'x'],
      ['y', ''],
    ]);
  });

  it('keeps every value of a repeated name, in order', () => {
    expect(parseQueryPairs('a=1&a=2&a=1')).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['a', '1'],
    ]);
  });

  it.each([
    ['a lone "%" in a value', 'a=%'],
    ['a truncated escape in a value', 'a=%2'],
    ['a non-hex escape in a name', '%zz=1'],
    ['an escape of invalid UTF-8', 'a=%FF'],
    ['an encoded lone surrogate', 'a=%ED%A0%80'],
    ['a bad escape after good pairs', 'a=1&b=2&c=%'],
  ])('answers undefined for %s', (_what, rawQuery) => {
    expect(parseQueryPairs(rawQuery)).toBeUndefined();
  });
});

describe('decodePath', () => {
  it.each([
    ['a plain path', '/template/t1abc', '/template/t1abc'],
    ['%20', '/a%20b', '/a b'],
    ['%2F, which becomes a slash', '/template%2Ft1abc', '/template/t1abc'],
    ['"+", which stays a plus', '/a+b', '/a+b'],
    ['UTF-8 escapes', '/%E6%A8%A1%E6%9D%BF', '/模板'],
  ])('decodes %s', (_what, rawPath, decoded) => {
    expect(decodePath(rawPath)).toBe(decoded);
  });

  it.each(['/a%', '/a%2', '/a%zz', '/a%FF'])('refuses the bad escape in %s as InvalidArgument naming the path', (rawPath) => {
    const error = ciErrorOf(() => decodePath(rawPath));
    expect(error.code).toBe('InvalidArgument');
    expect(error.status).toBe(400);
    expect(error.message).toBe(`The path ${rawPath} has a malformed percent-escape.`);
  });
});

describe('queryRecord', () => {
  it('keeps a parameter named __proto__ like any other', () => {
    const record = queryRecord(
      contextWith([
        ['__proto__', 'x'],
        ['a', '1'],
      ]),
    );
    expect(record['__proto__']).toBe('x');
    expect(Object.keys(record)).toEqual(['__proto__', 'a']);
  });

  it('makes a record of the pairs', () => {
    expect(
      queryRecord(
        contextWith([
          ['pageSize', '5'],
          ['tag', 'ImageOCR'],
        ]),
      ),
    ).toEqual({ pageSize: '5', tag: 'ImageOCR' });
  });

  it('keeps the first value of a repeated name', () => {
    expect(
      queryRecord(
        contextWith([
          ['a', '1'],
          ['b', '2'],
          ['a', '3'],
        ]),
      ),
    ).toEqual({ a: '1', b: '2' });
  });

  it('keeps an empty first value over a later one', () => {
    expect(
      queryRecord(
        contextWith([
          ['a', ''],
          ['a', 'x'],
        ]),
      ),
    ).toEqual({ a: '' });
  });

  it('answers an empty record for no pairs', () => {
    expect(queryRecord(contextWith([]))).toEqual({});
  });

  it('takes names that are also Object.prototype members as ordinary names', () => {
    const record = queryRecord(
      contextWith([
        ['hasOwnProperty', '1'],
        ['constructor', '2'],
        ['toString', '3'],
        ['constructor', '4'],
      ]),
    );
    expect(record).toEqual({ hasOwnProperty: '1', constructor: '2', toString: '3' });
  });

  it('throws InvalidArgument when the query had a bad escape', () => {
    const error = ciErrorOf(() => queryRecord(contextWith(undefined)));
    expect(error.code).toBe('InvalidArgument');
    expect(error.status).toBe(400);
    expect(error.message).toBe('The query string has a malformed percent-escape.');
  });
});

describe('isAdminPath', () => {
  it.each(['/_emulator', '/_emulator/', '/_emulator/faults', '/_emulator/journal/x'])('takes %s as the emulator API', (path) => {
    expect(isAdminPath(path)).toBe(true);
  });

  it.each(['/', '', '/template', '/_emulatorx', '/_emulator-faults', '/_EMULATOR', '/x/_emulator', '//_emulator', '_emulator'])(
    'takes %j as a CI path',
    (path) => {
      expect(isAdminPath(path)).toBe(false);
    },
  );
});
