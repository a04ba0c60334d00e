import { invalidArgument } from '../errors.js';
import type { XmlElement } from '../xml.js';
import type { Bound, Fields, GroupField, GroupValue, LeafField, TemplateKind } from './schema.js';

/**
 * Reads the elements of a request against a kind's declaration and answers the normalised
 * data, or throws InvalidArgument naming the field by its path (`Video.Codec`).
 */
export function validateKindData(kind: TemplateKind, elements: readonly XmlElement[]): GroupValue {
  const data = readGroup(kind.fields, elements, '', kind.fillDefaults) ?? {};
  for (const rule of kind.rules ?? []) {
    const broken = rule(data);
    if (broken !== undefined) throw invalidArgument(broken);
  }
  return data;
}

/** Answers undefined when the client set no field of the group (defaults do not count). */
function readGroup(
  fields: Fields,
  elements: readonly XmlElement[],
  prefix: string,
  fillDefaults: boolean,
): GroupValue | undefined {
  const byName = groupByName(fields, elements, prefix);
  const data: Record<string, GroupValue[keyof GroupValue]> = {};
  let setByClient = false;
  for (const [name, field] of Object.entries(fields)) {
    const path = prefix + name;
    const found = byName.get(name) ?? [];
    if (field.type === 'group') {
      const value = readGroupField(field, found, path, fillDefaults);
      if (value === undefined) continue;
      data[name] = value;
      setByClient = true;
      continue;
    }
    const element = found[0];
    const value = readLeafField(field, element, path, fillDefaults);
    if (value === undefined) continue;
    data[name] = value;
    setByClient ||= element !== undefined && !isUnset(field, element.text);
  }
  return setByClient ? data : undefined;
}

function groupByName(fields: Fields, elements: readonly XmlElement[], prefix: string): Map<string, XmlElement[]> {
  const byName = new Map<string, XmlElement[]>();
  for (const element of elements) {
    const field = Object.hasOwn(fields, element.name) ? fields[element.name] : undefined;
    const path = prefix + element.name;
    if (field === undefined) throw invalidArgument(`${path} is not an element this template kind accepts.`);
    const seen = byName.get(element.name);
    if (seen === undefined) {
      byName.set(element.name, [element]);
      continue;
    }
    if (field.type !== 'group' || field.repeated === undefined) throw invalidArgument(`${path} is given more than once.`);
    seen.push(element);
  }
  return byName;
}

function readGroupField(
  field: GroupField,
  found: readonly XmlElement[],
  path: string,
  fillDefaults: boolean,
): GroupValue | readonly GroupValue[] | undefined {
  const items: GroupValue[] = [];
  for (const element of found) {
    if (element.text.trim() !== '') throw invalidArgument(`${path} must contain elements, not text.`);
    const item = readGroup(field.fields, element.children, `${path}.`, fillDefaults);
    if (item === undefined) {
      if (field.nonEmpty) throw invalidArgument(`${path} must set at least one of its fields; all of them are empty.`);
      continue;
    }
    items.push(item);
  }
  if (items.length === 0) {
    if (field.required) throw invalidArgument(`${path} is required.`);
    return undefined;
  }
  if (field.repeated === undefined) return items[0];
  const { min = 0, max = Infinity } = field.repeated;
  if (items.length < min) throw invalidArgument(`${path} must be given at least ${min} times.`);
  if (items.length > max) throw invalidArgument(`${path} may be given at most ${max} times; got ${items.length}.`);
  return items;
}

function readLeafField(
  field: LeafField,
  element: XmlElement | undefined,
  path: string,
  fillDefaults: boolean,
): string | undefined {
  if (element !== undefined && element.children.length > 0) {
    throw invalidArgument(`${path} must be a value, not a container.`);
  }
  const text = element?.text;
  if (text === undefined || isUnset(field, text)) {
    if (field.required) throw invalidArgument(`${path} is required.`);
    return fillDefaults ? field.default : undefined;
  }
  return checkLeaf(field, text, path);
}

const isUnset = (field: LeafField, text: string): boolean => text === '' || (field.unsetValues?.includes(text) ?? false);

const INTEGER = /^-?\d{1,16}$/;
const DECIMAL = /^-?\d{1,16}(?:\.\d{1,9})?$/;
const FRACTION = /^\d{1,9}\/[1-9]\d{0,8}$/;

/** Answers the normalised value. */
export function checkLeaf(field: LeafField, text: string, path: string): string {
  switch (field.type) {
    case 'enum':
      if (field.values.includes(text)) return text;
      throw invalidArgument(`${path} must be one of ${field.values.join(', ')}; got "${text}".`);
    case 'bool':
      if (text === 'true' || text === 'false') return text;
      throw invalidArgument(`${path} must be true or false; got "${text}".`);
    case 'int': {
      if (field.words?.includes(text)) return text;
      if (!INTEGER.test(text)) throw invalidArgument(`${path} must be an integer${wordsHint(field.words)}; got "${text}".`);
      const value = Number(text);
      checkRange(value, field.min, field.max, path, text);
      if (field.even && value % 2 !== 0) throw invalidArgument(`${path} must be an even number; got "${text}".`);
      return String(value);
    }
    case 'number': {
      if (field.words?.includes(text)) return text;
      if (field.fraction && FRACTION.test(text)) {
        const [numerator = 0, denominator = 1] = text.split('/').map(Number);
        checkRange(numerator / denominator, field.min, field.max, path, text);
        return text;
      }
      if (!DECIMAL.test(text)) throw invalidArgument(`${path} must be a number${wordsHint(field.words)}; got "${text}".`);
      const value = Number(text);
      checkRange(value, field.min, field.max, path, text);
      return String(value);
    }
    case 'string':
      if (field.maxLength !== undefined && [...text].length > field.maxLength) {
        throw invalidArgument(`${path} must be at most ${field.maxLength} characters long.`);
      }
      if (field.pattern !== undefined && !field.pattern.test(text)) {
        throw invalidArgument(`${path} ${field.patternHint ?? 'has a value the docs do not allow'}; got "${text}".`);
      }
      return text;
  }
}

const wordsHint = (words: readonly string[] | undefined): string =>
  words === undefined || words.length === 0 ? '' : ` or ${words.join(', ')}`;

function checkRange(value: number, min: Bound | undefined, max: Bound | undefined, path: string, text: string): void {
  if (withinLower(value, min) && withinUpper(value, max)) return;
  throw invalidArgument(`${path} must be in ${describeRange(min, max)}; got "${text}".`);
}

const boundValue = (bound: Bound): number => (typeof bound === 'number' ? bound : bound.value);
const isExclusive = (bound: Bound): boolean => typeof bound !== 'number';

function withinLower(value: number, min: Bound | undefined): boolean {
  if (min === undefined) return true;
  return isExclusive(min) ? value > boundValue(min) : value >= boundValue(min);
}

function withinUpper(value: number, max: Bound | undefined): boolean {
  if (max === undefined) return true;
  return isExclusive(max) ? value < boundValue(max) : value <= boundValue(max);
}

export function describeRange(min: Bound | undefined, max: Bound | undefined): string {
  const open = min === undefined ? '(-∞' : `${isExclusive(min) ? '(' : '['}${boundValue(min)}`;
  const close = max === undefined ? '∞)' : `${boundValue(max)}${isExclusive(max) ? ')' : ']'}`;
  return `${open}, ${close}`;
}
