import { invalidArgument } from '../errors.js';
import type { XmlElement } from '../xml.js';
import {
  isGroupValue,
  type Bound,
  type Condition,
  type Fields,
  type GroupField,
  type GroupValue,
  type LeafField,
  type Rule,
  type TemplateKind,
  leniencyHolds,
} from './schema.js';

/**
 * How a body is read. The default mode reads it as a service that binds XML to typed structs
 * would: unknown elements are ignored, the last of a repeated element wins, enum values compare
 * without regard to case, and rules between fields are stored as given. `strict` (CIE_STRICT,
 * and every seed file) keeps the docs to the letter and refuses all of those.
 */
export interface ReadMode {
  readonly strict: boolean;
}

export const STRICT: ReadMode = { strict: true };
export const LENIENT: ReadMode = { strict: false };

/** What the default mode let through that strict mode refuses: for the journal and the log. */
export interface BodyNotes {
  /** Paths of elements the kind does not know (`ConcatTemplate.Foo`): not stored, not echoed. */
  readonly ignored: readonly string[];
  /** Paths of elements given more than once: the last one was kept. */
  readonly repeated: readonly string[];
}

export interface KindData {
  readonly data: GroupValue;
  readonly notes: BodyNotes;
}

/** Paths noted per request, at most: a hostile body repeats one unknown element thousands of times. */
export const NOTES_LIMIT = 100;

/** The notes of one read: distinct paths, in the order first met. */
export class NoteTaker implements BodyNotes {
  readonly #ignored = new Set<string>();
  readonly #repeated = new Set<string>();

