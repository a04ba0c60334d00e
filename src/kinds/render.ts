import { escapeXml } from '../xml-escape.js';
import { isGroupValue, type Fields, type GroupValue, type TemplateKind } from './schema.js';

/** The kind's part of a `<Template>` element, in declaration order. */
export function renderKindData(kind: TemplateKind, data: GroupValue): string {
  let xml = '';
  if (kind.responseLeaves !== undefined) {
    for (const [name, value] of Object.entries(kind.responseLeaves)) xml += `<${name}>${escapeXml(value)}</${name}>`;
  }
  const inner = renderGroup(kind.fields, data);
  return kind.responseContainer === undefined ? xml + inner : `${xml}<${kind.responseContainer}>${inner}</${kind.responseContainer}>`;
}

function renderGroup(fields: Fields, data: GroupValue): string {
  let xml = '';
  for (const name in fields) {
    const value = data[name];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      xml += `<${name}>${escapeXml(value)}</${name}>`;
      continue;
    }
    const field = fields[name];
    if (field?.type !== 'group') continue;
    if (isGroupValue(value)) xml += `<${name}>${renderGroup(field.fields, value)}</${name}>`;
    else for (const item of value) xml += `<${name}>${renderGroup(field.fields, item)}</${name}>`;
  }
  return xml;
}

/** Data of a Tag no declaration describes any more (a kind removed from the catalog): rendered as stored. */
export function renderUnknownKindData(data: GroupValue): string {
  let xml = '';
  for (const [name, value] of Object.entries(data)) {
    if (typeof value === 'string') xml += `<${name}>${escapeXml(value)}</${name}>`;
    else for (const item of isGroupValue(value) ? [value] : value) xml += `<${name}>${renderUnknownKindData(item)}</${name}>`;
  }
  return xml;
}
