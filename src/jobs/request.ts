import { invalidArgument } from '../errors.js';
import type { KindRegistry } from '../kinds/registry.js';
import {
  defineKind,
  enumOf,
  group,
  isGroupValue,
  required,
  str,
  whenGiven,
  type Condition,
  type Fields,
  type GroupField,
  type GroupValue,
  type Rule,
  type TemplateKind,
} from '../kinds/schema.js';
import { NoteTaker, validateKindData, type BodyNotes, type ReadMode } from '../kinds/validate.js';
import type { XmlElement } from '../xml.js';
import { COMMON_OPERATION, INLINE_WATERMARKS, JOB_KINDS, outputOf, type JobKind } from './kinds.js';

/** One job a `POST /jobs` asks for: its Tag and its data (Input, Operation, QueueId, CallBack…). */
export interface JobRequest {
  readonly kind: JobKind;
  readonly data: GroupValue;
}

export interface ReadJobs {
  readonly jobs: readonly JobRequest[];
  readonly notes: BodyNotes;
}

/** The multi-job form takes at most six operations (提交多任务). */
export const MAX_OPERATIONS = 6;

/** `p` + 32 hex, as every queue id of the docs. */
export const QUEUE_ID = /^p[0-9a-f]{32}$/;

const INPUT = group(
  {
    Object: str(),
    Url: str(),
    // Translation and live-stream jobs (sdk: Go's JobInput, the Python demo).
    Lang: str({ sdk: "cos-go-sdk-v5's JobInput" }),
    Type: str({ sdk: "cos-go-sdk-v5's JobInput" }),
    BasicType: str({ sdk: "cos-go-sdk-v5's JobInput" }),
    SourceType: str({ sdk: 'cos-python-sdk-v5 demo/ci_media.py' }),
    CosHeaders: group({ Key: str(), Value: str() }, { repeated: { max: 20 }, sdk: "cos-go-sdk-v5's JobInput" }),
    Vod: group({ FileId: str(), SubAppId: str() }, { sdk: "cos-go-sdk-v5's JobInput" }),
  },
  { nonEmpty: true },
);

/** The `<Request>` elements every job takes besides Tag, Input and Operation. */
const REQUEST_FIELDS: Fields = {
  QueueId: str({ pattern: QUEUE_ID, patternHint: 'must be a queue id: p and 32 lowercase hex characters', sample: `p${'0'.repeat(32)}` }),
  QueueType: enumOf(['SpeedTranscoding']),
  CallBack: str(),
  CallBackFormat: enumOf(['XML', 'JSON']),
  CallBackType: enumOf(['Url', 'TDMQ'], { lenient: { evidence: 'sdk', reason: 'cos-go-sdk-v5 and cos-java-sdk-v5 examples send Kafka', accepts: ['Kafka'] } }),
  CallBackMqConfig: group({
    MqRegion: enumOf(['sh', 'bj', 'gz', 'cd', 'hk'], { required: true }),
    MqMode: enumOf(['Queue', 'Topic'], { required: true }),
    MqName: str({ required: true }),
  }),
  CallBackKafkaConfig: group({ Region: str(), InstanceId: str(), Topic: str() }, { sdk: "cos-go-sdk-v5's CallBackKafkaConfig" }),
};

/**
 * The declarations of every job Tag, compiled once for a server's template kinds: each is a
 * TemplateKind over a single job's `<Request>` (without Tag), so a job body is read by the same
 * reader, in the same two modes, as a template body, and an inline parameter container by its
 * template kind's own declaration and rules.
 */
export class JobDeclarations {
  readonly #byTag: ReadonlyMap<string, { readonly kind: JobKind; readonly request: TemplateKind }>;

  constructor(templateKinds: KindRegistry, jobKinds: readonly JobKind[] = JOB_KINDS) {
    // A server with kinds of its own (a test's) has the jobs whose template kinds it knows.
    const runnable = jobKinds.filter((kind) => kind.inline === undefined || templateKinds.get(kind.inline.kind) !== undefined);
    this.#byTag = new Map(runnable.map((kind) => [kind.tag, { kind, request: requestDeclaration(kind, templateKinds) }]));
  }

