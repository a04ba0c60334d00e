import { createHash } from 'node:crypto';
import { formatCiTime } from '../ids.js';
import { isGroupValue, textOf, type FieldValue, type GroupValue } from '../kinds/schema.js';
import { escapeXml } from '../xml-escape.js';
import type { JobKind } from './kinds.js';
import type { StoredJob } from './store.js';

/**
 * A job as CI answers it, `<JobsDetail>`: the same tree is written as XML (API answers, XML
 * callbacks) and JSON (JSON callbacks). Element order is that of the docs' API examples.
 */
export type Tree = string | readonly string[] | { readonly [name: string]: Tree } | readonly { readonly [name: string]: Tree }[];

export interface RenderContext {
  readonly tzOffset: string;
  /** The job's kind, for what it made; undefined for a Tag no longer declared. */
  readonly kind: JobKind | undefined;
  /** Milliseconds, for a running job's progress. */
  readonly now: number;
}

const time = (ms: number | undefined, offset: string): string => (ms === undefined ? '-' : formatCiTime(Math.floor(ms / 1000), offset));

/** 0 until it starts, 100 once it has succeeded; in between, the share of its time gone by. */
function progress(job: StoredJob, now: number): string {
  if (job.state === 'Success') return '100';
  if (job.state !== 'Running' || job.startedAt === undefined || job.endAt === undefined || job.endAt <= job.startedAt) return '0';
  return String(Math.min(99, Math.floor(((now - job.startedAt) / (job.endAt - job.startedAt)) * 100)));
}

export function jobDetail(job: StoredJob, context: RenderContext): { readonly [name: string]: Tree } {
  const { Input: input, Operation: operation } = job.data;
  return {
    Code: job.code,
    Message: job.message,
    JobId: job.id,
    State: job.state,
    Progress: progress(job, context.now),
    CreationTime: time(job.createdAt, context.tzOffset),
    StartTime: time(job.startedAt, context.tzOffset),
    EndTime: time(job.endedAt, context.tzOffset),
    QueueId: job.queueId,
    Tag: job.tag,
    ...(isGroupValue(input) ? { Input: { BucketId: job.bucket, ...input, Region: job.region } } : {}),
    Operation: operationOf(job, isGroupValue(operation) ? operation : {}, context),
  };
}

function operationOf(job: StoredJob, operation: GroupValue, context: RenderContext): { readonly [name: string]: Tree } {
  const { TemplateId: templateId, ...rest } = operation;
  const made = job.state === 'Success' && context.kind?.makes === 'files' ? mediaResult(job, operation) : undefined;
  return {
    ...(templateId === undefined ? {} : { TemplateId: templateId }),
    // "当 TemplateId 存在时返回".
    ...(job.templateName === undefined ? {} : { TemplateName: job.templateName }),
    ...rest,
    ...(made === undefined ? {} : { MediaResult: made }),
  };
}

/**
 * What a finished job made, from its Output: the object name with the variables the docs list
 * resolved (`${InputName}`, `${InputNameAndExt}`, `${InputPath}`), and `${Number}` (any case) splitting it
 * into ObjectPrefix and numbered names. The Md5 is of the name: no media exists.
 */
function mediaResult(job: StoredJob, operation: GroupValue): Tree | undefined {
  const output = operation['Output'];
  if (!isGroupValue(output)) return undefined;
  const object = output['Object'];
  if (typeof object !== 'string') return undefined;
  const resolved = resolveVariables(object, inputObjectOf(job));
  // The JS SDK's demos write `${number}`: the service takes either.
  const numbered = resolved.search(/\$\{number\}/i);
  const prefix = numbered === -1 ? '' : resolved.slice(0, numbered);
  const name = numbered === -1 ? resolved : `0${resolved.slice(numbered + '${Number}'.length)}`;
  return {
    OutputFile: {
      Bucket: textOf(output['Bucket']),
      Md5Info: { Md5: createHash('md5').update(`${job.id}/${prefix}${name}`).digest('hex'), ObjectName: name },
      ObjectName: name,
      ObjectPrefix: prefix,
      Region: textOf(output['Region']),
    },
  };
}

function inputObjectOf(job: StoredJob): string {
  const input = job.data['Input'];
  const object = isGroupValue(input) ? input['Object'] : undefined;
  return typeof object === 'string' ? object : '';
}

function resolveVariables(object: string, input: string): string {
  const slash = input.lastIndexOf('/');
  const nameAndExt = input.slice(slash + 1);
  const dot = nameAndExt.lastIndexOf('.');
  const name = dot <= 0 ? nameAndExt : nameAndExt.slice(0, dot);
  return object
    .replaceAll('${InputName}', name)
    .replaceAll('${InputNameAndExt}', nameAndExt)
    .replaceAll('${InputPath}', slash === -1 ? '' : input.slice(0, slash + 1));
}

/** `<name>…</name>`, a repeated element once per item. */
export function treeXml(name: string, tree: Tree | FieldValue): string {
  if (typeof tree === 'string') return `<${name}>${escapeXml(tree)}</${name}>`;
  if (Array.isArray(tree)) return (tree as readonly (string | { readonly [name: string]: Tree })[]).map((item) => treeXml(name, item)).join('');
  let inner = '';
  for (const [child, value] of Object.entries(tree as { readonly [name: string]: Tree })) inner += treeXml(child, value);
  return `<${name}>${inner}</${name}>`;
}
