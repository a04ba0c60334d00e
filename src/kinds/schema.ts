/**
 * The language in which a template kind is declared. A kind is data: the elements it takes
 * under `<Request>`, their types, ranges, defaults and rules, and the element its data is
 * answered in. Validation (validate.ts), storage (a JSON copy of the validated value) and XML
 * output (render.ts) all read the declaration; nothing outside src/kinds/ looks at a Tag.
 *
 * Everything here is introspectable on purpose: the generated tests walk the declarations to
 * produce their cases (every enum value, both ends of every range, every required field, both
 * sides of every rule), and docs/parity.md is written from them.
 */

/** A bound of a numeric range; `exclusive` makes `(0, 60]`-style ranges expressible. */
export type Bound = number | { readonly value: number; readonly exclusive: true };

/**
 * Where a field is looser than Tencent's table, and on whose evidence. Tencent's own doc example
 * breaking its table (template-kinds.md §4.5a) is `doc` evidence and holds in both modes; an
 * official SDK's example, demo or test sending it is `sdk` evidence and holds in the default mode
 * only: `CIE_STRICT` keeps the docs to the letter. The generated tests read this to turn the
 * refusal cases of the field into acceptances, in the modes it holds in.
 */
export interface Leniency {
  readonly evidence: 'doc' | 'sdk';
  /** Why, with the source, for docs/parity.md and the test names. */
  readonly reason: string;
  /** Values the table forbids that are accepted as sent (or as "not set", when in unsetValues). */
  readonly accepts?: readonly string[];
  /** The table marks the field required; it may be left out or sent empty. */
  readonly mayBeAbsent?: boolean;
}

/** True when a leniency holds in the mode: `doc` always, `sdk` outside strict mode. */
export const leniencyHolds = (leniency: Leniency | undefined, strict: boolean): leniency is Leniency =>
  leniency !== undefined && (leniency.evidence === 'doc' || !strict);

interface FieldBase {
  /** The docs mark the element 是否必选 = 是. */
  readonly required?: boolean;
  readonly lenient?: Leniency;
  /**
   * Not in Tencent's docs for this kind: an official SDK sends it (the source, for
   * docs/parity.md). Taken in both modes, since no doc refuses it.
   */
  readonly sdk?: string;
}

interface LeafBase extends FieldBase {
  /** The value stored and answered when the element is absent or empty (only where the service fills it). */
  readonly default?: string;
  /** Values that mean "not set", as an empty element does (for example `0` where the docs' example sends it). */
  readonly unsetValues?: readonly string[];
  /** The value may be given several times, at most `max` (`<WatermarkTemplateId>` of a job); the value is then a list. */
  readonly repeated?: { readonly max: number };
}

export interface EnumField extends LeafBase {
  readonly type: 'enum';
  readonly values: readonly string[];
}

export interface BoolField extends LeafBase {
  readonly type: 'bool';
}

export interface IntField extends LeafBase {
  readonly type: 'int';
  readonly min?: Bound;
  readonly max?: Bound;
  readonly even?: boolean;
  /** Words accepted besides numbers, such as `auto`. */
  readonly words?: readonly string[];
}

export interface NumberField extends LeafBase {
  readonly type: 'number';
  readonly min?: Bound;
  readonly max?: Bound;
  /** Accept `30000/1001`-style fractions. */
  readonly fraction?: boolean;
  readonly words?: readonly string[];
}

export interface StringField extends LeafBase {
  readonly type: 'string';
  readonly pattern?: RegExp;
  /** Said in words in error messages, for example "Chinese, letters, digits, _, - and *". */
  readonly patternHint?: string;
  /** A value the pattern takes: quoted in error messages, and used by the generated tests. */
  readonly sample?: string;
  readonly maxLength?: number;
}

export interface GroupField extends FieldBase {
  readonly type: 'group';
  readonly fields: Fields;
  /** A group sent with no field set is refused ("at least one parameter must be input"). */
  readonly nonEmpty?: boolean;
  /**
   * A group sent with no field set still counts as given (and is answered as an empty
   * element): for required containers whose children are all optional (SmartCover), and for
   * those the Go SDK always sends with empty children (VoiceSeparate's AudioConfig).
   */
  readonly allowEmpty?: boolean;
  /** The element may appear several times, at most `max` (every repeated group has one); the value is then a list. */
  readonly repeated?: { readonly min?: number; readonly max?: number };
}

export type LeafField = EnumField | BoolField | IntField | NumberField | StringField;
export type Field = LeafField | GroupField;

/** Declaration order is the order of the elements in every answer. */
export type Fields = Readonly<Record<string, Field>>;

/** The validated, normalised data of a template: what is stored and rendered. */
export type FieldValue = string | readonly string[] | GroupValue | readonly GroupValue[];
export interface GroupValue {
  readonly [name: string]: FieldValue;
}