  ignore(path: string): void {
    if (this.#ignored.size < NOTES_LIMIT) this.#ignored.add(path);
  }

  repeat(path: string): void {
    if (this.#repeated.size < NOTES_LIMIT) this.#repeated.add(path);
  }

  get ignored(): readonly string[] {
    return [...this.#ignored];
  }

  get repeated(): readonly string[] {
    return [...this.#repeated];
  }
}

interface Reading {
  readonly strict: boolean;
  readonly fillDefaults: boolean;
  readonly notes: NoteTaker;
}

/**
 * Reads the elements of a request against a kind's declaration and answers the normalised
 * data, or throws InvalidArgument naming the field by its path (`Video.Codec`). The rules
 * between fields are checked in strict mode only.
 */
export function validateKindData(kind: TemplateKind, elements: readonly XmlElement[], mode: ReadMode, notes = new NoteTaker()): KindData {
  const read = readKindFields(kind, elements, mode, notes);
  if (mode.strict) {
    for (const rule of kind.rules ?? []) {
      const broken = brokenRule(rule, read.data);
      if (broken !== undefined) throw invalidArgument(broken);
    }
  }
  return read;
}

/** The first half of validateKindData: each element against its field, without the combination rules. */
export function readKindFields(kind: TemplateKind, elements: readonly XmlElement[], mode: ReadMode, notes = new NoteTaker()): KindData {
  const reading: Reading = { strict: mode.strict, fillDefaults: kind.fillDefaults, notes };
  return { data: readGroup(kind.fields, elements, '', reading) ?? {}, notes };
}

/** Answers undefined when the client set no field of the group (defaults do not count). */
function readGroup(fields: Fields, elements: readonly XmlElement[], prefix: string, reading: Reading): GroupValue | undefined {
  const byName = groupByName(fields, elements, prefix, reading);
  const data: Record<string, GroupValue[keyof GroupValue]> = {};
  let setByClient = false;
  for (const [name, field] of Object.entries(fields)) {
    const path = prefix + name;
    const found = byName?.get(name);
    if (field.type === 'group') {
      const value = readGroupField(field, found ?? NONE, path, reading);
      if (value === undefined) continue;
      data[name] = value;
      setByClient = true;
      continue;
    }
    if (field.repeated !== undefined) {
      const values = readRepeatedLeaf(field, found ?? NONE, path, reading);
      if (values === undefined) continue;
      data[name] = values;
      setByClient = true;
      continue;
    }
    const element = found?.[0];
    const value = readLeafField(field, element, path, reading);
    if (value === undefined) continue;
    data[name] = value;
    setByClient ||= element !== undefined && !isUnset(field, element.text);
  }
  return setByClient ? data : undefined;
}

const NONE: readonly XmlElement[] = [];

/** Answers undefined for a group sent with no children at all. */
function groupByName(fields: Fields, elements: readonly XmlElement[], prefix: string, reading: Reading): Map<string, XmlElement[]> | undefined {
  if (elements.length === 0) return undefined;
  const byName = new Map<string, XmlElement[]>();
  for (const element of elements) {
    const field = Object.hasOwn(fields, element.name) ? fields[element.name] : undefined;
    if (field === undefined) {
      if (reading.strict) throw invalidArgument(`${prefix}${element.name} is not an element this template kind accepts.`);
      reading.notes.ignore(prefix + element.name);
      continue;
    }
    const seen = byName.get(element.name);
    if (seen === undefined) {
      byName.set(element.name, [element]);
      continue;
    }
    if (field.repeated !== undefined) {
      seen.push(element);
      continue;
    }
    if (reading.strict) throw invalidArgument(`${prefix}${element.name} is given more than once.`);
    reading.notes.repeat(prefix + element.name);
    byName.set(element.name, [element]);
  }
  return byName;
}

const EMPTY_GROUP: GroupValue = Object.freeze({});

function readGroupField(field: GroupField, found: readonly XmlElement[], path: string, reading: Reading): GroupValue | readonly GroupValue[] | undefined {
  const items: GroupValue[] = [];
  const max = field.repeated?.max ?? Infinity;
  for (const [index, element] of found.entries()) {
    // A struct-binding service takes a container's elements and drops stray text.
    if (reading.strict && element.text.trim() !== '') throw invalidArgument(`${path} must contain elements, not text.`);
    const item = readGroup(field.fields, element.children, `${path}.`, reading);
    if (item === undefined) {
      if (field.nonEmpty) throw invalidArgument(`${path} must set at least one of its fields; all of them are empty.`);
      if (!field.allowEmpty) continue;
    }
    items.push(item ?? EMPTY_GROUP);
    // Past the maximum the answer is known: the rest (up to the element limit, 10,000) is not read.
    if (items.length > max) throw invalidArgument(`${path} may be given at most ${max} times; got ${items.length + found.length - index - 1}.`);
  }
  if (items.length === 0) {
    if (field.required) throw invalidArgument(`${path} is required.`);
    return undefined;
  }
  if (field.repeated === undefined) return items[0];
  const { min = 0 } = field.repeated;
  if (items.length < min) throw invalidArgument(`${path} must be given at least ${min} times; got ${items.length}.`);
  return items;
}

function readLeafField(field: LeafField, element: XmlElement | undefined, path: string, reading: Reading): string | undefined {
  if (element !== undefined && element.children.length > 0) {
    if (reading.strict) throw invalidArgument(`${path} must be a value, not a container.`);
    // A struct-binding service reads a value's text and drops elements inside it.
    for (const child of element.children) reading.notes.ignore(`${path}.${child.name}`);
  }
  const text = element?.text;
  const lenient = leniencyHolds(field.lenient, reading.strict) ? field.lenient : undefined;
  if (text === undefined || isUnset(field, text)) {
    if (field.required && lenient?.mayBeAbsent !== true) throw invalidArgument(`${path} is required.`);
    return reading.fillDefaults ? field.default : undefined;
  }
  if (lenient?.accepts?.includes(text)) return text;
  return checkLeaf(field, text, path, reading.strict);
}

/** The values of a repeated leaf, empty ones skipped; undefined when none is set. */
function readRepeatedLeaf(field: LeafField, found: readonly XmlElement[], path: string, reading: Reading): readonly string[] | undefined {
  const values = found
    .map((element) => readLeafField({ ...field, required: false }, element, path, reading))
    .filter((value): value is string => value !== undefined);
  if (values.length === 0) {
    if (field.required) throw invalidArgument(`${path} is required.`);
    return undefined;
  }
  const max = field.repeated?.max ?? Infinity;
  if (values.length > max) throw invalidArgument(`${path} may be given at most ${max} times; got ${values.length}.`);
  return values;
}

const isUnset = (field: LeafField, text: string): boolean => text === '' || (field.unsetValues?.includes(text) ?? false);

const INTEGER = /^-?\d{1,16}$/;
const DECIMAL = /^-?\d{1,16}(?:\.\d{1,9})?$/;
const FRACTION = /^\d{1,9}\/[1-9]\d{0,8}$/;

/**
 * Answers the normalised value. Outside strict mode, enum values and booleans compare without
 * regard to case and are kept as sent (`h.264` is stored and echoed as `h.264`).
 */
export function checkLeaf(field: LeafField, text: string, path: string, strict: boolean): string {
  switch (field.type) {
    case 'enum':
      if (field.values.includes(text) || (!strict && includesIgnoringCase(field.values, text))) return text;
      throw invalidArgument(`${path} must be one of ${field.values.join(', ')}; got "${text}".`);
    case 'bool':
      if (text === 'true' || text === 'false' || (!strict && includesIgnoringCase(BOOLEANS, text))) return text;
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
        checkRange(numericValue(text), field.min, field.max, path, text);
        return text;
      }
      if (!DECIMAL.test(text)) throw invalidArgument(`${path} must be a number${fractionHint(field)}${wordsHint(field.words)}; got "${text}".`);
      const value = Number(text);
      checkRange(value, field.min, field.max, path, text);
      return String(value);
    }
    case 'string':
      if (field.maxLength !== undefined && [...text].length > field.maxLength) {
        throw invalidArgument(`${path} must be at most ${field.maxLength} characters long.`);
      }
      if (field.pattern !== undefined && !field.pattern.test(text)) {
        const like = field.sample === undefined ? '' : ` (like "${field.sample}")`;
        throw invalidArgument(`${path} ${field.patternHint ?? 'has a value the docs do not allow'}${like}; got "${text}".`);
      }
      return text;
  }
}

const BOOLEANS = ['true', 'false'];

function includesIgnoringCase(values: readonly string[], text: string): boolean {
  const lower = text.toLowerCase();
  return values.some((value) => value.toLowerCase() === lower);
}

/** A stored number: a decimal, or a `30000/1001` fraction. */
export function numericValue(text: string): number {
  const slash = text.indexOf('/');
  if (slash < 0) return Number(text);
  return Number(text.slice(0, slash)) / Number(text.slice(slash + 1));
}

const wordsHint = (words: readonly string[] | undefined): string => (words === undefined || words.length === 0 ? '' : ` or ${words.join(', ')}`);

const fractionHint = (field: { readonly fraction?: boolean }): string => (field.fraction ? ' or a fraction like 30000/1001' : '');

function checkRange(value: number, min: Bound | undefined, max: Bound | undefined, path: string, text: string): void {
  if (inRange(value, min, max)) return;
  throw invalidArgument(`${path} must be in ${describeRange(min, max)}; got "${text}".`);
}

export const boundValue = (bound: Bound): number => (typeof bound === 'number' ? bound : bound.value);
export const isExclusive = (bound: Bound): boolean => typeof bound !== 'number';

export function inRange(value: number, min: Bound | undefined, max: Bound | undefined): boolean {
  if (min !== undefined && (isExclusive(min) ? value <= boundValue(min) : value < boundValue(min))) return false;
  if (max !== undefined && (isExclusive(max) ? value >= boundValue(max) : value > boundValue(max))) return false;
  return true;
}

export function describeRange(min: Bound | undefined, max: Bound | undefined): string {
  const open = min === undefined ? '(-∞' : `${isExclusive(min) ? '(' : '['}${boundValue(min)}`;
  const close = max === undefined ? '∞)' : `${boundValue(max)}${isExclusive(max) ? ')' : ']'}`;
  return `${open}, ${close}`;
}

// ---- combination rules -------------------------------------------------------------------

/** Paths split once: rules are evaluated on every request and their paths never change. */
const segmentsCache = new Map<string, readonly string[]>();
function segmentsOf(path: string): readonly string[] {
  let segments = segmentsCache.get(path);
  if (segments === undefined) {
    segments = path.split('.');
    segmentsCache.set(path, segments);
  }
  return segments;
}

/** What is at a data path: a value, a container (`true`), or nothing. */
function lookUp(data: GroupValue, path: string): string | true | undefined {
  let current: GroupValue = data;
  const segments = segmentsOf(path);
  for (let index = 0; index < segments.length; index++) {
    const value = current[segments[index]!];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return index === segments.length - 1 ? value : undefined;
    if (index === segments.length - 1) return true;
    // Rules never go through a repeated element (defineKind checks it).
    if (!isGroupValue(value)) return undefined;
    current = value;
  }
  return undefined;
}

function holds(condition: Condition, data: GroupValue): boolean {
  const value = lookUp(data, condition.path);
  if ('present' in condition) return value !== undefined;
  const matches = typeof value === 'string' && ('is' in condition ? condition.is : condition.isNot).includes(value);
  return 'is' in condition ? matches : !matches;
}

/** The rule's message when the data breaks it, else undefined. */
export function brokenRule(rule: Rule, data: GroupValue): string | undefined {
  for (const condition of rule.when) if (!holds(condition, data)) return undefined;
  switch (rule.type) {
    case 'requireSome': {
      for (const path of rule.paths) {
        const value = lookUp(data, path);
        if (value !== undefined && (rule.equals === undefined || value === rule.equals)) return undefined;
      }
      return requireSomeMessage(rule);
    }
    case 'allowedValues': {
      const value = lookUp(data, rule.path);
      if (value === undefined) return undefined;
      if (rule.values.length === 0) return `${rule.path} must not be given${whenClause(rule.when)}.`;
      if (typeof value === 'string' && rule.values.includes(value)) return undefined;
      return `${rule.path} must be ${oneOf(rule.values)}${whenClause(rule.when)}; got "${typeof value === 'string' ? value : 'a container'}".`;
    }
    case 'range': {
      const value = lookUp(data, rule.path);
      if (typeof value !== 'string' || inRange(numericValue(value), rule.min, rule.max)) return undefined;
      return `${rule.path} must be in ${describeRange(rule.min, rule.max)}${whenClause(rule.when)}; got "${value}".`;
    }
  }
}

function requireSomeMessage(rule: Extract<Rule, { type: 'requireSome' }>): string {
  const [only] = rule.paths;
  if (rule.paths.length === 1 && only !== undefined) {
    return rule.equals === undefined ? `${only} is required${whenClause(rule.when)}.` : `${only} must be ${rule.equals}${whenClause(rule.when)}.`;
  }
  const what = rule.equals === undefined ? 'must be given' : `must be ${rule.equals}`;
  return `At least one of ${rule.paths.join(', ')} ${what}${whenClause(rule.when)}.`;
}

const oneOf = (values: readonly string[]): string => (values.length === 1 ? String(values[0]) : `one of ${values.join(', ')}`);

function whenClause(conditions: readonly Condition[]): string {
  if (conditions.length === 0) return '';
  const parts = conditions.map((condition) => {
    if ('present' in condition) return `${condition.path} is given`;
    if ('is' in condition) return `${condition.path} is ${condition.is.join(' or ')}`;
    return `${condition.path} is not ${condition.isNot.join(' or ')}`;
  });
  return ` when ${parts.join(' and ')}`;
}
