import { describe, expect, it } from 'vitest';
import { escapeXml } from '../../src/xml-escape.js';
import { KindRegistry } from '../../src/kinds/registry.js';
import { MAX_XML_NAME_BYTES, MAX_XML_TEXT_BYTES, parseRequestBody, XML_LIMITS, type XmlElement } from '../../src/xml.js';

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
    ['a closing tag that starts with the name', '<Request><A></AB></Request>', 'expected </A>, found </AB>'],
    ['a body cut inside a closing tag', '<Request><Abcdef></Abc', 'expected </Abcdef>, found </Abc>'],
    ['a body cut right after a closing name', '<Request><A></A', 'expected ">" to close </A>'],
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
    const root = parseRequestBody(
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><?pi data?>\n<Request x='a "q" >' y="&amp;&#60;">\n<A >1</A ><B/><中文>t</中文><?pi?></Request>\n<!-- end -->\n`,
      ),
    );
    expect(root.children.map((child) => [child.name, child.text])).toEqual([
      ['A', '1'],
      ['B', ''],
      ['中文', 't'],
    ]);
  });
});

const refusal = (xml: string): string => {
  try {
    parseRequestBody(Buffer.from(xml));
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
  throw new Error(`accepted: ${xml.slice(0, 120)}`);
};

describe('characters XML forbids, found wherever they are in the body', () => {
  /** The body at byte offset `offset` of a larger buffer, as a pooled Buffer may be: the scan reads it in aligned words. */
  const at = (text: string | Buffer, offset: number): Buffer => {
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
    const backing = Buffer.alloc(bytes.length + offset);
    bytes.copy(backing, offset);
    return backing.subarray(offset);
  };
  const controls = [...Array(0x20).keys()].filter((code) => ![0x09, 0x0a, 0x0d].includes(code));

  it.each(controls.map((code) => [code.toString(16).padStart(2, '0'), code] as const))(
    'refuses the control byte 0x%s at every alignment and position',
    (_hex, code) => {
      for (let offset = 0; offset < 4; offset++) {
        for (let position = 0; position < 8; position++) {
          const body = Buffer.concat([Buffer.from(`<Request><A>${'é'.repeat(position)}`), Buffer.from([code]), Buffer.from('x</A></Request>')]);
          expect(() => parseRequestBody(at(body, offset)), `offset ${offset}, position ${position}`).toThrow(/character XML does not allow/);
        }
      }
    },
  );

  it.each(['\uFFFE', '\uFFFF'])('refuses the noncharacter %j', (character) => {
    for (let offset = 0; offset < 4; offset++)
      expect(() => parseRequestBody(at(`<Request><A>ab${character}</A></Request>`, offset))).toThrow(/character XML does not allow/);
  });

  it('accepts tab, LF, CR, DEL, U+FFFD and every other character, at every alignment', () => {
    for (let offset = 0; offset < 4; offset++) {
      const root = parseRequestBody(at('<Request>\r\n\t<A>\u007f\uFFFD\uFFFC é中😀 \t\n</A></Request>', offset));
      expect(root.children[0]?.text).toBe('\u007f\uFFFD\uFFFC é中😀 \t\n');
    }
  });
});

describe('the XML declaration (XML 1.0 §2.8: version 1.0, then encoding UTF-8 and standalone, both optional)', () => {
  it.each([
    '<?xml version="1.0"?>',
    "<?xml version='1.0'?>",
    '<?xml version = "1.0" ?>',
    '<?xml\n\tversion="1.0"\r\n?>',
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<?xml version='1.0' encoding='utf-8'?>",
    '<?xml version="1.0" encoding="Utf-8"?>',
    '<?xml version="1.0" standalone="yes"?>',
    '<?xml version="1.0" standalone=\'no\'?>',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>',
    '\uFEFF<?xml version="1.0" encoding="UTF-8"?>',
  ])('accepts %s', (declaration) => {
    expect(parseRequestBody(Buffer.from(`${declaration}\n<Request><A>1</A></Request>`)).children[0]?.text).toBe('1');
  });

  it.each([
    ['no version', '<?xml?>', 'has no version="1.0"'],
    ['only whitespace', '<?xml ?>', 'has no version="1.0"'],
    ['garbage', '<?xml garbage?>', 'cannot be read from "garbage"'],
    ['version 1.1', '<?xml version="1.1"?>', 'says version="1.1"'],
    ['an empty version', '<?xml version=""?>', 'says version=""'],
    ['an unquoted version', '<?xml version=1.0?>', 'cannot be read from "version=1.0"'],
    ['mismatched quotes', '<?xml version="1.0\'?>', 'cannot be read from'],
    ['UTF-16 on a UTF-8 body', '<?xml version="1.0" encoding="UTF-16"?>', 'says encoding="UTF-16", but request bodies are read as UTF-8'],
    ['ISO-8859-1', '<?xml version="1.0" encoding="ISO-8859-1"?>', 'says encoding="ISO-8859-1"'],
    ['UTF8 (not the name of UTF-8)', '<?xml version="1.0" encoding="UTF8"?>', 'says encoding="UTF8"'],
    ['standalone="maybe"', '<?xml version="1.0" standalone="maybe"?>', 'says standalone="maybe"'],
    ['standalone="YES"', '<?xml version="1.0" standalone="YES"?>', 'says standalone="YES"'],
    ['encoding first', '<?xml encoding="UTF-8" version="1.0"?>', 'must start with version="1.0"'],
    ['standalone before encoding', '<?xml version="1.0" standalone="yes" encoding="UTF-8"?>', 'has encoding out of place'],
    ['version twice', '<?xml version="1.0" version="1.0"?>', 'has version out of place'],
    ['another pseudo-attribute', '<?xml version="1.0" lang="en"?>', 'has "lang", which is none of version, encoding, standalone'],
    ['no space between parts', '<?xml version="1.0"encoding="UTF-8"?>', 'cannot be read from "encoding=\\"UTF-8\\""'],
    ['VERSION in capitals', '<?xml VERSION="1.0"?>', 'has "VERSION"'],
  ])('refuses %s: 400 InvalidContent saying what was wrong', (_what, declaration, reason) => {
    const message = refusal(`${declaration}<Request/>`);
    expect(message).toMatch(/^InvalidContent: The request body's XML declaration /);
    expect(message).toContain(reason);
    expect(message).toContain('write <?xml version="1.0" encoding="UTF-8"?> or leave it out');
  });

  it('refuses a declaration that is never closed', () => {
    expect(refusal('<?xml version="1.0" <Request/>')).toContain('the XML declaration is never closed');
  });
});

describe('processing instructions: a target Name, then whitespace or "?>"', () => {
  it.each(['<?pi?>', '<?pi x?>', '<?pi\tdata?>', '<?pi\n?>', '<?pi ??>', '<?xml-stylesheet href="a.xsl"?>', '<?xmlfoo?>', '<?a.b-c_d?>'])(
    'accepts %s',
    (instruction) => {
      expect(parseRequestBody(Buffer.from(`${instruction}<Request>${instruction}<A/></Request>`)).children).toHaveLength(1);
    },
  );

  it.each([
    ['a quote right after the target', '<Request><?pi"x"?></Request>', 'the processing instruction target "pi" must be followed by whitespace or "?>"'],
    ['a "?" that does not end it', '<Request><?pi?x?></Request>', 'target "pi" must be followed by whitespace'],
    ['a target that is not a Name', '<Request><?1pi x?></Request>', 'has no target'],
    ['<?XML at the start', '<?XML version="1.0"?><Request/>', '"<?XML" is reserved'],
    ['<?Xml inside', '<Request><?Xml x?></Request>', '"<?Xml" is reserved'],
    ['<?xml inside', '<Request><?xml version="1.0"?></Request>', 'only allowed at the very start'],
  ])('refuses %s', (_what, xml, reason) => {
    const message = refusal(xml);
    expect(message).toMatch(/^InvalidContent: /);
    expect(message).toContain(reason);
  });
});

describe('bounds on what one body may hold', () => {
  const wrap = (inner: string, attributes = ''): string => `<Request${attributes}>${inner}</Request>`;
  const attributes = (count: number): string => Array.from({ length: count }, (_, i) => ` a${i}="${i}"`).join('');
  const otherMarkup = (count: number): string => Array.from({ length: count }, (_, i) => ['<!--c-->', '<?pi?>', '<![CDATA[x]]>'][i % 3]).join('');
  const cases = [
    // <Request> is an element too.
    ['elements', (count: number) => wrap('<a/>'.repeat(count - 1))],
    ['attributes', (count: number) => wrap('', attributes(count))],
    ['references', (count: number) => wrap(`<A>${'&amp;'.repeat(count - 1)}</A>`, ' x="&#65;"')],
    ['otherMarkup', (count: number) => wrap(otherMarkup(count))],
  ] as const;

  it.each(cases)('takes exactly the limit of %s', (sort, body) => {
    expect(() => parseRequestBody(Buffer.from(body(XML_LIMITS[sort])))).not.toThrow();
  });

  it.each(cases)('refuses one %s past the limit with 400 InvalidContent naming it', (sort, body) => {
    const message = refusal(body(XML_LIMITS[sort] + 1));
    expect(message).toMatch(new RegExp(`^InvalidContent: The request body has more than ${XML_LIMITS[sort]} `));
  });

  it('names what it counted', () => {
    expect(refusal(wrap('<a/>'.repeat(XML_LIMITS.elements)))).toContain(`more than ${XML_LIMITS.elements} elements`);
    expect(refusal(wrap('', attributes(XML_LIMITS.attributes + 1)))).toContain('attributes');
    expect(refusal(wrap('&lt;'.repeat(XML_LIMITS.references + 1)))).toContain('entity or character references');
    expect(refusal(wrap(otherMarkup(XML_LIMITS.otherMarkup + 1)))).toContain('comments, processing instructions and CDATA sections');
  });

  it("leaves every template kind's doc example fifty times below the element limit", () => {
    const kinds = new KindRegistry();
    const elementsIn = (element: XmlElement): number => 1 + element.children.reduce((sum, child) => sum + elementsIn(child), 0);
    const largest = Math.max(...kinds.kinds.map((kind) => elementsIn(parseRequestBody(Buffer.from(kind.example)))));
    expect(largest).toBeGreaterThan(10);
    expect(largest * 50).toBeLessThan(XML_LIMITS.elements);
  });

  it('stops as soon as a limit is passed: what follows is never read', () => {
    const message = refusal(`<Request>${'<a/>'.repeat(XML_LIMITS.elements)}<a b="<"></Request>`);
    expect(message).toContain('more than 10000 elements');
  });

  it(`takes names of ${MAX_XML_NAME_BYTES} bytes, and refuses one byte more, unread`, () => {
    const name = (bytes: number): string => 'N'.repeat(bytes);
    const wide = (bytes: number): string => `名${'n'.repeat(bytes - 3)}`;
    expect(
      parseRequestBody(
        Buffer.from(
          `<Request ${name(MAX_XML_NAME_BYTES)}="1"><${name(MAX_XML_NAME_BYTES)}/><${wide(MAX_XML_NAME_BYTES)}/><?${name(MAX_XML_NAME_BYTES)}?></Request>`,
        ),
      ).children,
    ).toHaveLength(2);
    for (const body of [
      `<Request><${name(MAX_XML_NAME_BYTES + 1)}/></Request>`,
      `<Request><${wide(MAX_XML_NAME_BYTES + 1)}/></Request>`,
      `<Request ${name(MAX_XML_NAME_BYTES + 1)}="1"/>`,
      `<Request><?${name(MAX_XML_NAME_BYTES + 1)}?></Request>`,
      `<Request><A></${name(MAX_XML_NAME_BYTES + 1)}></Request>`,
    ]) {
      expect(refusal(body)).toMatch(
        new RegExp(`^InvalidContent: The request body has a name longer than ${MAX_XML_NAME_BYTES} bytes \\(line 1, column \\d+\\)`),
      );
    }
  });

  it('quotes at most 100 characters of a name in a message', () => {
    const message = refusal(`<Request><${'N'.repeat(900)}></Request>`);
    expect(message).toContain(`expected </${'N'.repeat(100)}…>, found </Request>`);
    expect(message.length).toBeLessThan(400);
  });

  it('counts lines without splitting the body, and columns in characters', () => {
    expect(refusal(`${'\n'.repeat(100_000)}<Request><A x=1/></Request>`)).toContain('(line 100001, column 15)');
    expect(refusal('<Request>\n<中文 x=1/></Request>')).toContain('(line 2, column 7)');
  });

  it(`takes ${MAX_XML_TEXT_BYTES} bytes of text in one element, counted before references are resolved`, () => {
    const half = MAX_XML_TEXT_BYTES / 2;
    const root = parseRequestBody(
      Buffer.from(
        `<Request><A>${'x'.repeat(half - 5)}&amp;${'y'.repeat(half - 12)}<![CDATA[z]]></A><B>${'模'.repeat(Math.floor(MAX_XML_TEXT_BYTES / 3))}</B></Request>`,
      ),
    );
    expect(root.children[0]?.text).toHaveLength(MAX_XML_TEXT_BYTES - 4 - 12 + 1);
    expect(parseRequestBody(Buffer.from(`<Request>${' '.repeat(MAX_XML_TEXT_BYTES)}</Request>`)).text).toHaveLength(MAX_XML_TEXT_BYTES);
  });

  it.each([
    ['text', `<A>${'x'.repeat(MAX_XML_TEXT_BYTES + 1)}</A>`, '<A> holds more than'],
    ['text and CDATA together', `<A>${'x'.repeat(MAX_XML_TEXT_BYTES)}<![CDATA[y]]></A>`, '<A> holds more than'],
    ['whitespace between elements', `<B/>${' '.repeat(MAX_XML_TEXT_BYTES)}<B/> `, '<Request> holds more than'],
    ['3-byte characters', `<A>${'模'.repeat(Math.floor(MAX_XML_TEXT_BYTES / 3) + 1)}</A>`, '<A> holds more than'],
  ])('refuses one byte of %s past it, naming the element', (_what, inner, reason) => {
    const message = refusal(`<Request>${inner}</Request>`);
    expect(message).toMatch(/^InvalidContent: /);
    expect(message).toContain(`${reason} ${MAX_XML_TEXT_BYTES} bytes of text`);
  });
});

describe('the first problem in the body is the one reported', () => {
  const CONTROL = /^InvalidContent: The request body contains a character XML does not allow/;

  it.each([
    ['in the text of a complete document', '<Request><A>a\u0001b</A></Request>'],
    ['before an unclosed element', '<Request><A>\u0000</A>'],
    ['as the first byte', '\u0000<Request/>'],
    ['after the root', '<Request/>\u0007'],
  ])('a control character %s', (_what, xml) => {
    expect(refusal(xml)).toMatch(CONTROL);
  });

  it('a bound reached before a control character: the bound', () => {
    const body = `<Request>${'<a/>'.repeat(XML_LIMITS.elements)}\u0000</Request>`;
    expect(refusal(body)).toMatch(new RegExp(`^InvalidContent: The request body has more than ${XML_LIMITS.elements} `));
  });
});