/**
 * A condition of a rule, on the value at a data path (`Container.Format`, `Watermark.Image.Mode`):
 * `is` holds when the value is set and one of those listed; `isNot` when it is absent or none of
 * them; `present` when the element (a value or a container) was given.
 */
export type Condition =
  | { readonly path: string; readonly is: readonly string[] }
  | { readonly path: string; readonly isNot: readonly string[] }
  | { readonly path: string; readonly present: true };

/**
 * The combination rules of the docs (template-kinds.md §4.3), as data. Each applies only when
 * all of its `when` conditions hold (an empty list: always). Paths never go through a repeated
 * element (one may end a path). Given the validated data, a rule that is broken answers InvalidArgument naming its
 * fields.
 */
export type Rule = RequireSomeRule | AllowedValuesRule | RangeRule;

/** At least one of `paths` is set (and equal to `equals`, when given). */
export interface RequireSomeRule {
  readonly type: 'requireSome';
  readonly paths: readonly string[];
  readonly equals?: string;
  readonly when: readonly Condition[];
}

/** When set, the value at `path` is one of `values`; an empty list forbids the element. */
export interface AllowedValuesRule {
  readonly type: 'allowedValues';
  readonly path: string;
  readonly values: readonly string[];
  readonly when: readonly Condition[];
}

/** When set, the number at `path` lies in [min, max]: a narrower range than the field's own. */
export interface RangeRule {
  readonly type: 'range';
  readonly path: string;
  readonly min?: Bound;
  readonly max?: Bound;
  readonly when: readonly Condition[];
}

export interface OfficialPreset {
  readonly templateId: string;
  readonly name: string;
  readonly data: GroupValue;
}

export interface TemplateKind {
  /** The `<Tag>` value. */
  readonly tag: string;
  /**
   * The elements the kind takes under `<Request>`, besides Tag and Name: one container
   * (`{ Snapshot: group(…) }`, Concat's `{ ConcatTemplate: group(…) }`), or fields and containers
   * at the root (Transcode's Container, Video, Audio, …).
   */
  readonly fields: Fields;
  /**
   * The element under `<Template>` that wraps the kind's data in answers, for kinds whose
   * request puts fields at the `<Request>` root (Transcode answers in `<TransTpl>`). Kinds
   * that send one container (ImageOCR) answer with that same container and leave this unset.
   */
  readonly responseContainer?: string;
  /**
   * Leaves answered in `<Template>` before the kind's data, never sent by clients: the
   * `<State>Normal</State>` that some doc examples show.
   */
  readonly responseLeaves?: Readonly<Record<string, string>>;
  /** Fill declared defaults into the stored data and answers (the docs show ImageOCR doing so). */
  readonly fillDefaults: boolean;
  readonly rules?: readonly Rule[];
  readonly officialPresets?: readonly OfficialPreset[];
  /** The request body of Tencent's doc page, which the emulator must always accept. */
  readonly example: string;
  /** Where the declaration comes from, for docs/parity.md. */
  readonly source: string;
}

/**
 * Checks a declaration once, when its module loads, so a mistake in a kind file stops the
 * emulator at start instead of misbehaving on a request: every rule names declared fields
 * and only values those fields can take.
 */
export function defineKind(kind: TemplateKind): TemplateKind {
  const problems = declarationProblems(kind);
  if (problems.length > 0) throw new Error(`template kind ${kind.tag} is declared wrongly:\n  ${problems.join('\n  ')}`);
  return kind;
}

/** Helpers that keep declarations short. */
export const enumOf = (values: readonly string[], options: Omit<EnumField, 'type' | 'values'> = {}): EnumField => ({
  type: 'enum',
  values,
  ...options,
});
export const bool = (options: Omit<BoolField, 'type'> = {}): BoolField => ({ type: 'bool', ...options });
export const int = (options: Omit<IntField, 'type'> = {}): IntField => ({ type: 'int', ...options });
export const num = (options: Omit<NumberField, 'type'> = {}): NumberField => ({ type: 'number', ...options });
export const str = (options: Omit<StringField, 'type'> = {}): StringField => ({ type: 'string', ...options });
export const group = (fields: Fields, options: Omit<GroupField, 'type' | 'fields'> = {}): GroupField => ({
  type: 'group',
  fields,
  ...options,
});
export const exclusive = (value: number): Bound => ({ value, exclusive: true });

/** The same field, marked required (or not): shared containers are declared once and adjusted per kind. */
export const required = <F extends Field>(field: F, isRequired = true): F => ({ ...field, required: isRequired });

/** The fields of a shared container without those a kind does not take. */
export function omitFields(fields: Fields, names: readonly string[]): Fields {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !names.includes(name)));
}

/** Rule helpers. */
export const when = (path: string, ...values: string[]): Condition => ({ path, is: values });
export const whenNot = (path: string, ...values: string[]): Condition => ({ path, isNot: values });
export const whenGiven = (path: string): Condition => ({ path, present: true });