  get tags(): readonly string[] {
    return [...this.#byTag.keys()];
  }

  get(tag: string): JobKind | undefined {
    return this.#byTag.get(tag)?.kind;
  }

  /** Reads a `POST /jobs` body: one job (a root Tag), or up to six (a Tag in each Operation). */
  read(root: XmlElement, mode: ReadMode): ReadJobs {
    const notes = new NoteTaker();
    const tags = root.children.filter((child) => child.name === 'Tag');
    const operations = root.children.filter((child) => child.name === 'Operation');
    if (tags.length === 0 && operations.length > 0) return { jobs: this.#readMany(root, operations, mode, notes), notes };
    // cos-go-sdk-v5's CreateMultiGeneratePlayListJobs example sends a root Tag as well as one in each
    // Operation: the default mode reads that as the multi-job form it is, and ignores the root Tag.
    if (!mode.strict && operations.length > 1 && operations.every((operation) => operation.children.some((child) => child.name === 'Tag'))) {
      notes.ignore('Tag');
      const untagged = { ...root, children: root.children.filter((child) => child.name !== 'Tag') };
      return { jobs: this.#readMany(untagged, operations, mode, notes), notes };
    }
    const tag = lastText(tags, 'Tag', mode, notes);
    const rest = root.children.filter((child) => child.name !== 'Tag');
    return { jobs: [this.#readOne(tag, rest, mode, notes, '')], notes };
  }

  /** CreateMultiMediaJobs: the root's Input, queue and callback, and each Operation with its own Tag. */
  #readMany(root: XmlElement, operations: readonly XmlElement[], mode: ReadMode, notes: NoteTaker): JobRequest[] {
    if (operations.length > MAX_OPERATIONS) throw invalidArgument(`Operation may be given at most ${MAX_OPERATIONS} times; got ${operations.length}.`);
    const shared = root.children.filter((child) => child.name !== 'Operation');
    return operations.map((operation, index) => {
      const tag = lastText(
        operation.children.filter((child) => child.name === 'Tag'),
        `Operation.Tag`,
        mode,
        notes,
      );
      const own = { ...operation, children: operation.children.filter((child) => child.name !== 'Tag') };
      return this.#readOne(tag, [...shared, own], mode, notes, ` (operation ${index + 1})`);
    });
  }

  #readOne(tag: string, elements: readonly XmlElement[], mode: ReadMode, notes: NoteTaker, which: string): JobRequest {
    const entry = this.#byTag.get(tag);
    if (entry === undefined) throw invalidArgument(`Tag "${tag}"${which} is not a media job Tag; use one of ${this.tags.join(', ')}.`);
    const { data } = validateKindData(entry.request, elements, mode, notes);
    // A rule between fields: the default mode stores the job as given.
    if (mode.strict) checkParameters(entry.kind, data);
    return { kind: entry.kind, data };
  }
}

/** The text of the last of these elements (strict mode: the only one), which must be set. */
function lastText(found: readonly XmlElement[], name: string, mode: ReadMode, notes: NoteTaker): string {
  if (found.length > 1) {
    if (mode.strict) throw invalidArgument(`${name} is given more than once.`);
    notes.repeat(name);
  }
  const text = found.at(-1)?.text ?? '';
  if (text === '') throw invalidArgument(`${name} is required.`);
  return text;
}

/** "TemplateId 与 <parameters> 不能同时为空": a Tag that needs parameters gets one of them. */
function checkParameters(kind: JobKind, data: GroupValue): void {
  if (!kind.parametersRequired) return;
  const operation = data['Operation'];
  const given =
    isGroupValue(operation) && (operation['TemplateId'] !== undefined || (kind.inline !== undefined && operation[kind.inline.element] !== undefined));
  if (given) return;
  const either = kind.inline === undefined ? 'Operation.TemplateId is' : `Operation.TemplateId or Operation.${kind.inline.element} is`;
  throw invalidArgument(`${either} required for a ${kind.tag} job.`);
}

/** A job Tag's `<Request>` as a kind declaration. */
function requestDeclaration(kind: JobKind, templateKinds: KindRegistry): TemplateKind {
  const inline = kind.inline === undefined ? undefined : inlineParameters(kind.inline, templateKinds);
  const watermarks = kind.watermarks === true ? inlineWatermarks(templateKinds) : undefined;
  const operation: Fields = {
    ...(kind.templates.length > 0 ? { TemplateId: str() } : {}),
    ...(inline === undefined ? {} : { [inline.element]: inline.field }),
    ...kind.operation,
    ...(watermarks === undefined ? {} : { [INLINE_WATERMARKS]: watermarks }),
    ...(kind.output === 'none' ? {} : { Output: required(outputOf(kind), kind.output === 'required') }),
    ...COMMON_OPERATION,
  };
  // Go's and Python's MediaInfo jobs send no Operation at all: it is needed only when it holds something needed.
  const operationNeeded = kind.parametersRequired || kind.output === 'required' || Object.values(kind.operation ?? {}).some((field) => field.required);
  return defineKind({
    tag: `job ${kind.tag}`,
    source: kind.source,
    fillDefaults: false,
    fields: {
      ...(kind.input === 'none' ? {} : { Input: required(INPUT, true) }),
      Operation: group(operation, { required: operationNeeded }),
      ...REQUEST_FIELDS,
    },
    rules: inline?.rules ?? [],
    example: '',
  });
}

/**
 * `Operation.<element>` read as template kind `kind` reads its fields: a kind that sends one
 * container of that name (Snapshot) lends it; a kind with fields at the root (Transcode) lends
 * them wrapped. Its rules apply to the container, and only when it is given.
 */
function inlineParameters(inline: NonNullable<JobKind['inline']>, templateKinds: KindRegistry): { element: string; field: GroupField; rules: Rule[] } {
  const template = templateKinds.get(inline.kind);
  if (template === undefined) throw new Error(`job parameters ${inline.element} name the template kind ${inline.kind}, which is not declared`);
  const names = Object.keys(template.fields);
  const lent = names.length === 1 && names[0] === inline.element ? template.fields[inline.element] : undefined;
  const field = lent?.type === 'group' ? required(lent, false) : group(template.fields);
  const prefix = lent === undefined ? `Operation.${inline.element}.` : 'Operation.';
  const given = whenGiven(`Operation.${inline.element}`);
  const rules = (template.rules ?? []).map((rule) => ({ ...prefixRule(rule, prefix), when: [given, ...prefixConditions(rule.when, prefix)] }));
  return { element: inline.element, field, rules };
}

/** `Operation.Watermark`, repeated: the Watermark template's container, as Transcode jobs take it. */
function inlineWatermarks(templateKinds: KindRegistry): GroupField | undefined {
  const watermark = templateKinds.get('Watermark')?.fields['Watermark'];
  return watermark?.type === 'group' ? { ...watermark, required: false, repeated: { max: 10 } } : undefined;
}

const prefixConditions = (conditions: readonly Condition[], prefix: string): Condition[] =>
  conditions.map((condition) => ({ ...condition, path: prefix + condition.path }));

function prefixRule(rule: Rule, prefix: string): Rule {
  switch (rule.type) {
    case 'requireSome':
      return { ...rule, paths: rule.paths.map((path) => prefix + path) };
    case 'allowedValues':
    case 'range':
      return { ...rule, path: prefix + rule.path };
  }
}
