import { isUtf8 } from 'node:buffer';
import { CiError } from './errors.js';

/**
 * XML in and out. Request bodies are read by the small strict reader below; answers are written
 * with plain template strings, so the writing side only needs to escape text.
 *
 * The reader takes the part of XML 1.0 a request body can use: one root element, attributes
 * (checked, then ignored), text with the five predefined entities and character references,
 * CDATA, comments, processing instructions and the XML declaration (version 1.0, UTF-8). A
 * DOCTYPE or any entity declaration is refused, as are undeclared entities, control characters,
 * `<` in attribute values, `]]>` in text, mismatched tags, nesting deeper than MAX_XML_DEPTH and
 * more than XML_LIMITS allows. It replaced fast-xml-parser, which needed four checks around it
 * to be this strict and cost five times as much per request (docs/performance.md).
 *
 * It reads the bytes as they arrived, not one string decoded from them: V8 keeps a string of
 * more than 128 KiB in a space of its own, and allocating one costs 25 times what decoding the
 * same bytes in 64 KiB pieces does (5 ms for 1 MiB on the project's CI machines). Only names and
 * the text of elements become strings, and text is bounded. Every step is a linear scan
 * (Buffer.indexOf, a loop over bytes) and every per-item loop is bounded, so that a hostile
 * 1 MiB body costs about what receiving it costs (docs/reliability.md, "Security").
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
 * The most items of each sort one body may hold. The largest doc example has 30 elements, a
 * template with every field filled a few hundred, and none has an attribute, reference, comment
 * or PI; these are fifty times that and more. They keep the work per request flat: without them
 * a 1 MiB body of `<a/>` cost 140 ms of parsing, of `&amp;` 60 ms, of attributes 70 ms (10,000
 * attributes still cost 4 ms, in the check for one given twice: hence 1,000). The reader stops
 * as soon as one is passed.
 */
export const XML_LIMITS = {
  elements: 10_000,
  /** Attributes are read only to be checked, and a template has none (an xmlns at most). */
  attributes: 1_000,
  /** Entity and character references, in text and in attribute values. */
  references: 10_000,
  /** Comments, processing instructions and CDATA sections together. */
  otherMarkup: 10_000,
} as const;

/**
 * Bytes of text (character data and CDATA, before references are resolved) in one element. The
 * longest value a template takes is a URL or a PicProcess rule of a few hundred characters; a
 * longer text is refused before it is decoded, so no request makes the reader build a string
 * of megabytes (nor an error message quoting one).
 */
export const MAX_XML_TEXT_BYTES = 64 * 1024;

/**
 * Bytes in one name (of an element, an attribute or a processing instruction). The longest name
 * a template kind knows has under 30 characters; a longer name is an error anyway, and refusing
 * it unread keeps a 1 MiB name from becoming a string, and then a message quoting it.
 */
export const MAX_XML_NAME_BYTES = 1024;

/** Names quoted in messages are cut to this many characters. */
const QUOTED_NAME_LENGTH = 100;
const quoted = (name: string): string => (name.length > QUOTED_NAME_LENGTH ? `${name.slice(0, QUOTED_NAME_LENGTH)}…` : name);
/** Shared by every element without children: it is never changed. */
const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);

const LIMIT_WORDS: Readonly<Record<keyof typeof XML_LIMITS, string>> = {
  elements: 'elements',
  attributes: 'attributes',
  references: 'entity or character references',
  otherMarkup: 'comments, processing instructions and CDATA sections',
};

// Characters XML 1.0 forbids anywhere in a document (checked on bytes for the body, on text for references).
// eslint-disable-next-line no-control-regex -- matching the control characters is the point
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DECLARATION = /^<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
// XML 1.0 (fifth edition) names, within the Basic Multilingual Plane. The combining marks
// (U+0300–U+036F) may follow a name's first character: the grammar lists them on their own.
const NAME_START =
  'A-Za-z_:\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
