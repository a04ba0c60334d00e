import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CiError } from './errors.js';

export { escapeXml, leaf } from './xml-escape.js';

/**
 * XML in and out. Reading is strict where fast-xml-parser is lenient (DOCTYPE, unknown
 * entities, control characters, several roots); writing is done with plain template strings,
 * so this module only needs to escape text.
 */

/** An element of a request body: attributes are ignored, comments dropped, CDATA merged into text. */
export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[];
  /** The element's own text (CDATA and entities resolved), excluding its children's text. */
  readonly text: string;
}

/** Deeper than any template kind needs; also keeps a 10,000-deep body from costing anything. */
export const MAX_XML_DEPTH = 32;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // References are decoded here (decodeReferences), not by fast-xml-parser: its entity
  // machinery costs four times the rest of the parse, and checkEntities has already refused
  // everything but the five XML entities and numeric references.
  processEntities: false,
  htmlEntities: false,
  // CDATA is kept apart so its text is taken literally, without decoding references.
  cdataPropName: '#cdata',
  maxNestedTags: MAX_XML_DEPTH,
});

const PREDEFINED_TEXT: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const REFERENCE = /&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/g;

function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (_match, hex: string | undefined, decimal: string | undefined, name: string | undefined) => {
    if (name !== undefined) return PREDEFINED_TEXT[name] ?? '';
    return String.fromCodePoint(hex !== undefined ? parseInt(hex, 16) : parseInt(decimal ?? '0', 10));
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// Characters XML 1.0 forbids anywhere in a document.
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DECLARATION = /<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
const ENTITY_REF = /&([^;&<\s]{0,12});?/g;
const PREDEFINED_ENTITY = /^(?:amp|lt|gt|quot|apos)$/;

type OrderedNode = Record<string, unknown>;

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
  checkCharacters(text);
  // The parser runs first because it stops at MAX_XML_DEPTH at once, where the validator
  // would walk a megabyte of nesting; the validator then catches what the parser forgives.
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (error) {
    checkWellFormed(text);
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw invalidContent(`The request body is not well-formed XML: ${reason}.`);
  }
  checkWellFormed(text);
  const roots = toElements(nodes, 1);
  if (roots.elements.length !== 1 || roots.text.trim() !== '') {
    throw invalidContent('The request body must have exactly one root element, <Request>.');
  }
  const root = roots.elements[0]!;
  if (root.name !== 'Request') {
    throw invalidContent(`The root element must be <Request>, not <${root.name}>.`);
  }
  return root;
}

function checkWellFormed(text: string): void {
  const validation = XMLValidator.validate(text);
  if (validation === true) return;
  const { msg, line, col } = validation.err;
  throw invalidContent(`The request body is not well-formed XML: ${msg} (line ${line}, column ${col}).`);
}

function checkCharacters(text: string): void {
  if (FORBIDDEN_CHAR.test(text)) {
    throw invalidContent('The request body contains a character XML does not allow (a NUL or control character).');
  }
  if (DECLARATION.test(text)) {
    throw invalidContent('DOCTYPE and entity declarations are not accepted in a request body.');
  }
  const markup = withoutCdataAndComments(text);
  checkEntities(markup);
  checkAttributeValues(markup);
}

/**
 * XML forbids `<` in an attribute value, and fast-xml-parser's validator lets it through.
 * Attributes are ignored, but a body that is not XML is still refused. One linear pass.
 */
function checkAttributeValues(markup: string): void {
  for (let start = markup.indexOf('<'); start !== -1; ) {
    if (markup.charCodeAt(start + 1) === 0x3f) {
      // A processing instruction (the declaration too): its text may hold a lone quote.
      const close = markup.indexOf('?>', start + 2);
      start = close === -1 ? -1 : markup.indexOf('<', close + 2);
      continue;
    }
    // A tag runs from `<` to the first `>` outside quotes.
    let quote = 0;
    let end = start + 1;
    for (; end < markup.length; end++) {
      const code = markup.charCodeAt(end);
      if (quote !== 0) {
        if (code === quote) quote = 0;
        else if (code === 0x3c) throw invalidContent('The request body has a "<" inside an attribute value, which XML does not allow.');
      } else if (code === 0x22 || code === 0x27) {
        quote = code;
      } else if (code === 0x3e) {
        break;
      }
    }
    start = markup.indexOf('<', end + 1);
  }
}

/**
 * The text outside CDATA sections and comments, found with indexOf. A lazy regular expression
 * (`<!--[\s\S]*?-->`) rescans the rest of the body from every unclosed `<!--`: a 1 MiB body of
 * them blocked the event loop for minutes. Each opener's position is searched again only once
 * it has been passed, so the whole scan is linear.
 */
function withoutCdataAndComments(text: string): string {
  if (!text.includes('<!')) return text;
  const kept: string[] = [];
  let from = 0;
  let nextComment = text.indexOf('<!--');
  let nextCdata = text.indexOf('<![CDATA[');
  while (nextComment !== -1 || nextCdata !== -1) {
    const isComment = nextCdata === -1 || (nextComment !== -1 && nextComment < nextCdata);
    const start = isComment ? nextComment : nextCdata;
    const end = isComment ? text.indexOf('-->', start + 4) : text.indexOf(']]>', start + 9);
    // Unclosed: the rest is kept as text, and the body is refused as not well-formed anyway.
    if (end === -1) break;
    kept.push(text.slice(from, start));
    from = end + 3;
    if (nextComment !== -1 && nextComment < from) nextComment = text.indexOf('<!--', from);
    if (nextCdata !== -1 && nextCdata < from) nextCdata = text.indexOf('<![CDATA[', from);
  }
  kept.push(text.slice(from));
  return kept.join('');
}

function checkEntities(text: string): void {
  if (!text.includes('&')) return;
  for (const match of text.matchAll(ENTITY_REF)) {
    const name = match[1] ?? '';
    const terminated = match[0].endsWith(';');
    if (terminated && (PREDEFINED_ENTITY.test(name) || isAllowedCharReference(name))) continue;
    throw invalidContent(`The request body uses an unknown or malformed entity reference "${match[0]}".`);
  }
}

function isAllowedCharReference(name: string): boolean {
  const digits = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(name);
  if (!digits) return false;
  const codePoint = digits[1] !== undefined ? parseInt(digits[1], 16) : parseInt(digits[2] ?? '', 10);
  if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return false;
  return !FORBIDDEN_CHAR.test(String.fromCodePoint(codePoint));
}

function toElements(nodes: readonly OrderedNode[], depth: number): { elements: XmlElement[]; text: string } {
  if (depth > MAX_XML_DEPTH) throw invalidContent(`The request body nests elements deeper than ${MAX_XML_DEPTH} levels.`);
  const elements: XmlElement[] = [];
  let text = '';
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node)) {
      if (key === ':@') continue;
      if (key === '#text') {
        text += decodeReferences(String(value));
        continue;
      }
      const children = Array.isArray(value) ? (value as OrderedNode[]) : [];
      if (key === '#cdata') {
        text += children.map((child) => String(child['#text'] ?? '')).join('');
        continue;
      }
      const inner = toElements(children, depth + 1);
      elements.push({ name: key, children: inner.elements, text: inner.text });
    }
  }
  return { elements, text };
}
