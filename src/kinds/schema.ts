/**
 * The language in which a template kind is declared. A kind is data: the elements it takes
 * under `<Request>`, their types, ranges, defaults and rules, and the element its data is
 * answered in. Validation (validate.ts), storage (a JSON copy of the validated value) and XML
 * output (render.ts) all read the declaration; nothing outside src/kinds/ looks at a Tag.
 */

/** A bound of a numeric range; `exclusive` makes `(0, 60]`-style ranges expressible. */
export type Bound = number | { readonly value: number; readonly exclusive: true };

interface FieldBase {
  /** The docs mark the element 是否必选 = 是. */
  readonly required?: boolean;
  /**
   * Why this field is looser than Tencent's table (template-kinds.md §4.5a): the generated
   * tests skip the refusal cases of a lenient field and test acceptance instead.
   */
  readonly lenient?: string;
}

interface LeafBase extends FieldBase {
  /** The value stored and answered when the element is absent or empty (only where the service fills it). */
  readonly default?: string;
  /** Values that mean "not set", as an empty element does (for example `0` where the docs' example sends it). */
  readonly unsetValues?: readonly string[];
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
  readonly maxLength?: number;
}

export interface GroupField extends FieldBase {
  readonly type: 'group';
  readonly fields: Fields;
  /** A group sent with no field set is refused ("at least one parameter must be input"). */
  readonly nonEmpty?: boolean;
  /** The element may appear several times; the value is then a list. */
  readonly repeated?: { readonly min?: number; readonly max?: number };
}

export type LeafField = EnumField | BoolField | IntField | NumberField | StringField;
export type Field = LeafField | GroupField;

/** Declaration order is the order of the elements in every answer. */
export type Fields = Readonly<Record<string, Field>>;

/** The validated, normalised data of a template: what is stored and rendered. */
export type FieldValue = string | GroupValue | readonly GroupValue[];
export interface GroupValue {
  readonly [name: string]: FieldValue;
}

/**
 * A combination rule of the docs (§4.3 of template-kinds.md): given the validated data,
 * it answers a message naming the fields when the rule is broken.
 */
export type Rule = (data: GroupValue) => string | undefined;

export interface OfficialPreset {
  readonly templateId: string;
  readonly name: string;
  readonly data: GroupValue;
}

export interface TemplateKind {
  /** The `<Tag>` value. */
  readonly tag: string;
  /** The elements the kind takes under `<Request>`, besides Tag and Name. */
  readonly fields: Fields;
  /**
   * The element under `<Template>` that wraps the kind's data in answers, for kinds whose
   * request puts fields at the `<Request>` root (Transcode answers in `<TransTpl>`). Kinds
   * that send one container (ImageOCR) answer with that same container and leave this unset.
   */
  readonly responseContainer?: string;
  /** Fill declared defaults into the stored data and answers (the docs show ImageOCR doing so). */
  readonly fillDefaults: boolean;
  readonly rules?: readonly Rule[];
  readonly officialPresets?: readonly OfficialPreset[];
  /** The request body of Tencent's doc page, which the emulator must always accept. */
  readonly example: string;
  /** Where the declaration comes from, for docs/parity.md. */
  readonly source: string;
}

export const defineKind = (kind: TemplateKind): TemplateKind => kind;

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

export const isGroupValue = (value: FieldValue | undefined): value is GroupValue =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
