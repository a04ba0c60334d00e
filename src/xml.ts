import { CiError } from './errors.js';


/**
 * XML in and out. Request bodies are read by the small strict reader below; answers are written
 * with plain template strings, so the writing side only needs to escape text.
 *
 * The reader takes the part of XML 1.0 a request body can use: one root element, attributes
 * (checked, then ignored), text with the five predefined entities and character references,
 * CDATA, comments, processing instructions and the XML declaration. A DOCTYPE or any entity
 * declaration is refused, as are undeclared entities, control characters, `<` in attribute
 * values, `]]>` in text, mismatched tags and nesting deeper than MAX_XML_DEPTH. It replaced
 * fast-xml-parser, which needed four checks around it to be this strict and cost five times
 * as much per request (docs/performance.md).
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

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// Characters XML 1.0 forbids anywhere in a document.
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DECLARATION = /^<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
// XML 1.0 (fifth edition) names, within the Basic Multilingual Plane.
const NAME_START = 'A-Za-z_:\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME = new RegExp(`[${NAME_START}][${NAME_START}0-9.\\-\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`, 'y');
const WHITESPACE = /[ \t\r\n]*/y;
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

  constructor(private readonly text: string) {}

  document(): XmlElement {
    if (this.text.startsWith('<?xml') && /^<\?xml[ \t\r\n?]/.test(this.text)) this.#processingInstruction(true);
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
      else if (this.text.startsWith('<?', this.#pos)) this.#processingInstruction(false);
      else if (this.text.startsWith('<!', this.#pos)) this.#declaration();
      else return;
    }
  }

  #element(depth: number): XmlElement {
    if (depth > MAX_XML_DEPTH) throw invalidContent(`The request body nests elements deeper than ${MAX_XML_DEPTH} levels.`);
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
        this.#processingInstruction(false);
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
    const start = this.#pos + 9;
    const end = this.text.indexOf(']]>', start);
    if (end === -1) throw this.#malformed('a CDATA section is never closed');
    this.#pos = end + 3;
    return this.text.slice(start, end);
  }

  #comment(): void {
    const start = this.#pos + 4;
    const end = this.text.indexOf('--', start);
    if (end === -1 || this.text.charCodeAt(end + 2) !== 0x3e) {
      throw this.#malformed(end === -1 ? 'a comment is never closed' : '"--" inside a comment');
    }
    this.#pos = end + 3;
  }

  #processingInstruction(isDeclaration: boolean): void {
    const end = this.text.indexOf('?>', this.#pos + 2);
    if (end === -1) throw this.#malformed('a processing instruction is never closed');
    NAME.lastIndex = this.#pos + 2;
    const target = NAME.exec(this.text)?.[0] ?? '';
    if (target === '') throw this.#malformed('a processing instruction has no target');
    if (!isDeclaration && target.toLowerCase() === 'xml') throw this.#malformed('the XML declaration is only allowed at the very start');
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
    const before = this.text.slice(0, this.#pos);
    const line = before.split('\n').length;
    return `(line ${line}, column ${this.#pos - before.lastIndexOf('\n')})`;
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
