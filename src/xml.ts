import { CiError } from './errors.js';

export { escapeXml, leaf } from './xml-escape.js';

/**
 * XML in and out. Request bodies are read by the small strict reader below; answers are written
 * with plain template strings, so the writing side only needs to escape text.
 *
 * The reader takes the part of XML 1.0 a request body can use: one root element, attributes
 * (checked, then ignored), text with the five predefined entities and character references,
 * CDATA, comments, processing instructions and the XML declaration (version 1.0, UTF-8). A
 * DOCTYPE or any entity declaration is refused, as are undeclared entities, control characters,
 * `<` in attribute values, `]]>` in text, mismatched tags, nesting deeper than MAX_XML_DEPTH and
 * more items than XML_LIMITS allows. It replaced fast-xml-parser, which needed four checks
 * around it to be this strict and cost five times as much per request (docs/performance.md).
 *
 * Every step is a linear scan (indexOf, a sticky regular expression) and every per-item loop is
 * bounded, so that a hostile 1 MiB body costs about what receiving it costs (docs/reliability.md).
 */

/** An element of a request body: attributes are ignored, comments dropped, CDATA merged into text. */
export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[];
  /** The element's own text (CDATA and references resolved), excluding its children's text. */
  readonly text: string;
}

/** Deeper than any template kind needs; also keeps a 10,000-deep body from costing anything. */
export const MAX_XML_DEPTH = 32;

/**
 * The most items of each sort one body may hold. The largest real template body (a doc example
 * with every container filled) has under 200 elements and no attribute, reference, comment or
 * PI; these are fifty times that and more. They keep the work per request flat: without them a
 * 1 MiB body of `<a/>` cost 140 ms of parsing, of `&amp;` 60 ms, of attributes 70 ms. The reader
 * stops as soon as one is passed.
 */
export const XML_LIMITS = {
  elements: 10_000,
  attributes: 10_000,
  /** Entity and character references, in text and in attribute values. */
  references: 10_000,
  /** Comments, processing instructions and CDATA sections together. */
  otherMarkup: 10_000,
} as const;

