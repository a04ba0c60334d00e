import { describe, expect, it } from 'vitest';
import { CiError } from '../../src/errors.js';
import { KindRegistry } from '../../src/kinds/registry.js';
import { defineKind, str } from '../../src/kinds/schema.js';
import { readDescribeQuery } from '../../src/templates/describe-query.js';

const kind = (tag: string) => defineKind({ tag, fields: { [tag]: str() }, fillDefaults: false, example: '', source: 'test' });
const kinds = new KindRegistry([kind('Snapshot'), kind('Animation')]);

const DEFAULTS = {
  bucket: 'examplebucket-1250000000',
  tag: undefined,
  category: 'Custom',
  ids: undefined,
  namePrefix: undefined,
  pageNumber: 1,
  pageSize: 10,
};

const read = (query: Record<string, string>) => readDescribeQuery(query, 'examplebucket-1250000000', kinds);

/** The message of the InvalidArgument that reading the query throws. */
function refusal(query: Record<string, string>): string {
  try {
    read(query);
  } catch (error) {
    if (!(error instanceof CiError)) throw error;
    expect(error.code).toBe('InvalidArgument');
    expect(error.status).toBe(400);
    return error.message;
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('readDescribeQuery', () => {
  it('gives every default for an empty query', () => {
    expect(read({})).toEqual(DEFAULTS);
  });

  it('gives every default when each parameter is sent empty, as the Python SDK does', () => {
    expect(read({ tag: '', category: '', ids: '', name: '', pageNumber: '', pageSize: '' })).toEqual(DEFAULTS);
  });

  it('ignores parameters it does not know', () => {
    expect(read({ foo: 'bar', PageSize: '5', Tag: 'Nope' })).toEqual(DEFAULTS);
  });

  it('reads every parameter', () => {
    expect(read({ tag: 'Animation', category: 'Official', ids: 't1a,t1b', name: 'my', pageNumber: '3', pageSize: '20' })).toEqual({
      bucket: 'examplebucket-1250000000',
      tag: 'Animation',
      category: 'Official',
      ids: ['t1a', 't1b'],
      namePrefix: 'my',
      pageNumber: 3,
      pageSize: 20,
    });
  });

  describe('tag', () => {
    it('takes All as no filter', () => {
      expect(read({ tag: 'All' }).tag).toBeUndefined();
    });

    it.each(['Snapshot', 'Animation'])('takes the kind %s', (tag) => {
      expect(read({ tag }).tag).toBe(tag);
    });

    it.each(['Transcode', 'all', 'snapshot', ' Snapshot'])('refuses %j, naming it and the kinds', (tag) => {
      expect(refusal({ tag })).toBe(`tag "${tag}" is not All or a template kind (Snapshot, Animation).`);
    });
  });

  describe('category', () => {
    it.each(['Custom', 'Official'])('takes %s', (category) => {
      expect(read({ category }).category).toBe(category);
    });

    it.each(['custom', 'OFFICIAL', 'All', 'Other'])('refuses %j, naming it', (category) => {
      expect(refusal({ category })).toBe(`category "${category}" must be Custom or Official.`);
    });
  });

  describe('ids', () => {
    it.each([
      ['one id', 't1a', ['t1a']],
      ['a list', 't1a,t1b,t1c', ['t1a', 't1b', 't1c']],
      ['spaces around ids', ' t1a , t1b ', ['t1a', 't1b']],
      ['empty entries', ',t1a,,t1b,', ['t1a', 't1b']],
      ['a repeated id, kept', 't1a,t1a', ['t1a', 't1a']],
    ])('reads %s', (_what, ids, expected) => {
      expect(read({ ids }).ids).toEqual(expected);
    });

    it.each([',', ' , ,', '   '])('takes %j, with no id in it, as no filter', (ids) => {
      expect(read({ ids }).ids).toBeUndefined();
    });
  });

  describe('name', () => {
    it.each(['my', 'My Template', ' ', '模板'])('keeps %j as sent, as a prefix', (name) => {
      expect(read({ name }).namePrefix).toBe(name);
    });
  });

  describe.each([
    ['pageNumber', '999999999999999', 1],
    ['pageSize', '100', 10],
  ] as const)('%s', (name, max, fallback) => {
    it(`falls back to ${fallback}`, () => {
      expect(read({})[name]).toBe(fallback);
      expect(read({ [name]: '' })[name]).toBe(fallback);
    });

    it.each([
      ['1', 1],
      ['100', 100],
      ['007', 7],
    ])('takes %j', (value, expected) => {
      expect(read({ [name]: value })[name]).toBe(expected);
    });

    it.each(['0', '00', 'abc', '1.5', '-1', '+5', ' 5', '5 ', '1e2', '0x10', 'Infinity'])('refuses %j, naming the parameter and the value', (value) => {
      expect(refusal({ [name]: value })).toBe(`${name} must be an integer from 1 to ${max}; got "${value}".`);
    });
  });

  it('takes a pageNumber past 100', () => {
    expect(read({ pageNumber: '101' }).pageNumber).toBe(101);
    expect(read({ pageNumber: '999999999999999' }).pageNumber).toBe(999_999_999_999_999);
    expect(refusal({ pageNumber: '1000000000000000' })).toBe('pageNumber must be an integer from 1 to 999999999999999; got "1000000000000000".');
  });

  it('refuses a pageSize past 100', () => {
    expect(refusal({ pageSize: '101' })).toBe('pageSize must be an integer from 1 to 100; got "101".');
    expect(refusal({ pageSize: '1000' })).toBe('pageSize must be an integer from 1 to 100; got "1000".');
  });
});
