import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_KINDS, outputOf, type JobKind } from '../../src/jobs/kinds.js';
import { CATALOG } from '../../src/kinds/catalog/index.js';
import type { Fields, TemplateKind } from '../../src/kinds/schema.js';
import { escapeXml } from '../../src/xml-escape.js';
import { DEFAULT_BUCKET, testServer, type XmlTree } from '../helpers.js';
import { exampleNodes, give, type Node } from '../kind-cases.js';
import { createTemplate, describeJob, parseXml, submitOne } from '../jobs.js';

/**
 * Jobs generated from the registries, so a Tag added to src/jobs/kinds.ts or a template kind
 * added to the catalog is covered without a line here: for each template kind a job Tag takes,
 * a job naming a stored template of it (made from the kind's doc example); for each job Tag with
 * inline parameters, a job carrying the template kind's doc example inline. Each is accepted,
 * described, and echoes what it was given.
 */

const templateKind = (tag: string): TemplateKind => {
  const kind = CATALOG.find((candidate) => candidate.tag === tag);
  if (kind === undefined) throw new Error(`no template kind ${tag}`);
  return kind;
};

const nodeXml = (node: Node): string =>
  `<${node.name}>${node.children.length === 0 ? escapeXml(node.text) : node.children.map(nodeXml).join('')}</${node.name}>`;

/** The required elements of a set of fields, seeded with values they take. */
function requiredNodes(fields: Fields): Node[] {
  const holder = { tag: 'required', fields } as unknown as TemplateKind;
  const nodes: Node[] = [];
  for (const [name, field] of Object.entries(fields)) if (field.required === true) give(holder, nodes, name);
  return nodes;
}

/** What a job of the Tag needs besides its template or parameters: Input, Output and required Operation elements. */
function jobParts(kind: JobKind): { input: string; operation: string } {
  const input = kind.input === 'required' ? '<Input><Object>in/generated.mp4</Object></Input>' : '';
  const operation = requiredNodes(kind.operation ?? {});
  if (kind.output !== 'none') {
    const [outputNode] = requiredNodes({ Output: { ...outputOf(kind), required: true } });
    const realistic: Record<string, string> = { Region: 'ap-guangzhou', Bucket: DEFAULT_BUCKET, Object: `out/${kind.tag}-\${Number}.out` };
    for (const child of outputNode?.children ?? []) child.text = realistic[child.name] ?? child.text;
    if (outputNode !== undefined) operation.push(outputNode);
  }
  return { input, operation: operation.map(nodeXml).join('') };
}

/**
 * The inline container from the template kind's example: a kind that sends one container of
 * the element's name lends it as it is; a kind with fields at the root has them wrapped.
 */
function inlineContainer(kind: JobKind): string {
  const inline = kind.inline!;
  const nodes = exampleNodes(templateKind(inline.kind));
  const only = nodes.length === 1 && nodes[0]!.name === inline.element ? nodes[0]! : { name: inline.element, text: '', children: nodes };
  return nodeXml(only);
}

/** An element's tree as an answer echoes it: empty elements mean "not set" and are not echoed. */
function withoutEmpty(tree: XmlTree): XmlTree | undefined {
  if (typeof tree === 'string') return tree === '' ? undefined : tree;
  if (Array.isArray(tree)) return (tree as readonly XmlTree[]).map(withoutEmpty).filter((item) => item !== undefined);
  const kept = Object.entries(tree as Record<string, XmlTree>).flatMap(([name, value]) => {
    const child = withoutEmpty(value);
    return child === undefined ? [] : [[name, child] as const];
  });
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

// Template kinds a job Tag takes, each with (one of) the Tags that take it.
const storedCases = CATALOG.flatMap((template) =>
  JOB_KINDS.filter((job) => job.templates.includes(template.tag)).map((job) => [`${job.tag} job with a ${template.tag} template`, template.tag, job] as const),
);
const inlineCases = JOB_KINDS.filter((job) => job.inline !== undefined).map((job) => [`${job.tag} job with ${job.inline!.element}`, job] as const);

const modes = [
  ['the default mode', false],
  ['strict mode', true],
] as const;
const servers = new Map<boolean, FastifyInstance>();
beforeAll(async () => {
  for (const [, strict] of modes) servers.set(strict, await testServer({ jobDurationMs: 'manual', strict }));
});
afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

describe('the registries', () => {
  it('give cases to generate: every job Tag with a template or inline parameters is covered', () => {
    const covered = new Set([...storedCases.map(([, , job]) => job.tag), ...inlineCases.map(([, job]) => job.tag)]);
    const expected = JOB_KINDS.filter((job) => job.inline !== undefined || job.templates.some((tag) => CATALOG.some((kind) => kind.tag === tag))).map(
      (job) => job.tag,
    );
    expect([...covered].sort()).toEqual([...expected].sort());
    expect(new Set(storedCases.map(([, template]) => template))).toEqual(
      new Set(CATALOG.filter((kind) => JOB_KINDS.some((job) => job.templates.includes(kind.tag))).map((kind) => kind.tag)),
    );
  });
});

// The doc examples keep the docs' letter, so strict mode takes every case too.
describe.each(modes)('%s', (_mode, strict) => {
  const app = (): FastifyInstance => servers.get(strict)!;

  it.each(storedCases)('takes a %s naming a stored template: described, with its TemplateName', async (_what, templateTag, job) => {
    const name = `for-${job.tag}-job`.slice(0, 64);
    const templateId = await createTemplate(app(), templateTag, name);
    const { input, operation } = jobParts(job);
    const submitted = await submitOne(
      app(),
      `<Request><Tag>${job.tag}</Tag>${input}<Operation><TemplateId>${templateId}</TemplateId>${operation}</Operation></Request>`,
    );
    expect(submitted).toMatchObject({ Tag: job.tag, State: 'Submitted' });
    expect(submitted.Operation).toMatchObject({ TemplateId: templateId, TemplateName: name });
    expect(await describeJob(app(), submitted.JobId)).toEqual(submitted);
  });

  it.each(inlineCases)('takes a %s from the template kind example: described, echoing the parameters', async (_what, job) => {
    const container = inlineContainer(job);
    const { input, operation } = jobParts(job);
    const submitted = await submitOne(app(), `<Request><Tag>${job.tag}</Tag>${input}<Operation>${container}${operation}</Operation></Request>`);
    expect(submitted).toMatchObject({ Tag: job.tag, State: 'Submitted' });
    const element = job.inline!.element;
    const expected = withoutEmpty(parseXml(container)[element]!);
    expect(expected).toBeDefined();
    expect(submitted.Operation[element]).toEqual(expected);
    expect((await describeJob(app(), submitted.JobId)).Operation[element]).toEqual(expected);
  });
});
