import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyOf, noteBody, requestRoot } from '../api/body.js';
import type { ApiResource, ApiServices, OpenResource } from '../api/resource.js';
import { validateKindData } from '../kinds/validate.js';
import { CiError, invalidArgument } from '../errors.js';
import { newJobId } from '../ids.js';
import { isGroupValue, type GroupValue } from '../kinds/schema.js';
import { queryRecord } from '../request-context.js';
import { leaf } from '../xml-escape.js';
import { CallbackDispatcher } from './dispatch.js';
import type { JobKind } from './kinds.js';
import { readJobListQuery } from './list-query.js';
import { DOCUMENTED_PRESETS, PRESET_ID } from './presets.js';
import { DEFAULT_QUEUE, defaultQueueId, describeQueues, QUEUE_UPDATE, readQueueQuery, updatedQueue, updatedSettings } from './queue.js';
import { jobDetail, treeXml } from './render.js';
import { JobDeclarations, type JobRequest } from './request.js';
import { JobRunner } from './runner.js';
import { JOB_MIGRATIONS } from './schema.js';
import type { JobMove, NewJob, StoredJob } from './store.js';

/** CreateMediaJobs, DescribeMediaJob(s), CancelMediaJob and DescribeMediaQueues. */
export const jobs: ApiResource = {
  paths: [
    { pattern: /^\/jobs$/, methods: ['GET', 'HEAD', 'POST'], shown: '/jobs' },
    { pattern: /^\/jobs\/[^/]+$/, methods: ['GET', 'HEAD', 'PUT'], shown: '/jobs/<JobId>' },
    { pattern: /^\/queue$/, methods: ['GET', 'HEAD'], shown: '/queue' },
    { pattern: /^\/queue\/[^/]+$/, methods: ['PUT'], shown: '/queue/<QueueId>' },
  ],
  unserved: [
    {
      pattern: /^\/(?:pic_jobs|ai_jobs|asr_jobs)(?:\/|$)/,
      message: 'picture, AI and speech jobs are not emulated: the emulator serves media-processing jobs at /jobs (SpeechRecognition and PicProcess included)',
    },
  ],
  migrations: JOB_MIGRATIONS,
  open: openJobs,
};

/** Describe takes this many ids in one path at most. */
export const MAX_DESCRIBED_IDS = 100;

const sendXml = (reply: FastifyReply, xml: string): FastifyReply => reply.type('application/xml').send(xml);
const operationOf = (data: GroupValue): GroupValue => {
  const operation = data['Operation'];
  return isGroupValue(operation) ? operation : {};
};

