import { CiError } from '../src/errors.js';
import {
  fieldAt,
  isGroupValue,
  leniencyHolds,
  type Bound,
  type Condition,
  type Field,
  type Fields,
  type GroupField,
  type GroupValue,
  type LeafField,
  type Rule,
  type TemplateKind,
} from '../src/kinds/schema.js';
import { boundValue, inRange, isExclusive, readKindFields, STRICT, validateKindData, type BodyNotes, type ReadMode } from '../src/kinds/validate.js';
import { parseRequestBody, type XmlElement } from '../src/xml.js';

/**
 * Test cases generated from the kind declarations: a kind's doc example as an editable element
 * tree, values set or removed at data paths (`Video.Codec`), and for each field and rule the
 * values that must be accepted and refused. Nothing here knows a Tag.
 */

/** An editable copy of request elements; structurally an XmlElement. */
export interface Node {
  name: string;
  text: string;
  children: Node[];
}

const toNode = (element: XmlElement): Node => ({ name: element.name, text: element.text, children: element.children.map(toNode) });

/** The kind's elements of its doc example: the children of `<Request>` but Tag, Name and TemplateId. */
export function exampleNodes(kind: TemplateKind): Node[] {
  return parseRequestBody(Buffer.from(kind.example))
    .children.filter((child) => !['Tag', 'Name', 'TemplateId'].includes(child.name))
    .map(toNode);
}

export const cloneNodes = (nodes: readonly Node[]): Node[] => structuredClone(nodes as Node[]);

// ---- walking the declarations ------------------------------------------------------------------

/** The element a kind's data is answered in: its declared one, or the one container its requests send. */
export function answerContainer(kind: TemplateKind): string {
  if (kind.responseContainer !== undefined) return kind.responseContainer;
  const [only, ...more] = Object.keys(kind.fields);
  if (only === undefined || more.length > 0) throw new Error(`${kind.tag} puts fields at the root but declares no responseContainer`);
  return only;
}

export interface FieldAtPath {
  readonly path: string;
  readonly field: Field;
}

/** Every field of a kind, depth first, with its data path. */
export function allFields(fields: Fields, prefix = ''): FieldAtPath[] {
  return Object.entries(fields).flatMap(([name, field]) => {
    const path = prefix + name;
    return field.type === 'group' ? [{ path, field }, ...allFields(field.fields, `${path}.`)] : [{ path, field }];
  });
}

export const leafFields = (kind: TemplateKind): (FieldAtPath & { readonly field: LeafField })[] =>
  allFields(kind.fields).filter((entry): entry is FieldAtPath & { readonly field: LeafField } => entry.field.type !== 'group');

export const groupFields = (kind: TemplateKind): (FieldAtPath & { readonly field: GroupField })[] =>
  allFields(kind.fields).filter((entry): entry is FieldAtPath & { readonly field: GroupField } => entry.field.type === 'group');

function declared(kind: TemplateKind, path: string): Field {
  const field = fieldAt(kind.fields, path);
  if (field === undefined) throw new Error(`${kind.tag} declares no ${path}`);
  return field;
}

// ---- values ------------------------------------------------------------------------------------

const stepOf = (field: LeafField): number => (field.type === 'int' ? 1 : 0.001);
/** Numbers written as a client would: no floating-point noise. */
const written = (value: number): string => String(Number(value.toFixed(3)));

/** A value the field takes on its own, for elements a case needs but does not test. */
export function sampleValue(field: LeafField): string {
  if (field.default !== undefined) return field.default;
  switch (field.type) {
    case 'enum':
      return field.values[0] ?? '';
    case 'bool':
      return 'true';
    case 'string':
      return field.sample ?? 'x';
    case 'int':
    case 'number': {
      const step = stepOf(field);
      let value =
        field.min !== undefined
          ? boundValue(field.min) + (isExclusive(field.min) ? step : 0)
          : field.max !== undefined
            ? boundValue(field.max) - (isExclusive(field.max) ? step : 0)
            : 1;
      if (field.type === 'int' && field.even && value % 2 !== 0) value += 1;
      return written(value);
    }
  }
}

export interface AcceptedValue {
  readonly what: string;
  readonly value: string;
  /** What is stored; undefined = the value means "not set". */
  readonly stored: string | undefined;
}

export interface RefusedValue {
  readonly what: string;
  readonly value: string;
}