const LIMIT_WORDS: Readonly<Record<keyof typeof XML_LIMITS, string>> = {
  elements: 'elements',
  attributes: 'attributes',
  references: 'entity or character references',
  otherMarkup: 'comments, processing instructions and CDATA sections',
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// Characters XML 1.0 forbids anywhere in a document.
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DECLARATION = /^<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
// XML 1.0 (fifth edition) names, within the Basic Multilingual Plane.
const NAME_START = 'A-Za-z_:\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME = new RegExp(`[${NAME_START}][${NAME_START}0-9.\\-\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`, 'y');
const WHITESPACE = /[ \t\r\n]*/y;
const IS_WHITESPACE = /[ \t\r\n]/;
// A pseudo-attribute of the XML declaration (XML 1.0 §2.8): S name Eq quoted value.
const PSEUDO_ATTRIBUTE = /[ \t\r\n]+([A-Za-z]+)[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')/y;
const DECLARATION_PARTS = ['version', 'encoding', 'standalone'] as const;
const REFERENCE = /&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/y;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const invalidContent = (message: string): CiError => new CiError('InvalidContent', message);

export function decodeBody(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw invalidContent('The request body is not valid UTF-8.');
  }
}

/** Parses a request body into its root element, which must be `<Request>`. */
export function parseRequestBody(body: Buffer): XmlElement {
  const text = decodeBody(body);
  if (FORBIDDEN_CHAR.test(text)) {
    throw invalidContent('The request body contains a character XML does not allow (a NUL or control character).');
  }
  const root = new XmlReader(text).document();
  if (root.name !== 'Request') throw invalidContent(`The root element must be <Request>, not <${root.name}>.`);
  return root;
}

class XmlReader {
  #pos = 0;
  readonly #counts: Record<keyof typeof XML_LIMITS, number> = { elements: 0, attributes: 0, references: 0, otherMarkup: 0 };

  constructor(private readonly text: string) {}

  document(): XmlElement {
    if (this.text.startsWith('<?xml') && /^<\?xml[ \t\r\n?]/.test(this.text)) this.#xmlDeclaration();
    this.#misc();
    if (this.#pos >= this.text.length) throw this.#malformed('there is no root element');
    if (this.text.charCodeAt(this.#pos) !== 0x3c) throw this.#malformed('text before the root element');
    const root = this.#element(1);
    this.#misc();
    if (this.#pos < this.text.length) {
      throw this.text.charCodeAt(this.#pos) === 0x3c
        ? invalidContent('The request body must have exactly one root element, <Request>.')
        : this.#malformed('text after the root element');
    }
    return root;
  }

  /** Whitespace, comments and processing instructions, outside the root element. */
  #misc(): void {
    for (;;) {
      this.#skipWhitespace();
      if (this.text.startsWith('<!--', this.#pos)) this.#comment();
      else if (this.text.startsWith('<?', this.#pos)) this.#processingInstruction();
      else if (this.text.startsWith('<!', this.#pos)) this.#declaration();
      else return;
    }
  }

  /** One more item of a sort; past its limit the body is refused at once. */
  #count(sort: keyof typeof XML_LIMITS): void {
    this.#counts[sort] += 1;
    if (this.#counts[sort] > XML_LIMITS[sort]) {
      throw invalidContent(`The request body has more than ${XML_LIMITS[sort]} ${LIMIT_WORDS[sort]}, the most the emulator reads in one body (a template needs a few hundred elements at most).`);
    }
  }

  #element(depth: number): XmlElement {
    if (depth > MAX_XML_DEPTH) throw invalidContent(`The request body nests elements deeper than ${MAX_XML_DEPTH} levels.`);
    this.#count('elements');
    this.#pos += 1;
    const name = this.#name('an element name');
    if (this.#attributes()) return { name, children: [], text: '' };
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const lt = this.text.indexOf('<', this.#pos);
      if (lt === -1) throw this.#malformed(`<${name}> is never closed`);
      if (lt > this.#pos) text += this.#characterData(lt);
      this.#pos = lt;
      const next = this.text.charCodeAt(lt + 1);
      if (next === 0x2f) {
        this.#endTag(name);
        return { name, children, text };
      }
      if (next === 0x21) {
        if (this.text.startsWith('<!--', lt)) this.#comment();
        else if (this.text.startsWith('<![CDATA[', lt)) text += this.#cdata();
        else this.#declaration();
      } else if (next === 0x3f) {
        this.#processingInstruction();
      } else {
        children.push(this.#element(depth + 1));
      }
    }
  }

  /** Reads attributes up to `>` or `/>`; answers true for an empty element. */
  #attributes(): boolean {
    let seen: Set<string> | undefined;
    for (;;) {
      const hadSpace = this.#skipWhitespace();
      const code = this.text.charCodeAt(this.#pos);
      if (code === 0x3e) {
        this.#pos += 1;
        return false;
      }
      if (code === 0x2f && this.text.charCodeAt(this.#pos + 1) === 0x3e) {
        this.#pos += 2;
        return true;
      }
      if (!hadSpace) throw this.#malformed('expected whitespace, ">" or "/>" in a tag');
      this.#count('attributes');
      const name = this.#name('an attribute name');
      seen ??= new Set<string>();
      if (seen.has(name)) throw this.#malformed(`the attribute ${name} is given twice`);
      seen.add(name);
      this.#skipWhitespace();
      if (this.text.charCodeAt(this.#pos) !== 0x3d) throw this.#malformed(`expected "=" after the attribute ${name}`);
      this.#pos += 1;
      this.#skipWhitespace();
      const quote = this.text.charCodeAt(this.#pos);
      if (quote !== 0x22 && quote !== 0x27) throw this.#malformed(`the value of the attribute ${name} is not quoted`);
      const end = this.text.indexOf(quote === 0x22 ? '"' : "'", this.#pos + 1);
      if (end === -1) throw this.#malformed(`the value of the attribute ${name} is never closed`);
      const value = this.text.slice(this.#pos + 1, end);
      if (value.includes('<')) throw invalidContent('The request body has a "<" inside an attribute value, which XML does not allow.');
      this.#decodeReferences(value, this.#pos + 1);
      this.#pos = end + 1;
    }
  }

  #endTag(name: string): void {
    this.#pos += 2;
    const closing = this.#name('a closing tag name');
    if (closing !== name) throw this.#malformed(`expected </${name}>, found </${closing}>`);
    this.#skipWhitespace();
    if (this.text.charCodeAt(this.#pos) !== 0x3e) throw this.#malformed(`expected ">" to close </${name}>`);
    this.#pos += 1;
  }

  /** Text up to `end`, with its references resolved. */
  #characterData(end: number): string {
    const raw = this.text.slice(this.#pos, end);
    if (raw.includes(']]>')) throw this.#malformed('"]]>" in text');
    return this.#decodeReferences(raw, this.#pos);
  }

  #decodeReferences(raw: string, offset: number): string {
    if (!raw.includes('&')) return raw;
    let decoded = '';
    let from = 0;
    for (let amp = raw.indexOf('&'); amp !== -1; amp = raw.indexOf('&', from)) {
      this.#count('references');
      REFERENCE.lastIndex = amp;
      const match = REFERENCE.exec(raw);
      const character = match === null ? undefined : referencedCharacter(match);
      if (match === null || character === undefined) {
        const shown = raw.slice(amp, amp + 12).split(/[\s<]/)[0] ?? '&';
        this.#pos = offset + amp;
        throw invalidContent(`The request body uses an unknown or malformed entity reference "${shown}" ${this.#where()}.`);
      }
      decoded += raw.slice(from, amp) + character;
      from = amp + match[0].length;
    }
    return decoded + raw.slice(from);
  }

  #cdata(): string {
    this.#count('otherMarkup');
    const start = this.#pos + 9;
    const end = this.text.indexOf(']]>', start);
    if (end === -1) throw this.#malformed('a CDATA section is never closed');
    this.#pos = end + 3;
    return this.text.slice(start, end);
  }

  #comment(): void {
    this.#count('otherMarkup');
    const start = this.#pos + 4;
    const end = this.text.indexOf('--', start);
    if (end === -1 || this.text.charCodeAt(end + 2) !== 0x3e) {
      throw this.#malformed(end === -1 ? 'a comment is never closed' : '"--" inside a comment');
    }
    this.#pos = end + 3;
  }

  /** `<?target …?>`: the target is a Name followed by whitespace or `?>`, and not `xml` in any case. */
  #processingInstruction(): void {
    this.#count('otherMarkup');
    const end = this.text.indexOf('?>', this.#pos + 2);
    if (end === -1) throw this.#malformed('a processing instruction is never closed');
    NAME.lastIndex = this.#pos + 2;
    const target = NAME.exec(this.text)?.[0] ?? '';
    if (target === '') throw this.#malformed('a processing instruction has no target');
    if (target.toLowerCase() === 'xml') {
      throw this.#malformed(target === 'xml' ? 'the XML declaration is only allowed at the very start' : `"<?${target}" is reserved: the XML declaration is written "<?xml" and only at the very start`);
    }
    const afterTarget = this.#pos + 2 + target.length;
    if (afterTarget !== end && !IS_WHITESPACE.test(this.text.charAt(afterTarget))) {
      throw this.#malformed(`the processing instruction target "${target}" must be followed by whitespace or "?>"`);
    }
    this.#pos = end + 2;
  }

  /**
   * XML 1.0 §2.8: `<?xml` version, then optionally encoding and standalone, in that order. The
   * body is always read as UTF-8 (decodeBody), so that is the one encoding it may declare.
   */
  #xmlDeclaration(): void {
    const end = this.text.indexOf('?>', 5);
    if (end === -1) throw this.#malformed('the XML declaration is never closed');
    const refuse = (reason: string): CiError => invalidContent(`The request body's XML declaration ${reason}; write <?xml version="1.0" encoding="UTF-8"?> or leave it out.`);
    const inside = this.text.slice(5, end);
    let at = 0;
    let previous = -1;
    while (inside.slice(at).trim() !== '') {
      PSEUDO_ATTRIBUTE.lastIndex = at;
      const match = PSEUDO_ATTRIBUTE.exec(inside);
      if (match === null) throw refuse(`cannot be read from ${JSON.stringify(inside.slice(at).trim().slice(0, 40))} on`);
      const [, name = '', doubleQuoted, singleQuoted] = match;
      const value = doubleQuoted ?? singleQuoted ?? '';
      const order = (DECLARATION_PARTS as readonly string[]).indexOf(name);
      if (order === -1) throw refuse(`has "${name}", which is none of version, encoding, standalone`);
      if (order <= previous) throw refuse(`has ${name} out of place: version, then encoding, then standalone, each once`);
      if (previous === -1 && name !== 'version') throw refuse('must start with version="1.0"');
      if (name === 'version' && value !== '1.0') throw refuse(`says version="${value}"; the emulator reads XML 1.0`);
      if (name === 'encoding' && value.toLowerCase() !== 'utf-8') throw refuse(`says encoding="${value}", but request bodies are read as UTF-8`);
      if (name === 'standalone' && value !== 'yes' && value !== 'no') throw refuse(`says standalone="${value}"; it may only be "yes" or "no"`);
      previous = order;
      at = PSEUDO_ATTRIBUTE.lastIndex;
    }
    if (previous === -1) throw refuse('has no version="1.0"');
    this.#pos = end + 2;
  }

  #declaration(): never {
    if (DECLARATION.test(this.text.slice(this.#pos, this.#pos + 10))) {
      throw invalidContent('DOCTYPE and entity declarations are not accepted in a request body.');
    }
    throw this.#malformed('"<!" that starts no comment or CDATA section');
  }

  #name(what: string): string {
    NAME.lastIndex = this.#pos;
    const name = NAME.exec(this.text)?.[0];
    if (name === undefined) throw this.#malformed(`expected ${what}`);
    this.#pos += name.length;
    return name;
  }

  #skipWhitespace(): boolean {
    WHITESPACE.lastIndex = this.#pos;
    WHITESPACE.exec(this.text);
    const moved = WHITESPACE.lastIndex > this.#pos;
    this.#pos = WHITESPACE.lastIndex;
    return moved;
  }

  #where(): string {
    // Counted by hand: splitting a body of a million newlines into lines would cost 40 ms.
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < this.#pos; i++) {
      if (this.text.charCodeAt(i) === 0x0a) {
        line += 1;
        lineStart = i + 1;
      }
    }
    return `(line ${line}, column ${this.#pos - lineStart + 1})`;
  }

  #malformed(reason: string): CiError {
    return invalidContent(`The request body is not well-formed XML: ${reason} ${this.#where()}.`);
  }
}

function referencedCharacter(match: RegExpExecArray): string | undefined {
  const [, hex, decimal, name] = match;
  if (name !== undefined) return PREDEFINED[name];
  const codePoint = hex !== undefined ? parseInt(hex, 16) : parseInt(decimal ?? '', 10);
  if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return undefined;
  const character = String.fromCodePoint(codePoint);
  return FORBIDDEN_CHAR.test(character) ? undefined : character;
}
