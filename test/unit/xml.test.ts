import { describe, expect, it } from 'vitest';
import { escapeXml } from '../../src/xml-escape.js';
import { parseRequestBody } from '../../src/xml.js';

const textOf = (xml: string, child = 'A'): string | undefined =>
  parseRequestBody(Buffer.from(`<Request>${xml}</Request>`)).children.find((element) => element.name === child)?.text;

describe('reading', () => {
  it.each([
    ['the five XML entities', '<A>&amp;&lt;&gt;&quot;&apos;</A>', '&<>"\''],
    ['decimal and hex references', '<A>&#20013;&#x6587;&#x1F600;</A>', '中文😀'],
    ['an escaped reference stays text', '<A>&amp;lt;</A>', '&lt;'],
    ['CDATA is literal', '<A><![CDATA[a&amp;b<c>]]></A>', 'a&amp;b<c>'],
    ['CDATA and text join', '<A>x<![CDATA[&]]>y&amp;</A>', 'x&y&'],
    ['comments vanish', '<A>a<!-- & -->b</A>', 'ab'],
    ['whitespace is kept', '<A> a </A>', ' a '],
  ])('%s', (_what, xml, expected) => {
    expect(textOf(xml)).toBe(expected);
  });

  it('keeps children in order, with their own text', () => {
    const root = parseRequestBody(Buffer.from('<Request><A>1</A><B><C>2</C></B><A>3</A></Request>'));
    expect(root.children.map((child) => child.name)).toEqual(['A', 'B', 'A']);
    expect(root.children[1]?.children[0]).toEqual({ name: 'C', children: [], text: '2' });
  });
});

describe('writing', () => {
  it('escapes markup characters', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  });
  it('replaces what XML cannot carry and keeps surrogate pairs', () => {
    expect(escapeXml('a\u0000b\uD800c😀')).toBe('a\uFFFDb\uFFFDc😀');
  });
  it('returns plain text unchanged', () => {
    expect(escapeXml('模板 plain')).toBe('模板 plain');
  });
});