/** The lowest and highest values inside a range, `undefined` where it is open. */
export function rangeEnds(
  field: LeafField,
  min: Bound | undefined,
  max: Bound | undefined,
): { low?: string; high?: string; belowLow?: string; aboveHigh?: string } {
  const step = field.type === 'int' && field.even ? 2 : stepOf(field);
  const ends: { low?: string; high?: string; belowLow?: string; aboveHigh?: string } = {};
  if (min !== undefined) {
    ends.low = written(boundValue(min) + (isExclusive(min) ? stepOf(field) : 0));
    ends.belowLow = written(isExclusive(min) ? boundValue(min) : boundValue(min) - step);
  }
  if (max !== undefined) {
    ends.high = written(boundValue(max) - (isExclusive(max) ? stepOf(field) : 0));
    ends.aboveHigh = written(isExclusive(max) ? boundValue(max) : boundValue(max) + step);
  }
  return ends;
}

/** Every enum value, both ends of the range, the words; what the table allows. */
export function acceptedValues(field: LeafField): AcceptedValue[] {
  switch (field.type) {
    case 'enum':
      return field.values.map((value) => ({ what: 'an enum value', value, stored: value }));
    case 'bool':
      return ['true', 'false'].map((value) => ({ what: 'a boolean', value, stored: value }));
    case 'string': {
      const value = field.sample ?? 'x';
      const accepted: AcceptedValue[] = [{ what: 'a string', value, stored: value }];
      if (field.maxLength !== undefined)
        accepted.push({ what: `${field.maxLength} characters`, value: '模'.repeat(field.maxLength), stored: '模'.repeat(field.maxLength) });
      return accepted;
    }
    case 'int':
    case 'number': {
      const { low, high } = rangeEnds(field, field.min, field.max);
      const accepted: AcceptedValue[] = [];
      if (low !== undefined) accepted.push({ what: 'the low end of the range', value: low, stored: low });
      if (high !== undefined) accepted.push({ what: 'the high end of the range', value: high, stored: high });
      if (low === undefined && high === undefined) accepted.push({ what: 'a number', value: '7', stored: '7' });
      if (field.type === 'int') {
        const inside = low ?? high ?? '7';
        if (!inside.startsWith('-') && inside !== '0') accepted.push({ what: 'leading zeros, stored without', value: `00${inside}`, stored: inside });
      }
      if (field.type === 'number' && field.fraction) accepted.push({ what: 'a fraction', value: '30000/1001', stored: '30000/1001' });
      for (const word of field.words ?? []) accepted.push({ what: 'a word', value: word, stored: word });
      return accepted;
    }
  }
}

/**
 * A value just outside the enum, one past each end of the range, an odd number where even is
 * due; outside strict mode a value in another case is no longer outside the enum. Values a
 * leniency of the mode accepts, or that mean "not set", are not refusals.
 */
export function refusedValues(field: LeafField, strict = true): RefusedValue[] {
  const lenient = leniencyHolds(field.lenient, strict) ? field.lenient : undefined;
  const accepted = new Set([...(lenient?.accepts ?? []), ...(field.unsetValues ?? [])]);
  return refusedByTable(field, strict).filter(({ value }) => !accepted.has(value));
}

function refusedByTable(field: LeafField, strict: boolean): RefusedValue[] {
  switch (field.type) {
    case 'enum':
      return [{ what: 'a value outside the enum', value: outsideEnum(field.values, strict) }];
    case 'bool':
      return [...(strict ? [{ what: 'a capitalised boolean', value: 'True' }] : []), { what: 'a digit for a boolean', value: '1' }];
    case 'string': {
      const refused: RefusedValue[] = [];
      if (field.maxLength !== undefined) refused.push({ what: 'one character too many', value: '模'.repeat(field.maxLength + 1) });
      if (field.pattern !== undefined) refused.push({ what: 'a value outside the pattern', value: 'a b' });
      return refused;
    }
    case 'int':
    case 'number': {
      const { low, high, belowLow, aboveHigh } = rangeEnds(field, field.min, field.max);
      const refused: RefusedValue[] = [{ what: 'not a number', value: 'abc' }];
      if (belowLow !== undefined) refused.push({ what: 'just below the range', value: belowLow });
      if (aboveHigh !== undefined) refused.push({ what: 'just above the range', value: aboveHigh });
      if (field.type === 'int') refused.push({ what: 'a decimal', value: '1.5' });
      if (field.type === 'int' && field.even) refused.push({ what: 'an odd number inside the range', value: written(Number(low ?? high ?? '0') + 1) });
      return refused;
    }
  }
}

