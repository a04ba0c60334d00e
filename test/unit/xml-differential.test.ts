import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseRequestBody, type XmlElement } from '../../src/xml.js';
import { Random } from '../fuzz/random.js';

/**
 * The request reader replaced fast-xml-parser; on well-formed documents both must read the same
 * tree. fast-xml-parser stays a devDependency as this oracle.
 */
const oracle = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: true,
  cdataPropName: false as unknown as string,
});

type OrderedNode = Record<string, unknown>;

function oracleTree(nodes: readonly OrderedNode[]): { elements: XmlElement[]; text: string } {
  const elements: XmlElement[] = [];
  let text = '';
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '#text') text += String(value);
      else if (key !== ':@') {
        const inner = oracleTree(value as OrderedNode[]);
        elements.push({ name: key, children: inner.elements, text: inner.text });
      }
    }
  }
  return { elements, text };
}

const NAMES = ['Request', 'Tag', 'Name', 'Video', 'Codec', 'A', 'b_c', 'x.y', 'ns:el', '中文'];
const TEXTS = ['', 'plain', ' spaced ', '模板', '&amp;', '&lt;&gt;', '&#x41;&#66;', 'a&quot;b&apos;c', '\n\t', '😀'];

function randomElement(random: Random, depth: number): string {
  const name = random.pick(NAMES);
  const attributes = random.chance(0.3) ? ` attr="${random.pick(['1', 'a b', '&amp;', "'"])}"` : '';
  if (depth > 4 || random.chance(0.2)) return `<${name}${attributes}/>`;
  let content = '';
  const parts = random.int(0, 4);
  for (let i = 0; i < parts; i++) {
    const kind = random.int(0, 9);
    if (kind < 4) content += randomElement(random, depth + 1);
    else if (kind < 7) content += random.pick(TEXTS);
    else if (kind < 8) content += `<![CDATA[${random.pick(['x', '<&>', ''])}]]>`;
    else if (kind < 9) content += '<!-- note -->';
    else content += '<?pi x?>';
  }
  return `<${name}${attributes}>${content}</${name}>`;
}

describe('the request reader agrees with fast-xml-parser on well-formed XML', () => {
  const random = new Random(20261126);
  const documents = Array.from(
    { length: 400 },
    () => `${random.chance(0.5) ? '<?xml version="1.0"?>\n' : ''}<Request>${randomElement(random, 1)}${random.pick(TEXTS)}</Request>`,
  );

  it.each(documents.map((document, index) => [index, document] as const))('document %i', (_index, document) => {
    const expected = oracleTree(oracle.parse(document) as OrderedNode[]).elements[0];
    expect(parseRequestBody(Buffer.from(document))).toEqual(expected);
  });
});
