import { describe, expect, it } from 'vitest';
import { isBlank, requestRoot } from '../../src/api/body.js';
import { Random } from '../fuzz/random.js';

describe('isBlank', () => {
  it.each([
    ['no bytes', [], true],
    ['spaces, tabs and line ends', [0x20, 0x09, 0x0a, 0x0d], true],
    ['a vertical tab and a form feed', [0x0b, 0x0c], true],
    ['a no-break space (0xA0)', [0x20, 0xa0], true],
    ['a letter after white space', [0x20, 0x0a, 0x41], false],
    ['a NUL', [0x00], false],
    ['a next-line byte (0x85), which trim keeps', [0x85], false],
    ['the first byte of a UTF-8 no-break space (0xC2 0xA0)', [0xc2, 0xa0], false],
  ])('%s: %s', (_what, bytes, blank) => {
    expect(isBlank(Buffer.from(bytes))).toBe(blank);
  });

  it.each([1, 2, 3])('agrees with a Latin-1 trim on random bytes (seed %i)', (seed) => {
    const random = new Random(seed);
    const alphabet = [0x00, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x1f, 0x20, 0x21, 0x3c, 0x85, 0xa0, 0xa1, 0xc2, 0xff];
    for (let n = 0; n < 2000; n++) {
      const body = Buffer.from(Array.from({ length: random.int(0, 6) }, () => random.pick(alphabet)));
      expect(isBlank(body), body.toString('hex')).toBe(body.toString('latin1').trim() === '');
    }
  });
});

describe('requestRoot', () => {
  it.each([
    ['no body', undefined],
    ['an empty body', Buffer.alloc(0)],
    ['white space only', Buffer.from(' \r\n\t ')],
  ])('is MissingContent for %s', (_what, body) => {
    expect(() => requestRoot(body, 'a Tag')).toThrow(expect.objectContaining({ code: 'MissingContent' }));
  });

  it('reads a body that starts with white space', () => {
    expect(requestRoot(Buffer.from('\n  <Request><Tag>ImageOCR</Tag></Request>'), 'a Tag').name).toBe('Request');
  });
});