/** A near miss: the first value in another case (strict mode only), or past the largest of a numeric enum. */
function outsideEnum(values: readonly string[], strict: boolean): string {
  if (values.every((value) => /^\d+$/.test(value))) return String(Math.max(...values.map(Number)) + 1);
  const first = values[0] ?? '';
  const lower = values.map((value) => value.toLowerCase());
  const candidates = strict ? [first.toUpperCase(), first.toLowerCase(), `${first}x`] : [`${first}x`, `${first}xx`];
  return candidates.find((candidate) => (strict ? !values.includes(candidate) : !lower.includes(candidate.toLowerCase()))) ?? `${first}x`;
}

/** The first value of an enum (or a boolean) written in another case, when there is one. */
export function otherCase(field: LeafField): string | undefined {
  const values = field.type === 'enum' ? field.values : field.type === 'bool' ? ['true', 'false'] : [];
  for (const value of values) {
    const variant = value === value.toUpperCase() ? value.toLowerCase() : value.toUpperCase();
    if (!values.includes(variant)) return variant;
  }
  return undefined;
}

/** Whether the field must be given in the mode: required, and no leniency of the mode lets it be left out. */
export const mustBeGiven = (field: Field, strict: boolean): boolean =>
  field.required === true && !(leniencyHolds(field.lenient, strict) && field.lenient.mayBeAbsent === true);

// ---- editing trees at data paths ---------------------------------------------------------------

/** The children a new group gets: its required fields, or (when none) the first field not in `avoid`. */
function seedChildren(group: GroupField, prefix: string, avoid: ReadonlySet<string>): Node[] {
  const children: Node[] = [];
  for (const [name, field] of Object.entries(group.fields)) {
    if (field.required) children.push(seedNode(name, field, `${prefix}${name}`, avoid));
  }
  if (children.length === 0 && !group.allowEmpty) {
    const first = Object.entries(group.fields).find(([name]) => !avoid.has(prefix + name));
    if (first !== undefined) children.push(seedNode(first[0], first[1], prefix + first[0], avoid));
  }
  return children;
}

function seedNode(name: string, field: Field, path: string, avoid: ReadonlySet<string>): Node {
  return field.type === 'group' ? { name, text: '', children: seedChildren(field, `${path}.`, avoid) } : { name, text: sampleValue(field), children: [] };
}

/** The children of the group at `path` (the root for ''), created with seeded children where missing. */
export function ensureGroup(kind: TemplateKind, nodes: Node[], path: string, avoid: ReadonlySet<string> = new Set()): Node[] {
  if (path === '') return nodes;
  let fields = kind.fields;
  let children = nodes;
  let prefix = '';
  for (const name of path.split('.')) {
    const field = fields[name];
    if (field?.type !== 'group') throw new Error(`${kind.tag}: ${prefix}${name} is not a group`);
    let node = children.find((child) => child.name === name);
    if (node === undefined) {
      node = seedNode(name, field, prefix + name, avoid);
      children.push(node);
    } else if (node.children.length === 0) {
      // An empty element is "not set": give it what a new one would get.
      node.children = seedChildren(field, `${prefix}${name}.`, avoid);
    }
    prefix += `${name}.`;
    fields = field.fields;
    children = node.children;
  }
  return children;
}

const parentPath = (path: string): string => path.split('.').slice(0, -1).join('.');
const lastName = (path: string): string => path.split('.').at(-1) ?? path;

/** Sets the leaf at `path` to `value`, creating its parents. */
export function setLeaf(kind: TemplateKind, nodes: Node[], path: string, value: string): void {
  const parent = ensureGroup(kind, nodes, parentPath(path));
  const name = lastName(path);
  for (let index = parent.length - 1; index >= 0; index--) if (parent[index]!.name === name) parent.splice(index, 1);
  parent.push({ name, text: value, children: [] });
}

/** Gives the element at `path`: a leaf gets a sample value, a group its seeded children. */
export function give(kind: TemplateKind, nodes: Node[], path: string, avoid: ReadonlySet<string> = new Set()): void {
  const field = declared(kind, path);
  if (field.type === 'group') ensureGroup(kind, nodes, path, avoid);
  else setLeaf(kind, nodes, path, sampleValue(field));
}

