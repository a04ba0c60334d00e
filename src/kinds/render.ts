import { escapeXml } from '../xml-escape.js';
import { isGroupValue, type Fields, type GroupValue, type TemplateKind } from './schema.js';

/** The kind's part of a `<Template>` element, in declaration order. */
export function renderKindData(kind: TemplateKind, data: GroupValue): string {
  let xml = '';
  if (kind.responseLeaves !== undefined) {
    for (const [name, value] of Object.entries(kind.responseLeaves)) xml += `<${name}>${escapeXml(value)}</${name}>`;
  }
  const inner = renderFields(kind.fields, data);
  return kind.responseContainer === undefined ? xml + inner : `${xml}<${kind.responseContainer}>${inner}</${kind.responseContainer}>`;
}

/** Declared fields of `data`, in declaration order; what the declaration lacks is not rendered. */
export function renderFields(fields: Fields, data: GroupValue): string {
  let xml = '';
  for (const name in fields) {
    const value = data[name];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      xml += `<${name}>${escapeXml(value)}</${name}>`;
      continue;
    }
    const field = fields[name];
    if (field === undefined) continue;
    if (isGroupValue(value)) {
      if (field.type === 'group') xml += `<${name}>${renderFields(field.fields, value)}</${name}>`;
      continue;
    }
    for (const item of value) {
      if (typeof item === 'string') xml += `<${name}>${escapeXml(item)}</${name}>`;
      else if (field.type === 'group') xml += `<${name}>${renderFields(field.fields, item)}</${name}>`;
    }
  }
  return xml;
}

/** Data of a Tag no declaration describes any more (a kind removed from the catalog): rendered as stored. */
export function renderUnknownKindData(data: GroupValue): string {
  let xml = '';
  for (const [name, value] of Object.entries(data)) {
    for (const item of typeof value === 'string' || isGroupValue(value) ? [value] : value) {
      xml += `<${name}>${typeof item === 'string' ? escapeXml(item) : renderUnknownKindData(item)}</${name}>`;
    }
  }
  return xml;
}