// eslint-disable-next-line no-misleading-character-class -- the combining marks stand alone in the class, as in the grammar
const NAME = new RegExp(`[${NAME_START}][${NAME_START}0-9.\\-\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*`, 'y');
// A pseudo-attribute of the XML declaration (XML 1.0 §2.8): S name Eq quoted value.
const PSEUDO_ATTRIBUTE = /[ \t\r\n]+([A-Za-z]+)[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')/y;
const DECLARATION_PARTS = ['version', 'encoding', 'standalone'] as const;
/** Longer than any declaration needs (`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` is 55). */
const MAX_DECLARATION_BYTES = 1024;
const REFERENCE = /&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/y;
/** Enough bytes to hold the longest reference REFERENCE matches, `&#x10FFFF;`, and show a bad one. */
const REFERENCE_WINDOW = 12;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const NEWLINE = 0x0a;

const isWhitespace = (byte: number | undefined): boolean => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/** ASCII bytes that may be part of a name; a name's first byte must also not be a digit, `.` or `-`. */
const NAME_BYTE = new Uint8Array(128);
for (const range of ['AZ', 'az', '09']) {
  for (let code = range.charCodeAt(0); code <= range.charCodeAt(1); code++) NAME_BYTE[code] = 1;
}
for (const character of '_:.-') NAME_BYTE[character.charCodeAt(0)] = 1;
const isAsciiNameStart = (byte: number): boolean => NAME_BYTE[byte] === 1 && !(byte >= 0x30 && byte <= 0x39) && byte !== 0x2e && byte !== 0x2d;

const CDATA_OPEN = Buffer.from('<![CDATA[');
const CDATA_CLOSE = Buffer.from(']]>');
const COMMENT_OPEN = Buffer.from('<!--');
const DOUBLE_DASH = Buffer.from('--');
const PI_OPEN = Buffer.from('<?');
const PI_CLOSE = Buffer.from('?>');
const XML_DECLARATION_OPEN = Buffer.from('<?xml');

const invalidContent = (message: string): CiError => new CiError('InvalidContent', message);

const NONCHARACTER_FFFE = Buffer.from('\uFFFE');
const NONCHARACTER_FFFF = Buffer.from('\uFFFF');

/** A control byte XML forbids (all below 0x20 but tab, LF and CR) in bytes [from, to). */
function hasControlByte(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return true;
  }
  return false;
}

/**
 * A NUL, another control character (but tab, CR, LF), U+FFFE or U+FFFF anywhere in the body. On
 * valid UTF-8 a control character is its own byte: the body is read four bytes at a time, and a
 * word is looked at byte by byte only when one of its bytes is below 0x20 (the "has less than"
 * bit trick), four times fewer steps than a byte loop or a regular expression takes here. The
 * two noncharacters are three-byte sequences Buffer.indexOf finds.
 */
function hasForbiddenCharacter(body: Buffer): boolean {
  const head = Math.min((4 - (body.byteOffset & 3)) & 3, body.length);
  const words = (body.length - head) >> 2;
  if (hasControlByte(body, 0, head)) return true;
  const view = new Uint32Array(body.buffer, body.byteOffset + head, words);
  for (let word = 0; word < words; word++) {
    const value = view[word] as number;
    if (((value - 0x20202020) & ~value & 0x80808080) !== 0 && hasControlByte(body, head + word * 4, head + word * 4 + 4)) return true;
  }
  if (hasControlByte(body, head + words * 4, body.length)) return true;
  return body.indexOf(NONCHARACTER_FFFE) !== -1 || body.indexOf(NONCHARACTER_FFFF) !== -1;
}

/** Past this many bytes a search leaves the JavaScript loop for Buffer.indexOf: a native call costs more than a short loop. */
const SHORT_SCAN = 128;

/** The first `byte` in bytes [from, to), or -1. */
function findByte(bytes: Buffer, byte: number, from: number, to: number): number {
  const loopEnd = Math.min(to, from + SHORT_SCAN);
  for (let i = from; i < loopEnd; i++) if (bytes[i] === byte) return i;
  if (loopEnd >= to) return -1;
  if (to === bytes.length) return bytes.indexOf(byte, loopEnd);
  // Bounded by `to`: a search running on to the end of the body for each of many short ranges would be quadratic.
  const found = bytes.subarray(loopEnd, to).indexOf(byte);
  return found === -1 ? -1 : loopEnd + found;
}