/** Removes every element at `path`; with `keepParents`, its parents are created first. */
export function remove(kind: TemplateKind, nodes: Node[], path: string, keepParents = false): void {
  let parent: Node[] | undefined = nodes;
  if (keepParents) parent = ensureGroup(kind, nodes, parentPath(path));
  else {
    for (const name of parentPath(path) === '' ? [] : parentPath(path).split('.')) {
      parent = parent?.find((child) => child.name === name)?.children;
    }
  }
  if (parent === undefined) return;
  const name = lastName(path);
  for (let index = parent.length - 1; index >= 0; index--) if (parent[index]!.name === name) parent.splice(index, 1);
}

/** The stored value at a data path (the first item of a repeated element). */
export function storedAt(data: GroupValue, path: string): string | GroupValue | undefined {
  let current: GroupValue | undefined = data;
  let found: string | GroupValue | undefined;
  for (const name of path.split('.')) {
    if (current === undefined) return undefined;
    const value: GroupValue[string] | undefined = current[name];
    if (value === undefined) return undefined;
    found = typeof value === 'string' ? value : isGroupValue(value) ? value : value[0];
    current = typeof found === 'string' ? undefined : found;
  }
  return found;
}

// ---- running cases -----------------------------------------------------------------------------

export type Outcome =
  | { readonly accepted: true; readonly data: GroupValue; readonly notes: BodyNotes }
  | { readonly accepted: false; readonly code: string; readonly message: string };

function outcomeOf(read: () => { data: GroupValue; notes: BodyNotes }): Outcome {
  try {
    return { accepted: true, ...read() };
  } catch (error) {
    if (error instanceof CiError) return { accepted: false, code: error.code, message: error.message };
    throw error;
  }
}

/** Field validation alone: each element against its declaration, no combination rule. */
export const readFields = (kind: TemplateKind, nodes: readonly Node[], mode: ReadMode = STRICT): Outcome => outcomeOf(() => readKindFields(kind, nodes, mode));

/** The whole validation, with the kind's rules or only those given. */
export const validate = (kind: TemplateKind, nodes: readonly Node[], rules: readonly Rule[] | undefined = kind.rules, mode: ReadMode = STRICT): Outcome =>
  outcomeOf(() => validateKindData(rules === kind.rules ? kind : { ...kind, rules: rules ?? [] }, nodes, mode));

// ---- rule cases --------------------------------------------------------------------------------

export interface RuleCase {
  readonly what: string;
  readonly nodes: Node[];
  readonly accepted: boolean;
}

/** Makes a condition hold; `avoid` keeps seeded groups off the rule's own paths. */
function satisfy(kind: TemplateKind, nodes: Node[], condition: Condition, avoid: ReadonlySet<string>): void {
  if ('is' in condition) setLeaf(kind, nodes, condition.path, condition.is[0] ?? '');
  else if ('isNot' in condition) remove(kind, nodes, condition.path);
  else give(kind, nodes, condition.path, avoid);
}

/** Makes a condition fail, or answers false when the declaration leaves no way to. */
function breakCondition(kind: TemplateKind, nodes: Node[], condition: Condition): boolean {
  if ('present' in condition) {
    remove(kind, nodes, condition.path);
    return true;
  }
  if ('isNot' in condition) {
    setLeaf(kind, nodes, condition.path, condition.isNot[0] ?? '');
    return true;
  }
  const field = declared(kind, condition.path);
  const others = field.type === 'enum' ? field.values : field.type === 'bool' ? ['true', 'false'] : [];
  const other = others.find((value) => !condition.is.includes(value));
  if (other === undefined) return false;
  setLeaf(kind, nodes, condition.path, other);
  return true;
}

/**
 * The example with every condition of the rule made to hold (but the `broken` one); a
 * requireSome rule's own paths are removed first, so the conditions are met without them.
 */
function ruleContext(kind: TemplateKind, rule: Rule, broken?: number): Node[] {
  const nodes = exampleNodes(kind);
  if (rule.type === 'requireSome') for (const path of rule.paths) remove(kind, nodes, path);
  const avoid = new Set(rule.type === 'requireSome' ? rule.paths : [rule.path]);
  rule.when.forEach((condition, index) => {
    if (index !== broken) satisfy(kind, nodes, condition, avoid);
  });
  return nodes;
}

const describeCondition = (condition: Condition): string =>
  'is' in condition
    ? `${condition.path}=${condition.is.join('|')}`
    : 'isNot' in condition
      ? `${condition.path}≠${condition.isNot.join('|')}`
      : `${condition.path} given`;

