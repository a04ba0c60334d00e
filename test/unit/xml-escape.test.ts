import { describe, expect, it } from 'vitest';
import { escapeXml, leaf } from '../../src/xml-escape.js';

describe('escapeXml', () => {
  it.each([
    ['&', '&amp;'],
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['"', '&quot;'],
    ["'", '&apos;'],
  ])('escapes %s as %s', (character, entity) => {
    expect(escapeXml(`a${character}b${character}`)).toBe(`a${entity}b${entity}`);
  });

  it('escapes an ampersand that already starts an entity', () => {
    expect(escapeXml('&amp;&#60;')).toBe('&amp;amp;&amp;#60;');
  });

  it.each([
    ['the empty string', ''],
    ['plain ASCII', 'Template_1-a*b'],
    ['CJK', '模板名称'],
    ['tab, newline and carriage return', 'a\tb\nc\rd'],
    ['a surrogate pair', '😀'],
    ['the highest code point', '\u{10FFFF}'],
    ['U+FFFD itself', '\uFFFD'],
    ['U+FFFD and U+FFFC, allowed', '\uFFFC\uFFFD'],
    ['DEL and C1 controls, which XML 1.0 allows', '\u007F\u0085\u009F'],
  ])('keeps %s as it is', (_what, value) => {
    expect(escapeXml(value)).toBe(value);
  });

  it.each([
    ['NUL', '\u0000'],
    ['U+0008', '\u0008'],
    ['vertical tab', '\u000B'],
    ['form feed', '\u000C'],
    ['U+000E', '\u000E'],
    ['U+001F', '\u001F'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate', '\uDC00'],
    ['a high surrogate at the end', '\uDBFF'],
  ])('replaces %s, which XML cannot carry, with U+FFFD', (_what, character) => {
    expect(escapeXml(`a${character}b`)).toBe('a\uFFFDb');
  });

  it.each([
    ['two high surrogates, then a low one', '\uD800\uD800\uDC00', '\uFFFD\uD800\uDC00'],
    ['a pair, then a lone low surrogate', '\uD83D\uDE00\uDC00', '😀\uFFFD'],
    ['a low surrogate before a high one', '\uDC00\uD800', '\uFFFD\uFFFD'],
    ['a pair split by a character', '\uD83Dx\uDE00', '\uFFFDx\uFFFD'],
  ])('tells pairs from lone surrogates: %s', (_what, value, expected) => {
    expect(escapeXml(value)).toBe(expected);
  });

  it('escapes and replaces in one pass', () => {
    expect(escapeXml('<\u0000&\uD800>')).toBe('&lt;\uFFFD&amp;\uFFFD&gt;');
  });
});

describe('leaf', () => {
  it('writes <name>text</name>', () => {
    expect(leaf('Name', 'TemplateName')).toBe('<Name>TemplateName</Name>');
  });

  it('writes an empty value as an empty element', () => {
    expect(leaf('Name', '')).toBe('<Name></Name>');
  });

  it('escapes the text', () => {
    expect(leaf('Message', `a<b>&"c'\u0001`)).toBe('<Message>a&lt;b&gt;&amp;&quot;c&apos;\uFFFD</Message>');
  });
});