/** The first `sequence` starting in bytes [from, to - length], or -1. */
function findSequence(bytes: Buffer, sequence: Buffer, from: number, to: number): number {
  const first = sequence[0] as number;
  for (let at = findByte(bytes, first, from, to); at !== -1; at = findByte(bytes, first, at + 1, to)) {
    if (at + sequence.length > to) return -1;
    let i = 1;
    while (i < sequence.length && bytes[at + i] === sequence[i]) i++;
    if (i === sequence.length) return at;
  }
  return -1;
}

/** Parses a request body into its root element, which must be `<Request>`. */
export function parseRequestBody(body: Buffer): XmlElement {
  if (!isUtf8(body)) throw invalidContent('The request body is not valid UTF-8.');
  // A byte-order mark is not part of the document.
  const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const reader = new XmlReader(body, start);
  let root: XmlElement;
  try {
    root = reader.document();
  } catch (error) {
    // The first problem in the body's order is the one reported. Only the bytes up to the
    // failure, and the character it failed at, are scanned: a hostile body stops at a bound
    // long before its end, and scanning all of it cost 1 ms per MiB.
    if (hasForbiddenCharacter(body.subarray(0, reader.position + MAX_UTF8_BYTES))) throw forbiddenCharacter();
    throw error;
  }
  if (hasForbiddenCharacter(body)) throw forbiddenCharacter();
  if (root.name !== 'Request') throw invalidContent(`The root element must be <Request>, not <${root.name}>.`);
  return root;
}

const MAX_UTF8_BYTES = 4;
const forbiddenCharacter = (): CiError => invalidContent('The request body contains a character XML does not allow (a NUL or control character).');

class XmlReader {
  #pos: number;
  readonly #counts: Record<keyof typeof XML_LIMITS, number> = { elements: 0, attributes: 0, references: 0, otherMarkup: 0 };
  // Most bodies have neither: one native search each spares every text a scan.
  readonly #hasAmpersand: boolean;
  readonly #hasCdataClose: boolean;

  constructor(
    private readonly bytes: Buffer,
    private readonly start: number,
  ) {
    this.#pos = start;
    this.#hasAmpersand = bytes.indexOf(AMPERSAND, start) !== -1;
    this.#hasCdataClose = bytes.indexOf(CDATA_CLOSE, start) !== -1;
  }

  /** How far the reader got: after a failure, the byte it failed at. */
  get position(): number {
    return this.#pos;
  }