export const describeRule = (rule: Rule): string => {
  const condition = rule.when.length === 0 ? '' : ` when ${rule.when.map(describeCondition).join(' and ')}`;
  switch (rule.type) {
    case 'requireSome':
      return `one of ${rule.paths.join(', ')}${rule.equals === undefined ? '' : ` = ${rule.equals}`}${condition}`;
    case 'allowedValues':
      return rule.values.length === 0 ? `no ${rule.path}${condition}` : `${rule.path} ∈ {${rule.values.join(', ')}}${condition}`;
    case 'range':
      return `${rule.path} in range${condition}`;
  }
};

/** A value that breaks the rule while passing its field's own check. */
function breakingValues(kind: TemplateKind, rule: Rule): string[] {
  if (rule.type === 'requireSome') return [];
  const field = declared(kind, rule.path);
  if (field.type === 'group') throw new Error(`${kind.tag}: rule on the group ${rule.path}`);
  if (rule.type === 'allowedValues') {
    if (rule.values.length === 0) return [sampleValue(field)];
    const candidates = field.type === 'enum' ? field.values : field.type === 'bool' ? ['true', 'false'] : [];
    const outside = candidates.find((value) => !rule.values.includes(value));
    return outside === undefined ? [] : [outside];
  }
  const { belowLow, aboveHigh } = rangeEnds(field, rule.min, rule.max);
  const fieldRange: { readonly min?: Bound; readonly max?: Bound } = field.type === 'int' || field.type === 'number' ? field : {};
  // A value the field itself refuses would test the field, not the rule.
  return [belowLow, aboveHigh].filter((value): value is string => value !== undefined && inRange(Number(value), fieldRange.min, fieldRange.max));
}

/** Both sides of a rule, and each condition unmet, on the kind's doc example. */
export function ruleCases(kind: TemplateKind, rule: Rule): RuleCase[] {
  const cases: RuleCase[] = [];
  const breaking = breakingValues(kind, rule);
  if (rule.type === 'requireSome') {
    for (const path of rule.paths) {
      const nodes = ruleContext(kind, rule);
      if (rule.equals === undefined) give(kind, nodes, path, new Set(rule.paths));
      else setLeaf(kind, nodes, path, rule.equals);
      cases.push({ what: `${path} alone is given`, nodes, accepted: true });
    }
    if (rule.equals === undefined) {
      cases.push({ what: 'none of them is given', nodes: ruleContext(kind, rule), accepted: false });
    } else {
      const otherValue = rule.equals === 'true' ? 'false' : 'true';
      const none = ruleContext(kind, rule);
      for (const path of rule.paths) setLeaf(kind, none, path, otherValue);
      cases.push({ what: `all of them are ${otherValue}`, nodes: none, accepted: false });
    }
    rule.when.forEach((condition, index) => {
      const nodes = ruleContext(kind, rule, index);
      if (breakCondition(kind, nodes, condition))
        cases.push({ what: `none is given but ${describeCondition(condition)} does not hold`, nodes, accepted: true });
    });
    return cases;
  }
  const allowed =
    rule.type === 'allowedValues'
      ? rule.values
      : (() => {
          const field = declared(kind, rule.path) as LeafField;
          const { low, high } = rangeEnds(field, rule.min, rule.max);
          return [low, high].filter((value): value is string => value !== undefined);
        })();
  for (const value of allowed) {
    const nodes = ruleContext(kind, rule);
    setLeaf(kind, nodes, rule.path, value);
    cases.push({ what: `${rule.path}=${value}`, nodes, accepted: true });
  }
  if (allowed.length === 0) {
    const nodes = ruleContext(kind, rule);
    remove(kind, nodes, rule.path);
    cases.push({ what: `${rule.path} left out`, nodes, accepted: true });
  }
  for (const value of breaking) {
    const nodes = ruleContext(kind, rule);
    setLeaf(kind, nodes, rule.path, value);
    cases.push({ what: `${rule.path}=${value}`, nodes, accepted: false });
    rule.when.forEach((condition, index) => {
      const unmet = ruleContext(kind, rule, index);
      setLeaf(kind, unmet, rule.path, value);
      if (breakCondition(kind, unmet, condition))
        cases.push({ what: `${rule.path}=${value} but ${describeCondition(condition)} does not hold`, nodes: unmet, accepted: true });
    });
  }
  return cases;
}
