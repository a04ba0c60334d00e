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

describe('strictness', () => {
  const refused = (xml: string): string => {
    try {
      parseRequestBody(Buffer.from(xml));
    } catch (error) {
      return (error as { code: string; message: string }).code + ': ' + (error as Error).message;
    }
    throw new Error(`accepted: ${xml}`);
  };

  it.each([
    ['an attribute given twice', '<Request a="1" a="2"/>', 'given twice'],
    ['an unquoted attribute', '<Request a=1/>', 'not quoted'],
    ['attributes without space', '<Request a="1"b="2"/>', 'expected whitespace'],
    ['"<" in an attribute value', '<Request a="<"/>', 'inside an attribute value'],
    ['an undeclared entity in an attribute', '<Request a="&x;"/>', 'entity reference "&x;"'],
    ['"]]>" in text', '<Request>a]]>b</Request>', '"]]>" in text'],
    ['"--" inside a comment', '<Request><!-- a -- b --></Request>', '"--" inside a comment'],
    ['an unclosed comment', '<Request><!-- a </Request>', 'never closed'],
    ['an unclosed CDATA section', '<Request><![CDATA[ a </Request>', 'never closed'],
    ['the declaration after the start', '\n<?xml version="1.0"?><Request/>', 'only allowed at the very start'],
    ['text after the root', '<Request/>tail', 'text after the root element'],
    ['text before the root', 'head<Request/>', 'text before the root element'],
    ['no root at all', '<!-- only a comment -->', 'there is no root element'],
    ['a second root', '<Request/><Request/>', 'exactly one root element'],
    ['a mismatched closing tag', '<Request><A></B></Request>', 'expected </A>, found </B>'],
    ['a tag that never closes', '<Request><A>', '<A> is never closed'],
    ['a bad element name', '<Request><1a/></Request>', 'expected an element name'],
    ['"<!" that is no comment', '<Request><!x></Request>', 'starts no comment'],
    ['an ENTITY declaration inside', '<Request><!ENTITY x "y"></Request>', 'DOCTYPE and entity declarations'],
    ['a processing instruction without a target', '<Request><? ?></Request>', 'has no target'],
  ])('refuses %s', (_what, xml, reason) => {
    const message = refused(xml);
    expect(message).toMatch(/^InvalidContent: /);
    expect(message).toContain(reason);
  });

  it('says where the problem is', () => {
    expect(refused('<Request>\n  <A>\n  </B>\n</Request>')).toContain('(line 3, column');
  });

  it('accepts what XML allows', () => {
    const root = parseRequestBody(Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><?pi data?>\n<Request x='a "q" >' y="&amp;&#60;">\n<A >1</A ><B/><中文>t</中文><?pi?></Request>\n<!-- end -->\n`));
    expect(root.children.map((child) => [child.name, child.text])).toEqual([['A', '1'], ['B', ''], ['中文', 't']]);
  });
});
