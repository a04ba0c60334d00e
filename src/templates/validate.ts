import { requestRoot } from '../api/body.js';
import { invalidArgument } from '../errors.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { GroupValue, TemplateKind } from '../kinds/schema.js';
import { NoteTaker, validateKindData, type BodyNotes, type ReadMode } from '../kinds/validate.js';
import type { XmlElement } from '../xml.js';

/** "仅支持中文、英文、数字、_、-和*，长度不超过 64": 64 characters, not bytes. */
export const TEMPLATE_NAME = /^[\p{Script=Han}A-Za-z0-9_*-]{1,64}$/u;

export interface TemplateRequest {
  readonly kind: TemplateKind;
  readonly tag: string;
  readonly name: string;
  readonly data: GroupValue;
}

export interface ReadOptions extends ReadMode {
  /**
   * Root elements taken besides Tag, Name and the kind's own, answered as text in `extras`.
   * The API takes `TemplateId` because a doc example sends it (and ignores it); seed files
   * also take `Bucket`.
   */
  readonly extraElements: readonly string[];
}

export interface ReadTemplate {
  readonly template: TemplateRequest;
  readonly extras: ReadonlyMap<string, string>;
  /** What the default mode ignored or took the last of. */
  readonly notes: BodyNotes;
}

/** Reads a create or update body. Throws MissingContent, InvalidContent or InvalidArgument. */
export function readTemplateBody(body: Buffer | undefined, kinds: KindRegistry, options: ReadOptions): ReadTemplate {
  return readTemplateElement(requestRoot(body, 'Tag, Name and the template fields'), kinds, options);
}

export function readTemplateElement(root: XmlElement, kinds: KindRegistry, options: ReadOptions): ReadTemplate {
  if (options.strict && root.text.trim() !== '') throw invalidArgument('Request must contain elements, not text.');
  const notes = new NoteTaker();
  const tag = singleValue(root, 'Tag', options, notes);
  // The service dispatches on the Tag: it is compared exactly in both modes.
  const kind = kinds.get(tag);
  if (kind === undefined) {
    throw invalidArgument(`Tag "${tag}" is not a template kind; use one of ${kinds.tags.join(', ')}.`);
  }
  const name = singleValue(root, 'Name', options, notes);
  if (!TEMPLATE_NAME.test(name)) {
    throw invalidArgument(`Name "${name}" is not allowed: use at most 64 Chinese characters, English letters, digits, _, - or *.`);
  }
  const extras = new Map<string, string>();
  for (const extra of options.extraElements) {
    if (root.children.some((child) => child.name === extra)) extras.set(extra, singleValue(root, extra, options, notes));
  }
  const handled = new Set(['Tag', 'Name', ...options.extraElements]);
  const { data } = validateKindData(
    kind,
    root.children.filter((child) => !handled.has(child.name)),
    options,
    notes,
  );
  return { template: { kind, tag, name, data }, extras, notes };
}

/** The text of a root element that must be a value; outside strict mode the last of several wins. */
function singleValue(root: XmlElement, name: string, mode: ReadMode, notes: NoteTaker): string {
  const found = root.children.filter((child) => child.name === name);
  if (found.length > 1) {
    if (mode.strict) throw invalidArgument(`${name} is given more than once.`);
    notes.repeat(name);
  }
  const element = found.at(-1);
  if (element === undefined || (element.text === '' && element.children.length === 0)) {
    throw invalidArgument(`${name} is required.`);
  }
  if (element.children.length > 0) {
    if (mode.strict) throw invalidArgument(`${name} must be a value, not a container.`);
    for (const child of element.children) notes.ignore(`${name}.${child.name}`);
  }
  return element.text;
}