  document(): XmlElement {
    if (this.#startsWith(XML_DECLARATION_OPEN, this.#pos)) {
      const after = this.bytes[this.#pos + 5];
      if (isWhitespace(after) || after === QUESTION) this.#xmlDeclaration();
    }
    this.#misc();
    if (this.#pos >= this.bytes.length) throw this.#malformed('there is no root element');
    if (this.bytes[this.#pos] !== LT) throw this.#malformed('text before the root element');
    const root = this.#element(1);
    this.#misc();
    if (this.#pos < this.bytes.length) {
      throw this.bytes[this.#pos] === LT
        ? invalidContent('The request body must have exactly one root element, <Request>.')
        : this.#malformed('text after the root element');
    }
    return root;
  }

  /** Whitespace, comments and processing instructions, outside the root element. */
  #misc(): void {
    for (;;) {
      this.#skipWhitespace();
      if (this.#startsWith(COMMENT_OPEN, this.#pos)) this.#comment();
      else if (this.#startsWith(PI_OPEN, this.#pos)) this.#processingInstruction();
      else if (this.bytes[this.#pos] === LT && this.bytes[this.#pos + 1] === BANG) this.#declaration();
      else return;
    }
  }

  /** One more item of a sort; past its limit the body is refused at once. */
  #count(sort: keyof typeof XML_LIMITS): void {
    this.#counts[sort] += 1;
    if (this.#counts[sort] > XML_LIMITS[sort]) {
      throw invalidContent(
        `The request body has more than ${XML_LIMITS[sort]} ${LIMIT_WORDS[sort]}, the most the emulator reads in one body (a template needs a few hundred elements at most).`,
      );
    }
  }

  #element(depth: number): XmlElement {
    if (depth > MAX_XML_DEPTH) throw invalidContent(`The request body nests elements deeper than ${MAX_XML_DEPTH} levels.`);
    this.#count('elements');
    this.#pos += 1;
    const nameStart = this.#pos;
    const name = this.#name('an element name');
    const nameEnd = this.#pos;
    if (this.#attributes()) return { name, children: NO_CHILDREN, text: '' };
    let children: XmlElement[] | undefined;
    let text = '';
    let textBytes = 0;
    for (;;) {
      const lt = findByte(this.bytes, LT, this.#pos, this.bytes.length);
      if (lt === -1) throw this.#malformed(`<${quoted(name)}> is never closed`);
      if (lt > this.#pos) {
        textBytes = this.#checkTextBytes(name, textBytes + lt - this.#pos);
        // "]]>" has no "<": searching the text alone finds any.
        if (this.#hasCdataClose && findSequence(this.bytes, CDATA_CLOSE, this.#pos, lt) !== -1) throw this.#malformed('"]]>" in text');
        text += this.#textWithReferences(this.#pos, lt);
      }
      this.#pos = lt;
      const next = this.bytes[lt + 1];
      if (next === SLASH) {
        this.#endTag(name, nameStart, nameEnd);
        return { name, children: children ?? NO_CHILDREN, text };
      }
      if (next === BANG) {
        if (this.#startsWith(COMMENT_OPEN, lt)) {
          this.#comment();
        } else if (this.#startsWith(CDATA_OPEN, lt)) {
          const [from, to] = this.#cdata();
          textBytes = this.#checkTextBytes(name, textBytes + to - from);
          text += this.bytes.toString('utf8', from, to);
        } else {
          this.#declaration();
        }
      } else if (next === QUESTION) {
        this.#processingInstruction();
      } else {
        children ??= [];
        children.push(this.#element(depth + 1));
      }
    }
  }

  /** Checked before the text is decoded: a longer one never becomes a string. */
  #checkTextBytes(name: string, textBytes: number): number {
    if (textBytes > MAX_XML_TEXT_BYTES) {
      throw invalidContent(
        `<${quoted(name)}> holds more than ${MAX_XML_TEXT_BYTES} bytes of text, the most the emulator reads in one element (a template value is a few hundred characters at most).`,
      );
    }
    return textBytes;
  }

  /** Reads attributes up to `>` or `/>`; answers true for an empty element. */
  #attributes(): boolean {
    let seen: Set<string> | undefined;
    for (;;) {
      const hadSpace = this.#skipWhitespace();
      const code = this.bytes[this.#pos];
      if (code === GT) {
        this.#pos += 1;
        return false;
      }
      if (code === SLASH && this.bytes[this.#pos + 1] === GT) {
        this.#pos += 2;
        return true;
      }
      if (!hadSpace) throw this.#malformed('expected whitespace, ">" or "/>" in a tag');
      this.#count('attributes');
      const name = this.#name('an attribute name');
      seen ??= new Set<string>();
      if (seen.has(name)) throw this.#malformed(`the attribute ${quoted(name)} is given twice`);
      seen.add(name);
      this.#skipWhitespace();
      if (this.bytes[this.#pos] !== EQUALS) throw this.#malformed(`expected "=" after the attribute ${quoted(name)}`);
      this.#pos += 1;
      this.#skipWhitespace();
      const quote = this.bytes[this.#pos];
      if (quote !== DOUBLE_QUOTE && quote !== SINGLE_QUOTE) throw this.#malformed(`the value of the attribute ${quoted(name)} is not quoted`);
      const end = findByte(this.bytes, quote, this.#pos + 1, this.bytes.length);
      if (end === -1) throw this.#malformed(`the value of the attribute ${quoted(name)} is never closed`);
      if (findByte(this.bytes, LT, this.#pos + 1, end) !== -1) {
        throw invalidContent('The request body has a "<" inside an attribute value, which XML does not allow.');
      }
      // Attribute values are ignored, but their references must still be well-formed.
      this.#checkReferences(this.#pos + 1, end);
      this.#pos = end + 1;
    }
  }

  /** `</name>`, compared byte for byte with the start tag's name at [nameStart, nameEnd). */
  #endTag(name: string, nameStart: number, nameEnd: number): void {
    this.#pos += 2;
    const length = nameEnd - nameStart;
    const after = this.bytes[this.#pos + length];
    let sameName = after !== undefined && !(after >= 0x80 || NAME_BYTE[after] === 1);
    for (let i = 0; sameName && i < length; i++) sameName = this.bytes[nameStart + i] === this.bytes[this.#pos + i];
    if (sameName) {
      this.#pos += length;
    } else {
      const closing = this.#name('a closing tag name');
      if (closing !== name) throw this.#malformed(`expected </${quoted(name)}>, found </${quoted(closing)}>`);
    }
    this.#skipWhitespace();
    if (this.bytes[this.#pos] !== GT) throw this.#malformed(`expected ">" to close </${quoted(name)}>`);
    this.#pos += 1;
  }

  /** The text of bytes [from, to) with its references resolved. */
  #textWithReferences(from: number, to: number): string {
    let amp = this.#hasAmpersand ? findByte(this.bytes, AMPERSAND, from, to) : -1;
    if (amp === -1) return this.bytes.toString('utf8', from, to);
    let decoded = '';
    let copied = from;
    while (amp !== -1) {
      const { character, length } = this.#reference(amp, to);
      decoded += this.bytes.toString('utf8', copied, amp) + character;
      copied = amp + length;
      amp = findByte(this.bytes, AMPERSAND, copied, to);
    }
    return decoded + this.bytes.toString('utf8', copied, to);
  }

  /** The references of bytes [from, to) are well-formed; nothing is decoded. */
  #checkReferences(from: number, to: number): void {
    if (!this.#hasAmpersand) return;
    for (let amp = findByte(this.bytes, AMPERSAND, from, to); amp !== -1;) {
      const { length } = this.#reference(amp, to);
      amp = findByte(this.bytes, AMPERSAND, amp + length, to);
    }
  }

  /** The reference starting at `at` (an `&`), within bytes [at, to). */
  #reference(at: number, to: number): { character: string; length: number } {
    this.#count('references');
    const window = this.bytes.toString('latin1', at, Math.min(at + REFERENCE_WINDOW, to));
    REFERENCE.lastIndex = 0;
    const match = REFERENCE.exec(window);
    const character = match === null ? undefined : referencedCharacter(match);
    if (match === null || character === undefined) {
      const shown = window.split(/[\s<]/)[0] ?? '&';
      this.#pos = at;
      throw invalidContent(`The request body uses an unknown or malformed entity reference "${shown}" ${this.#where()}.`);
    }
    return { character, length: match[0].length };
  }

  /** `<![CDATA[…]]>`: the bytes of its text. */
  #cdata(): [number, number] {
    this.#count('otherMarkup');
    const start = this.#pos + CDATA_OPEN.length;
    const end = this.bytes.indexOf(CDATA_CLOSE, start);
    if (end === -1) throw this.#malformed('a CDATA section is never closed');
    this.#pos = end + CDATA_CLOSE.length;
    return [start, end];
  }

  #comment(): void {
    this.#count('otherMarkup');
    const start = this.#pos + COMMENT_OPEN.length;
    const end = this.bytes.indexOf(DOUBLE_DASH, start);
    if (end === -1 || this.bytes[end + 2] !== GT) {
      throw this.#malformed(end === -1 ? 'a comment is never closed' : '"--" inside a comment');
    }
    this.#pos = end + 3;
  }

  /** `<?target …?>`: the target is a Name followed by whitespace or `?>`, and not `xml` in any case. */
  #processingInstruction(): void {
    this.#count('otherMarkup');
    const end = this.bytes.indexOf(PI_CLOSE, this.#pos + 2);
    if (end === -1) throw this.#malformed('a processing instruction is never closed');
    this.#pos += 2;
    const target = this.#name('a processing instruction target', 'a processing instruction has no target');
    if (target.toLowerCase() === 'xml') {
      throw this.#malformed(
        target === 'xml'
          ? 'the XML declaration is only allowed at the very start'
          : `"<?${target}" is reserved: the XML declaration is written "<?xml" and only at the very start`,
      );
    }
    if (this.#pos !== end && !isWhitespace(this.bytes[this.#pos])) {
      throw this.#malformed(`the processing instruction target "${quoted(target)}" must be followed by whitespace or "?>"`);
    }
    this.#pos = end + 2;
  }

  /**
   * XML 1.0 §2.8: `<?xml` version, then optionally encoding and standalone, in that order. The
   * body is always read as UTF-8, so that is the one encoding it may declare.
   */
  #xmlDeclaration(): void {
    const begin = this.#pos + XML_DECLARATION_OPEN.length;
    const end = this.bytes.indexOf(PI_CLOSE, begin);
    if (end === -1) throw this.#malformed('the XML declaration is never closed');
    const refuse = (reason: string): CiError =>
      invalidContent(`The request body's XML declaration ${reason}; write <?xml version="1.0" encoding="UTF-8"?> or leave it out.`);
    if (end - begin > MAX_DECLARATION_BYTES) throw refuse(`is longer than ${MAX_DECLARATION_BYTES} bytes`);
    const inside = this.bytes.toString('utf8', begin, end);
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
    if (DECLARATION.test(this.bytes.toString('latin1', this.#pos, this.#pos + 10))) {
      throw invalidContent('DOCTYPE and entity declarations are not accepted in a request body.');
    }
    throw this.#malformed('"<!" that starts no comment or CDATA section');
  }

  /**
   * An XML Name at the current position. Its bytes run up to the first ASCII byte no name may
   * hold, at most MAX_XML_NAME_BYTES of them; an ASCII name is checked byte by byte, any other
   * against NAME, which takes the longest prefix that is a name (what follows is then the next
   * thing to read).
   */
  #name(what: string, missing = `expected ${what}`): string {
    const start = this.#pos;
    // One byte past the limit is enough to know a name is too long.
    const scanEnd = Math.min(this.bytes.length, start + MAX_XML_NAME_BYTES + 1);
    let end = start;
    let ascii = true;
    for (; end < scanEnd; end++) {
      const byte = this.bytes[end] as number;
      if (byte >= 0x80) ascii = false;
      else if (NAME_BYTE[byte] !== 1) break;
    }
    if (end === start) throw this.#malformed(missing);
    if (end - start > MAX_XML_NAME_BYTES) {
      this.#pos = start;
      throw invalidContent(
        `The request body has a name longer than ${MAX_XML_NAME_BYTES} bytes ${this.#where()}; the names a template takes are under 30 characters.`,
      );
    }
    if (ascii) {
      if (!isAsciiNameStart(this.bytes[start] as number)) throw this.#malformed(missing);
      this.#pos = end;
      return this.bytes.toString('latin1', start, end);
    }
    const candidate = this.bytes.toString('utf8', start, end);
    NAME.lastIndex = 0;
    const name = NAME.exec(candidate)?.[0];
    if (name === undefined) throw this.#malformed(missing);
    this.#pos = start + Buffer.byteLength(name);
    return name;
  }

  #skipWhitespace(): boolean {
    const start = this.#pos;
    while (isWhitespace(this.bytes[this.#pos])) this.#pos += 1;
    return this.#pos > start;
  }

  #startsWith(literal: Buffer, at: number): boolean {
    if (at + literal.length > this.bytes.length) return false;
    for (let i = 0; i < literal.length; i++) if (this.bytes[at + i] !== literal[i]) return false;
    return true;
  }

  /** `(line 3, column 7)`: columns count characters as JavaScript does (UTF-16 units). */
  #where(): string {
    let line = 1;
    let column = 1;
    for (let i = this.start; i < this.#pos; i++) {
      const byte = this.bytes[i] as number;
      if (byte === NEWLINE) {
        line += 1;
        column = 1;
      } else if ((byte & 0xc0) !== 0x80) {
        // A lead byte: one character, two UTF-16 units beyond the Basic Multilingual Plane.
        column += byte >= 0xf0 ? 2 : 1;
      }
    }
    return `(line ${line}, column ${column})`;
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
