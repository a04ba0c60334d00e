import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/admin/journal.js';
import { JOB_KINDS } from '../../src/jobs/kinds.js';
import { SDK_JOB_BODIES, templatesNamed } from '../fixtures/sdk-job-bodies.js';
import { call, testServer, xml } from '../helpers.js';
import { createTemplate, describeJob, jobsOf } from '../jobs.js';

/**
 * The POST /jobs bodies the official SDKs send (test/fixtures/sdk-job-bodies.ts), replayed in the
 * default mode: each is answered 200 with one JobsDetail per job it asks for, in order, and each
 * job can be described. The templates they name are made first in the replay bucket.
 */

const HOST = 'replay-1250000000.ci.ap-chongqing.myqcloud.com';
let app: FastifyInstance;
const templates = new Map<string, { id: string; name: string }>();
let queueId: string;

beforeAll(async () => {
  app = await testServer({ jobDurationMs: 'manual' });
  for (const tag of new Set(SDK_JOB_BODIES.flatMap((fixture) => templatesNamed(fixture.body)))) {
    const name = `replay-${tag}`;
    templates.set(tag, { id: await createTemplate(app, tag, name, { host: HOST }), name });
  }
  queueId = (xml((await call(app, { method: 'GET', path: '/queue', host: HOST })).body)['Response'] as { QueueList: { QueueId: string } }).QueueList.QueueId;
});
afterAll(() => app.close());

const filled = (body: string): string =>
  body.replaceAll('{queue}', queueId).replace(/\{template:([A-Za-z]+)\}/g, (_match, tag: string) => templates.get(tag)?.id ?? `missing ${tag}`);

describe('the replay fixture', () => {
  it('has a body for every job Tag the emulator takes, and a multi-operation one', () => {
    const replayed = new Set(SDK_JOB_BODIES.flatMap((fixture) => fixture.tags));
    expect(JOB_KINDS.map((kind) => kind.tag).filter((tag) => !replayed.has(tag))).toEqual([]);
    expect(SDK_JOB_BODIES.some((fixture) => fixture.tags.length > 1)).toBe(true);
  });
});

describe('the default mode', () => {
  it.each(SDK_JOB_BODIES.map((fixture) => [fixture.source, fixture] as const))('takes %s', async (_source, fixture) => {
    const response = await call(app, { method: 'POST', path: '/jobs', body: filled(fixture.body), host: HOST });
    expect(response.statusCode, response.body).toBe(200);
    const { jobs } = jobsOf(response.body);
    expect(jobs.map((job) => job.Tag)).toEqual(fixture.tags);
    expect(jobs.every((job) => job.State === 'Submitted')).toBe(true);
    const named = templatesNamed(fixture.body).filter((tag) => fixture.body.includes(`<TemplateId>{template:${tag}}</TemplateId>`));
    for (const job of jobs) {
      expect(await describeJob(app, job.JobId, { host: HOST })).toEqual(job);
      // A stored template the job names is answered with its name.
      const id = job.Operation['TemplateId'];
      const template = [...templates.values()].find((candidate) => candidate.id === id);
      if (template !== undefined) expect(job.Operation['TemplateName']).toBe(template.name);
    }
    expect(named.every((tag) => jobs.some((job) => job.Operation['TemplateId'] === templates.get(tag)?.id))).toBe(true);
    // Nothing else the SDK sent was dropped on the way.
    const [entry] = (await app.inject({ url: '/_emulator/requests?limit=50' }))
      .json<{ requests: JournalEntry[] }>()
      .requests.filter((request) => request.requestId === jobsOf(response.body).requestId);
    expect(entry?.ignored).toEqual(fixture.ignored?.paths ?? []);
    expect(entry?.repeated).toEqual([]);
  });

  it('puts every replayed job in the bucket: the list by Tag finds them', async () => {
    const response = await call(app, { method: 'GET', path: '/jobs', query: { tag: 'GeneratePlayList', size: '100' }, host: HOST });
    const expected = SDK_JOB_BODIES.flatMap((fixture) => fixture.tags).filter((tag) => tag === 'GeneratePlayList').length;
    expect(jobsOf(response.body).jobs).toHaveLength(expected);
  });
});
