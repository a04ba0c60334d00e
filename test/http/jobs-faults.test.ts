import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, errorOf, testServer } from '../helpers.js';
import { describeJob, jobBody, output, submit, submitOne, TRANSCODE_PRESET, until, type JobXml } from '../jobs.js';

/**
 * Job faults (POST /_emulator/faults with `job`): the next matching jobs end as the fault says,
 * and the request itself is answered as usual. Jobs here live the timed lifecycle with
 * CIE_JOB_DURATION_MS=0, so each ends on its own; the tests poll for the end with a deadline.
 */

let app: FastifyInstance;
beforeAll(async () => {
  app = await testServer({ jobDurationMs: 0 });
});
afterAll(() => app.close());
beforeEach(async () => {
  await app.inject({ method: 'DELETE', url: '/_emulator/faults' });
});

const addFault = (fault: unknown) => app.inject({ method: 'POST', url: '/_emulator/faults', payload: fault as Record<string, unknown> });

/** The job once it has ended. */
async function ended(id: string): Promise<JobXml> {
  const seen = await until(
    () => describeJob(app, id),
    (job) => job.State === 'Success' || job.State === 'Failed',
    `job ${id} ends`,
  );
  return seen.at(-1)!;
}

describe('a job fault', () => {
  it('is listed with how its jobs end', async () => {
    expect((await addFault({ match: { path: '/jobs' }, job: { state: 'Failed', code: 'Listed', message: 'shown' }, times: 2 })).statusCode).toBe(201);
    const listed = (await app.inject({ url: '/_emulator/faults' })).json<{ faults: { job?: unknown; remaining: number }[] }>().faults;
    expect(listed.at(-1)).toMatchObject({ job: { state: 'Failed', code: 'Listed', message: 'shown' }, remaining: 2, status: null });
    await app.inject({ method: 'DELETE', url: '/_emulator/faults' });
  });

  it('makes the next matching job end Failed with its code and message; the request answers 200', async () => {
    expect(
      (await addFault({ match: { path: '/jobs' }, job: { state: 'Failed', code: 'InputNotMedia', message: 'the input is not a media file' } })).statusCode,
    ).toBe(201);
    const response = await call(app, { method: 'POST', path: '/jobs', body: jobBody() });
    expect(response.statusCode).toBe(200);
    const faulted = /<JobId>([^<]+)<\/JobId>/.exec(response.body)?.[1] ?? '';
    expect(/<State>([^<]+)<\/State>/.exec(response.body)?.[1]).toBe('Submitted');
    expect(await ended(faulted)).toMatchObject({ State: 'Failed', Code: 'InputNotMedia', Message: 'the input is not a media file' });
    // Spent: the fault is gone, and the next job succeeds.
    expect((await app.inject({ url: '/_emulator/faults' })).json()).toEqual({ faults: [] });
    expect((await ended((await submitOne(app, jobBody())).JobId)).State).toBe('Success');
  });

  it('with times N covers N jobs, one use per job of a multi-operation request too', async () => {
    await addFault({ match: { method: 'POST', path: '/jobs' }, times: 3, job: { code: 'Overloaded', message: 'try later' } });
    const operation = `<Operation><Tag>Transcode</Tag><TemplateId>${TRANSCODE_PRESET.id}</TemplateId>${output()}</Operation>`;
    const pair = await submit(app, `<Request><Input><Object>in/a.mp4</Object></Input>${operation}${operation}</Request>`);
    const third = await submitOne(app, jobBody());
    const fourth = await submitOne(app, jobBody());
    const endings = await Promise.all([...pair, third, fourth].map((job) => ended(job.JobId)));
    expect(endings.map((job) => [job.State, job.Code, job.Message])).toEqual([
      ['Failed', 'Overloaded', 'try later'],
      ['Failed', 'Overloaded', 'try later'],
      ['Failed', 'Overloaded', 'try later'],
      ['Success', 'Success', ''],
    ]);
  });

  it('is not spent by a request that is refused', async () => {
    await addFault({ match: { path: '/jobs' }, job: { state: 'Failed', code: 'Spent' } });
    expect(
      errorOf(
        await call(app, {
          method: 'POST',
          path: '/jobs',
          body: jobBody({ operation: `<TemplateId>t1000000000000000000000000000000a1</TemplateId>${output()}` }),
        }),
      ).code,
    ).toBe('TemplateNotFound');
    // A multi-operation request whose second operation is refused stores no job, so it spends nothing.
    const good = `<Operation><Tag>Transcode</Tag><TemplateId>${TRANSCODE_PRESET.id}</TemplateId>${output()}</Operation>`;
    const bad = `<Operation><Tag>Transcode</Tag><TemplateId>t1000000000000000000000000000000a1</TemplateId>${output()}</Operation>`;
    expect(
      errorOf(await call(app, { method: 'POST', path: '/jobs', body: `<Request><Input><Object>a.mp4</Object></Input>${good}${bad}</Request>` })).code,
    ).toBe('TemplateNotFound');
    expect((await app.inject({ url: '/_emulator/faults' })).json<{ faults: unknown[] }>().faults).toHaveLength(1);
    expect(await ended((await submitOne(app, jobBody())).JobId)).toMatchObject({ State: 'Failed', Code: 'Spent' });
  });

  it('only matches its path: a job posted elsewhere (another method) ends as usual', async () => {
    await addFault({ match: { method: 'PUT', path: '/jobs' }, job: { state: 'Failed' } });
    expect((await ended((await submitOne(app, jobBody())).JobId)).State).toBe('Success');
    expect((await app.inject({ url: '/_emulator/faults' })).json<{ faults: unknown[] }>().faults).toHaveLength(1);
  });

  it('ending in Success with a code of its own', async () => {
    await addFault({ match: { path: '/jobs' }, job: { state: 'Success', code: 'PartialSuccess', message: 'one stream was dropped' } });
    expect(await ended((await submitOne(app, jobBody())).JobId)).toMatchObject({ State: 'Success', Code: 'PartialSuccess', Message: 'one stream was dropped' });
  });

  it.each([
    ['a status', { status: 503 }],
    ['a code', { code: 'ServiceUnavailable' }],
    ['a delay', { delayMs: 100 }],
  ])('with %s too is refused: 400 InvalidFault', async (_what, extra) => {
    const response = await addFault({ match: { path: '/jobs' }, job: { state: 'Failed' }, ...extra });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'InvalidFault', message: 'a job fault sets how jobs end, not the answer: give job, or status, code and delayMs' });
  });

  it.each([
    ['a state a job does not end in', { state: 'Running' }, 'job.state must be Failed or Success'],
    ['an unknown key', { state: 'Failed', after: 3 }, 'job has unknown key after; it takes state, code, message'],
    ['a code that is not a word', { code: 'no such code' }, 'job.code is not valid'],
  ])('with %s is refused: 400 InvalidFault', async (_what, job, message) => {
    const response = await addFault({ match: { path: '/jobs' }, job });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'InvalidFault', message });
  });
});