function openJobs(services: ApiServices): OpenResource {
  const { config, kinds, storage, clock, faults } = services;
  const store = storage.jobs;
  const declarations = new JobDeclarations(kinds);
  const callbacks = new CallbackDispatcher(services, declarations);
  const runner = new JobRunner(
    store,
    clock,
    (job) => callbacks.ended(job),
    (error) => services.log.error({ err: error }, 'a job could not move'),
  );
  runner.resume();

  const render = (job: StoredJob): string =>
    treeXml('JobsDetail', jobDetail(job, { tzOffset: config.tzOffset, kind: declarations.get(job.tag), now: clock() }));

  /** The name of the template a job names, once it is checked to be one the job may use. */
  function templateName(bucket: string, id: string, tags: readonly string[], field: string, kind: JobKind): string | undefined {
    const allowed = (): string =>
      `a ${kind.tag} job takes ${tags.length === 1 ? 'a' : 'one of'} ${tags.join(', ')} template${tags.length === 1 ? '' : 's'} there`;
    if (PRESET_ID.test(id)) {
      const preset = DOCUMENTED_PRESETS.get(id);
      if (!config.strict) return preset?.name;
      if (preset === undefined) throw new CiError('TemplateNotFound', `${field} ${id} is not an official preset Tencent documents (strict mode).`);
      if (!tags.includes(preset.tag)) throw invalidArgument(`${field} ${id} is a ${preset.tag} preset; ${allowed()}.`);
      return preset.name;
    }
    const template = storage.templates.find(bucket, id);
    if (template === undefined) throw new CiError('TemplateNotFound', `${field} ${id} is not a template of this bucket.`);
    if (!tags.includes(template.tag)) throw invalidArgument(`${field} ${id} is a ${template.tag} template; ${allowed()}.`);
    return template.name;
  }

  /** A job to store: its templates checked, its queue chosen, its times planned. */
  function newJob(request: FastifyRequest, { kind, data }: JobRequest, now: number): NewJob {
    const { bucket } = request.ci;
    const operation = operationOf(data);
    const templateId = operation['TemplateId'];
    const name = typeof templateId === 'string' ? templateName(bucket.id, templateId, kind.templates, 'Operation.TemplateId', kind) : undefined;
    for (const [field, tags] of Object.entries(kind.templateRefs ?? {})) {
      const ids = operation[field];
      for (const id of typeof ids === 'string' ? [ids] : Array.isArray(ids) ? (ids as readonly string[]) : [])
        templateName(bucket.id, id, tags, `Operation.${field}`, kind);
    }
    const ownQueue = defaultQueueId(bucket.id);
    const queueId = typeof data['QueueId'] === 'string' ? data['QueueId'] : ownQueue;
    if (config.strict && queueId !== ownQueue)
      throw new CiError('QueueNotFound', `QueueId ${queueId} is not a queue of this bucket; its queue is ${ownQueue} (strict mode).`);
    if (queueId === ownQueue && store.queue(bucket.id)?.state === 'Paused')
      throw new CiError('QueuePaused', `The queue ${queueId} is paused: UpdateMediaQueue with State Active takes jobs again.`);
    const duration = config.jobDurationMs;
    return {
      id: newJobId(),
      bucket: bucket.id,
      region: bucket.region,
      tag: kind.tag,
      queueId,
      createdAt: now,
      runAt: duration === 'manual' ? undefined : now + Math.floor(duration / 2),
      endAt: duration === 'manual' ? undefined : now + duration,
      // Set once every job of the request is accepted (see POST /jobs).
      ending: undefined,
      templateName: name,
      data,
    };
  }

  function routes(api: FastifyInstance): void {
    api.post('/jobs', async (request, reply) => {
      const { jobs: requested, notes } = declarations.read(requestRoot(bodyOf(request), 'Tag, Input and Operation'), config);
      noteBody(request, notes);
      const now = clock();
      const planned = requested.map((job) => newJob(request, job, now));
      // A job fault is spent only on jobs that are made: a request refused by its last operation spends none.
      const created = await store.create(planned.map((job) => ({ ...job, ending: faults.takeJobEnding(request.method, request.ci.rawPath) })));
      for (const job of created) runner.schedule(job);
      return sendXml(reply, `<Response>${leaf('RequestId', request.ci.requestId)}${created.map(render).join('')}</Response>`);
    });

    api.get<{ Params: { ids: string } }>('/jobs/:ids', async (request, reply) => {
      // Go sends `a,b`, Python `a%2Cb`: the router has decoded both to `a,b`.
      const ids = [
        ...new Set(
          request.params.ids
            .split(',')
            .map((id) => id.trim())
            .filter((id) => id !== ''),
        ),
      ];
      if (ids.length > MAX_DESCRIBED_IDS) throw invalidArgument(`A describe takes at most ${MAX_DESCRIBED_IDS} JobIds; got ${ids.length}.`);
      const found = store.get(request.ci.bucket.id, ids);
      const known = new Set(found.map((job) => job.id));
      const missing = ids.filter((id) => !known.has(id)).map((id) => leaf('NonExistJobIds', id));
      return sendXml(reply, `<Response>${leaf('RequestId', request.ci.requestId)}${found.map(render).join('')}${missing.join('')}</Response>`);
    });

    api.get('/jobs', async (request, reply) => {
      const filter = readJobListQuery(queryRecord(request.ci), request.ci.bucket.id, declarations.tags, config.strict);
      const page = store.list(filter);
      return sendXml(
        reply,
        `<Response>${leaf('RequestId', request.ci.requestId)}${page.jobs.map(render).join('')}${leaf('NextToken', page.next === undefined ? '' : String(page.next))}</Response>`,
      );
    });

    api.put<{ Params: { ids: string } }>('/jobs/:ids', async (request, reply) => {
      const id = request.params.ids;
      const asked = request.ci.query?.some(([name]) => name === 'cancel') ?? false;
      // Go, Python and the JS SDKs add ?cancel; Java's cancelMediaJob and the Node demo do not.
      if (!asked && config.strict) throw invalidArgument(`PUT /jobs/${id} cancels a job: add the cancel parameter (PUT /jobs/${id}?cancel) (strict mode).`);
      const cancelled = await store.cancel(request.ci.bucket.id, id, clock());
      if (cancelled.outcome === 'notFound') throw invalidArgument(`The job ${id} does not exist in this bucket.`);
      if (cancelled.outcome === 'notSubmitted')
        throw invalidArgument(`The job ${id} is ${cancelled.state}: only a job that has not started (Submitted) can be cancelled.`);
      runner.forget(id);
      // CancelMediaJob answers 200 with no body (Content-Length: 0).
      return reply.code(200).send();
    });

    api.get('/queue', async (request, reply) => {
      const bucket = request.ci.bucket.id;
      return sendXml(
        reply,
        describeQueues(request.ci.requestId, bucket, store.queue(bucket) ?? DEFAULT_QUEUE, readQueueQuery(queryRecord(request.ci)), config.tzOffset),
      );
    });

    api.put<{ Params: { id: string } }>('/queue/:id', async (request, reply) => {
      const bucket = request.ci.bucket.id;
      if (request.params.id !== defaultQueueId(bucket))
        throw new CiError('QueueNotFound', `The queue ${request.params.id} is not a queue of this bucket; its queue is ${defaultQueueId(bucket)}.`);
      const { data, notes } = validateKindData(QUEUE_UPDATE, requestRoot(bodyOf(request), 'Name, State and NotifyConfig').children, config);
      noteBody(request, notes);
      const settings = updatedSettings(data, services.now());
      await store.saveQueue(bucket, settings);
      return sendXml(reply, updatedQueue(request.ci.requestId, bucket, settings, config.tzOffset));
    });
  }

  function adminRoutes(admin: FastifyInstance): void {
    // Moves a job by hand: CIE_JOB_DURATION_MS=manual holds every job in Submitted until a test says.
    admin.post<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => {
      const moved = await runner.move(request.params.id, readMove(request.body));
      if (moved.outcome === 'notFound') return reply.code(404).send({ error: 'JobNotFound', message: `No job ${request.params.id} in any bucket.` });
      if (moved.outcome === 'finished')
        return reply.code(409).send({ error: 'JobFinished', message: `The job ${request.params.id} is ${moved.state}: it moves no more.` });
      return { id: moved.job.id, bucket: moved.job.bucket, state: moved.job.state, code: moved.job.code, message: moved.job.message };
    });
  }

  return {
    routes,
    adminRoutes,
    reset: async (bucket) => {
      const removed = await store.reset(bucket);
      if (bucket === undefined) runner.forgetAll();
      return { jobs: removed };
    },
    close: () => {
      runner.stop();
      callbacks.stop();
    },
  };
}

export class JobMoveError extends Error {
  readonly statusCode = 400;
}

/** `{"state": "Running" | "Success" | "Failed", "code": …, "message": …}` */
function readMove(input: unknown): JobMove {
  const body = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const unknown = Object.keys(body).filter((key) => !['state', 'code', 'message'].includes(key));
  if (unknown.length > 0) throw new JobMoveError(`unknown key${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; a move takes state, code and message`);
  const { state, code, message } = body;
  if (state !== 'Running' && state !== 'Success' && state !== 'Failed') throw new JobMoveError('state must be Running, Success or Failed');
  if (code !== undefined && (typeof code !== 'string' || !/^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(code)))
    throw new JobMoveError('code must be a word like InternalError');
  if (message !== undefined && (typeof message !== 'string' || message.length > 1024))
    throw new JobMoveError('message must be text of at most 1,024 characters');
  return { state, ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) };
}
