import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatCiTime, newRequestId, newTemplateId, newTraceId, TEMPLATE_ID } from '../../src/ids.js';

const utc = (year: number, month: number, day: number, hours = 0, minutes = 0, seconds = 0): number =>
  Date.UTC(year, month - 1, day, hours, minutes, seconds) / 1000;

describe('formatCiTime', () => {
  it('writes the doc example: 2020-08-05T11:35:24+0800', () => {
    expect(formatCiTime(utc(2020, 8, 5, 3, 35, 24), '+0800')).toBe('2020-08-05T11:35:24+0800');
  });

  it.each([
    ['+0800', '2020-08-05T11:35:24+0800'],
    ['-0530', '2020-08-04T22:05:24-0530'],
    ['+0000', '2020-08-05T03:35:24+0000'],
    ['+0545', '2020-08-05T09:20:24+0545'],
    ['+1400', '2020-08-05T17:35:24+1400'],
    ['-1200', '2020-08-04T15:35:24-1200'],
  ])('shifts the same instant into %s', (offset, expected) => {
    expect(formatCiTime(utc(2020, 8, 5, 3, 35, 24), offset)).toBe(expected);
  });

  it.each([
    ['the last second before midnight', utc(2020, 8, 5, 15, 59, 59), '+0800', '2020-08-05T23:59:59+0800'],
    ['midnight', utc(2020, 8, 5, 16, 0, 0), '+0800', '2020-08-06T00:00:00+0800'],
    ['midnight in a negative offset', utc(2020, 8, 6, 5, 30, 0), '-0530', '2020-08-06T00:00:00-0530'],
    ['the last second of a year', utc(2020, 12, 31, 15, 59, 59), '+0800', '2020-12-31T23:59:59+0800'],
    ['the first second of a year, still the old year in UTC', utc(2020, 12, 31, 16, 0, 0), '+0800', '2021-01-01T00:00:00+0800'],
    ['the old year, already the new year in UTC', utc(2021, 1, 1, 3, 0, 0), '-0530', '2020-12-31T21:30:00-0530'],
    ['a leap day', utc(2024, 2, 28, 16, 0, 0), '+0800', '2024-02-29T00:00:00+0800'],
    ['the day after a leap day', utc(2024, 2, 29, 16, 0, 0), '+0800', '2024-03-01T00:00:00+0800'],
  ])('writes %s', (_what, seconds, offset, expected) => {
    expect(formatCiTime(seconds, offset)).toBe(expected);
  });

  it.each([
    ['+0800', '1970-01-01T08:00:00+0800'],
    ['+0000', '1970-01-01T00:00:00+0000'],
    ['-0530', '1969-12-31T18:30:00-0530'],
  ])('writes epoch 0 in %s', (offset, expected) => {
    expect(formatCiTime(0, offset)).toBe(expected);
  });

  it('pads every part to two digits', () => {
    expect(formatCiTime(utc(2001, 2, 3, 4, 5, 6), '+0000')).toBe('2001-02-03T04:05:06+0000');
  });
});

describe('template ids', () => {
  it('are t1 and 32 lowercase hex characters', () => {
    const id = newTemplateId();
    expect(id).toMatch(/^t1[0-9a-f]{32}$/);
    expect(TEMPLATE_ID.test(id)).toBe(true);
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newTemplateId()));
    expect(ids.size).toBe(2000);
  });

  it.each([
    ['the doc example', 't1f16e1dfbdc994105b31292d45710642a', true],
    ['upper-case hex', 't1F16E1DFBDC994105B31292D45710642A', false],
    ['31 hex characters', `t1${'a'.repeat(31)}`, false],
    ['33 hex characters', `t1${'a'.repeat(33)}`, false],
    ['another prefix', `t0${'a'.repeat(32)}`, false],
    ['no prefix', 'a'.repeat(34), false],
    ['a letter past f', `t1${'g'.repeat(32)}`, false],
    ['a trailing newline', `t1${'a'.repeat(32)}\n`, false],
    ['a leading space', ` t1${'a'.repeat(32)}`, false],
  ])('TEMPLATE_ID on %s: %s', (_what, id, matches) => {
    expect(TEMPLATE_ID.test(id)).toBe(matches);
  });
});

const ID_TEXT = /^([0-9a-f]+)_([0-9a-f]{8})_([0-9a-f]+)_([0-9a-f]{6})$/;

/** The four parts of a RequestId, decoded from base64; fails the test when the shape is wrong. */
function partsOf(id: string, prefix = ''): { seconds: number; tag: string; counter: number; random: string } {
  expect(id).toMatch(/^[A-Za-z0-9+/]+=*$/);
  const text = Buffer.from(id, 'base64').toString('utf8');
  expect(Buffer.from(text).toString('base64')).toBe(id);
  expect(text.startsWith(prefix)).toBe(true);
  const match = ID_TEXT.exec(text.slice(prefix.length));
  if (match === null) throw new Error(`${text} is not <hex seconds>_<hex>_<hex>_<hex>`);
  const [, seconds = '', tag = '', counter = '', random = ''] = match;
  return { seconds: parseInt(seconds, 16), tag, counter: parseInt(counter, 16), random };
}

describe('request and trace ids', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are base64 of <hex unix seconds>_<hex>_<hex>_<hex>, with the seconds of now', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2020-08-05T03:35:24.900Z'));
    const id = newRequestId();
    expect(Buffer.from(id, 'base64').toString('utf8')).toMatch(/^5f2a28fc_[0-9a-f]{8}_[0-9a-f]+_[0-9a-f]{6}$/);
    expect(partsOf(id).seconds).toBe(1596598524);
  });

  it('trace ids are base64 of trace_ and the same shape', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2020-08-05T03:35:24Z'));
    const id = newTraceId();
    expect(Buffer.from(id, 'base64').toString('utf8')).toMatch(/^trace_5f2a28fc_[0-9a-f]{8}_[0-9a-f]+_[0-9a-f]{6}$/);
  });

  it('share one process tag and count up by one, request and trace ids alike', () => {
    const first = partsOf(newRequestId());
    const second = partsOf(newTraceId(), 'trace_');
    const third = partsOf(newRequestId());
    expect(second.tag).toBe(first.tag);
    expect(third.tag).toBe(first.tag);
    expect(second.counter).toBe(first.counter + 1);
    expect(third.counter).toBe(first.counter + 2);
  });

  it('do not repeat, past several refills of the random pool', () => {
    // The pool holds 4096 bytes and each id draws 3: 5000 ids refill it three times.
    const ids = Array.from({ length: 5000 }, () => newRequestId());
    expect(new Set(ids).size).toBe(5000);
    for (const id of ids.slice(0, 50).concat(ids.slice(-50))) partsOf(id);
  });

  it('draw a fresh random part for every id', () => {
    const randoms = new Set(Array.from({ length: 200 }, () => partsOf(newRequestId()).random));
    // 200 draws of 24 bits: a few collisions would be chance, a handful of values would not.
    expect(randoms.size).toBeGreaterThan(190);
  });
});