export const requireSome = (paths: readonly string[], options: { equals?: string; when?: readonly Condition[] } = {}): RequireSomeRule => ({
  type: 'requireSome',
  paths,
  ...(options.equals === undefined ? {} : { equals: options.equals }),
  when: options.when ?? [],
});
export const allowedValues = (path: string, values: readonly string[], ...conditions: Condition[]): AllowedValuesRule => ({
  type: 'allowedValues',
  path,
  values,
  when: conditions,
});
export const forbidden = (path: string, ...conditions: Condition[]): AllowedValuesRule => allowedValues(path, [], ...conditions);
export const rangeWhen = (path: string, range: { min?: Bound; max?: Bound }, ...conditions: Condition[]): RangeRule => ({
  type: 'range',
  path,
  ...range,
  when: conditions,
});

/** A leaf's text, or '' for what is no leaf. */
export const textOf = (value: FieldValue | undefined): string => (typeof value === 'string' ? value : '');

export const isGroupValue = (value: FieldValue | undefined): value is GroupValue => typeof value === 'object' && !Array.isArray(value);

/** The declaration of the field at a data path, or undefined; the walk stops at nothing but groups. */
export function fieldAt(fields: Fields, path: string): Field | undefined {
  let current: Fields | undefined = fields;
  let found: Field | undefined;
  for (const name of path.split('.')) {
    if (current === undefined || !Object.hasOwn(current, name)) return undefined;
    found = current[name];
    current = found?.type === 'group' ? found.fields : undefined;
  }
  return found;
}

/** The paths of a rule's conditions. */
export const conditionPaths = (rule: Rule): readonly string[] => rule.when.map((condition) => condition.path);

/** The paths a rule constrains (not those of its conditions). */
export const rulePaths = (rule: Rule): readonly string[] => (rule.type === 'requireSome' ? rule.paths : [rule.path]);

export const conditionValues = (condition: Condition): readonly string[] => ('is' in condition ? condition.is : 'isNot' in condition ? condition.isNot : []);

/**
 * True when the path goes through no repeated element: rules read single values. A repeated
 * element may end a path, where only its presence counts.
 */
function pathAvoidsRepeats(fields: Fields, path: string): boolean {
  let current: Fields | undefined = fields;
  const names = path.split('.');
  for (const [index, name] of names.entries()) {
    const field: Field | undefined = current !== undefined && Object.hasOwn(current, name) ? current[name] : undefined;
    if (field === undefined) return false;
    if (field.type === 'group' && field.repeated !== undefined && index < names.length - 1) return false;
    current = field.type === 'group' ? field.fields : undefined;
  }
  return true;
}

/** Every repeated group names its maximum: one request's cost must stay bounded. */
function unboundedGroups(fields: Fields, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([name, field]) => {
    if (field.type !== 'group') return [];
    const own = field.repeated !== undefined && field.repeated.max === undefined ? [`${prefix}${name} repeats without a maximum`] : [];
    return [...own, ...unboundedGroups(field.fields, `${prefix}${name}.`)];
  });
}

function declarationProblems(kind: TemplateKind): string[] {
  const problems: string[] = [...unboundedGroups(kind.fields)];
  const checkPath = (path: string, what: string): Field | undefined => {
    const field = fieldAt(kind.fields, path);
    if (field === undefined) problems.push(`${what} names ${path}, which is not declared`);
    else if (!pathAvoidsRepeats(kind.fields, path)) problems.push(`${what} names ${path}, which goes through a repeated element`);
    return field;
  };
  const checkValues = (field: Field | undefined, values: readonly string[], what: string): void => {
    if (field?.type === 'enum') {
      const unknown = values.filter((value) => !field.values.includes(value));
      if (unknown.length > 0) problems.push(`${what} uses ${unknown.join(', ')}, not values of the field`);
    } else if (field?.type === 'bool') {
      if (values.some((value) => value !== 'true' && value !== 'false')) problems.push(`${what} uses values other than true and false`);
    }
  };
  (kind.rules ?? []).forEach((rule, index) => {
    const what = `rule ${index + 1} (${rule.type})`;
    for (const condition of rule.when) {
      const field = checkPath(condition.path, `${what}'s condition`);
      checkValues(field, conditionValues(condition), `${what}'s condition on ${condition.path}`);
    }
    if (rule.type === 'requireSome') {
      if (rule.paths.length === 0) problems.push(`${what} lists no path`);
      for (const path of rule.paths) {
        const field = checkPath(path, what);
        if (rule.equals !== undefined) checkValues(field, [rule.equals], what);
      }
    } else if (rule.type === 'allowedValues') {
      checkValues(checkPath(rule.path, what), rule.values, what);
    } else {
      const field = checkPath(rule.path, what);
      if (field !== undefined && field.type !== 'int' && field.type !== 'number') problems.push(`${what} puts a range on ${rule.path}, which is not numeric`);
    }
  });
  return problems;
}
