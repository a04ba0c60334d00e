import { escapeXml } from '../xml-escape.js';
import { isGroupValue, type Fields, type GroupValue, type TemplateKind } from './schema.js';

/** The kind's part of a `<Template>` element, in declaration order. */
export function renderKindData(kind: TemplateKind, data: GroupValue): string {
  const inner = renderGroup(kind.fields, data);
  return kind.responseContainer === undefined ? inner : `<${kind.responseContainer}>${inner}</${kind.responseContainer}>`;
}

function renderGroup(fields: Fields, data: GroupValue): string {
  let xml = '';
  for (const [name, field] of Object.entries(fields)) {
    const value = data[name];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      xml += `<${name}>${escapeXml(value)}</${name}>`;
    } else if (field.type === 'group') {
      const items = isGroupValue(value) ? [value] : value;
      for (const item of items) xml += `<${name}>${renderGroup(field.fields, item)}</${name}>`;
    }
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
