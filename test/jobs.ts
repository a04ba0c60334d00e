import { XMLParser } from 'fast-xml-parser';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { CATALOG } from '../src/kinds/catalog/index.js';
import { call, DEFAULT_BUCKET, type SignedCall, type XmlTree } from './helpers.js';

/** Media jobs in tests: bodies, answers read as the SDKs read them, moves and polls. */

/** Official presets of the console guide's table (docs/parity.md): a Transcode one and a Snapshot one. */
export const TRANSCODE_PRESET = { id: 't0e2b9f4cd25184c6ab73d0c85a6ee9cb5', name: 'H264-MP4-流畅-360P' };
export const SNAPSHOT_PRESET = { id: 't07740e32081b44ad7a0aea03adcffd54a', name: 'snapshot_1280*720_3' };

export const output = (object = 'out/video.mp4', bucket = DEFAULT_BUCKET): string =>
  `<Output><Region>ap-guangzhou</Region><Bucket>${bucket}</Bucket><Object>${object}</Object></Output>`;

/** A single job: `<Request><Tag/><Input/><Operation/>…</Request>`; `input: null` sends no Input. */
export function jobBody(options: { tag?: string; input?: string | null; operation?: string | null; extra?: string } = {}): string {
  const { tag = 'Transcode', input = 'in/video.mp4', operation = `<TemplateId>${TRANSCODE_PRESET.id}</TemplateId>${output()}`, extra = '' } = options;
  const inputXml = input === null ? '' : `<Input><Object>${input}</Object></Input>`;
  const operationXml = operation === null ? '' : `<Operation>${operation}</Operation>`;
  return `<Request><Tag>${tag}</Tag>${inputXml}${operationXml}${extra}</Request>`;
}

export interface JobXml {
  readonly Code: string;
  readonly Message: string;
  readonly JobId: string;
  readonly State: string;
  readonly Progress: string;
  readonly CreationTime: string;
  readonly StartTime: string;
  readonly EndTime: string;
  readonly QueueId: string;
  readonly Tag: string;
  readonly Input?: { readonly [name: string]: XmlTree };
  readonly Operation: { readonly [name: string]: XmlTree };
}

export interface JobsAnswer {
  readonly requestId: string;
  readonly jobs: readonly JobXml[];
  readonly nonExist: readonly string[];
  /** undefined when the answer has no NextToken element (describe). */
  readonly nextToken: string | undefined;
}

const parser = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  ignoreAttributes: true,
  isArray: (_name, jpath) => ['Response.JobsDetail', 'Response.NonExistJobIds'].includes(String(jpath)),
});

/** Parses any XML as the tests compare it: text leaves, arrays for repeated elements. */
export const parseXml = (text: string): { readonly [name: string]: XmlTree } => parser.parse(text) as { readonly [name: string]: XmlTree };

/** A create, describe or list answer. */
export function jobsOf(body: string): JobsAnswer {
  const response = (parser.parse(body) as { Response?: { RequestId: string; JobsDetail?: JobXml[]; NonExistJobIds?: string[]; NextToken?: string } }).Response;
  if (response === undefined) throw new Error(`not a <Response>: ${body}`);
  return { requestId: response.RequestId, jobs: response.JobsDetail ?? [], nonExist: response.NonExistJobIds ?? [], nextToken: response.NextToken };
}

/** POST /jobs that must answer 200: its JobsDetail. */
export async function submit(app: FastifyInstance, body: string, extra: Partial<SignedCall> = {}): Promise<readonly JobXml[]> {
  const response = await call(app, { method: 'POST', path: '/jobs', body, ...extra });
  if (response.statusCode !== 200) throw new Error(`POST /jobs answered ${response.statusCode}: ${response.body}`);
  return jobsOf(response.body).jobs;
}

export async function submitOne(app: FastifyInstance, body: string, extra: Partial<SignedCall> = {}): Promise<JobXml> {
  const [job, ...more] = await submit(app, body, extra);
  if (job === undefined || more.length > 0) throw new Error('expected one JobsDetail');
  return job;
}

/** GET /jobs/<id>: the job, which must exist. */
export async function describeJob(app: FastifyInstance, id: string, extra: Partial<SignedCall> = {}): Promise<JobXml> {
  const response = await call(app, { method: 'GET', path: `/jobs/${id}`, ...extra });
  const [job] = jobsOf(response.body).jobs;
  if (response.statusCode !== 200 || job === undefined) throw new Error(`describe ${id} answered ${response.statusCode}: ${response.body}`);
  return job;
}

/** POST /_emulator/jobs/<id>: the test's move. */
export const moveJob = (app: FastifyInstance, id: string, move: unknown): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url: `/_emulator/jobs/${id}`, payload: move as Record<string, unknown> });

/** Every JobId in the list, paging with NextToken; the pages as they came. */
export async function listPages(app: FastifyInstance, query: Readonly<Record<string, string>>): Promise<string[][]> {
  const pages: string[][] = [];
  let token = '';
  for (let page = 0; page < 100; page++) {
    const response = await call(app, { method: 'GET', path: '/jobs', query: { ...query, nextToken: token } });
    if (response.statusCode !== 200) throw new Error(`list answered ${response.statusCode}: ${response.body}`);
    const answer = jobsOf(response.body);
    pages.push(answer.jobs.map((job) => job.JobId));
    token = answer.nextToken ?? '';
    if (token === '') return pages;
  }
  throw new Error('the list never ended');
}

/**
 * Reads until `done` holds, or fails after `timeoutMs` (generous: a deadline, not a measure).
 * Answers every value read, in order, so a test can assert the order of states seen.
 */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T[]> {
  const seen: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    seen.push(value);
    if (done(value)) return seen;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; seen ${JSON.stringify(seen.slice(-5))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** States in the order a job lives them: what a poll sees must never go back. */
const ORDER = ['Submitted', 'Running', 'Success'];
export const inLifeOrder = (states: readonly string[]): boolean =>
  states.every((state, index) => index === 0 || ORDER.indexOf(state) >= ORDER.indexOf(states[index - 1] ?? ''));

/** A template kind's doc example with another Name: a create body. */
export function templateBody(tag: string, name: string): string {
  const kind = CATALOG.find((candidate) => candidate.tag === tag);
  if (kind === undefined) throw new Error(`no template kind ${tag}`);
  return kind.example.replace(/<Name>[^<]*<\/Name>/, `<Name>${name}</Name>`);
}

/** Creates a template of the kind from its doc example; answers its id. */
export async function createTemplate(app: FastifyInstance, tag: string, name: string, extra: Partial<SignedCall> = {}): Promise<string> {
  const response = await call(app, { method: 'POST', path: '/template', body: templateBody(tag, name), ...extra });
  const id = /<TemplateId>([^<]+)<\/TemplateId>/.exec(response.body)?.[1];
  if (response.statusCode !== 200 || id === undefined) throw new Error(`create ${tag} ${name} answered ${response.statusCode}: ${response.body}`);
  return id;
}
