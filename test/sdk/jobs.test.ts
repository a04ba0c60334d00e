import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { inLifeOrder, output, SNAPSHOT_PRESET, templateBody, TRANSCODE_PRESET, until } from '../jobs.js';
import { asList, newCos, sdkError, sdkOk, startQuiet, type SdkData } from './sdk.js';

/**
 * Media jobs through cos-nodejs-sdk-v5 against a listening emulator, as users call CI: cos.request
 * with Key 'jobs' or 'jobs/<JobId>' (what the SDK signs) and Url (where it sends). One emulator
 * lives the default 200 ms lifecycle; the other holds jobs (CIE_JOB_DURATION_MS=manual) until
 * the test moves them through /_emulator/jobs.
 */

let timed: RunningEmulator;
let manual: RunningEmulator;
beforeAll(async () => {
  [timed, manual] = await Promise.all([startQuiet(), startQuiet({ jobDurationMs: 'manual' })]);
});
afterAll(async () => {
  await Promise.all([timed.close(), manual.close()]);
});

const cos = newCos();
type Detail = Record<string, unknown> & { JobId: string; State: string; Tag: string; Operation: Record<string, unknown> };

const jobsOf = (data: SdkData): Detail[] => asList(data.Response['JobsDetail'] as Detail | Detail[] | undefined) as Detail[];

async function submitJob(emulator: RunningEmulator, body: string): Promise<Detail> {
  const data = await sdkOk(cos, { Method: 'POST', Key: 'jobs', Url: `${emulator.url}/jobs`, Body: body, ContentType: 'application/xml' });
  expect(data.statusCode).toBe(200);
  const [job] = jobsOf(data);
  if (job === undefined) throw new Error(`no JobsDetail in ${JSON.stringify(data.Response)}`);
  return job;
}

async function describeJob(emulator: RunningEmulator, id: string): Promise<Detail> {
  const [job] = jobsOf(await sdkOk(cos, { Method: 'GET', Key: `jobs/${id}`, Url: `${emulator.url}/jobs/${id}` }));
  if (job === undefined) throw new Error(`no job ${id}`);
  return job;
}

async function move(emulator: RunningEmulator, id: string, state: string): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/jobs/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ state }),
  });
  expect(response.status).toBe(200);
}

const snapshotJob = (input: string): string =>
  `<Request><Tag>Snapshot</Tag><Input><Object>${input}</Object></Input><Operation><TemplateId>${SNAPSHOT_PRESET.id}</TemplateId>${output('shots/${Number}.jpg')}</Operation></Request>`;

describe('a Transcode job through the SDK', () => {
  it('with a template the SDK created: submitted, then described until Success, through Submitted and Running', async () => {
    const created = await sdkOk(cos, {
      Method: 'POST',
      Key: 'template',
      Url: `${timed.url}/template`,
      Body: templateBody('Transcode', 'sdk-transcode'),
      ContentType: 'application/xml',
    });
    const templateId = (created.Response['Template'] as { TemplateId: string }).TemplateId;

    const body = `<Request><Tag>Transcode</Tag><Input><Object>in/movie.mp4</Object></Input><Operation><TemplateId>${templateId}</TemplateId>${output('out/movie.mp4')}</Operation></Request>`;
    const job = await submitJob(timed, body);
    expect(job).toMatchObject({ Tag: 'Transcode', State: 'Submitted', Operation: { TemplateId: templateId, TemplateName: 'sdk-transcode' } });
    expect(job.JobId).toMatch(/^j[0-9a-f]{32}$/);

    const seen = await until(
      () => describeJob(timed, job.JobId),
      (described) => described.State === 'Success',
      `job ${job.JobId} succeeds`,
    );
    const states = seen.map((described) => described.State);
    expect(inLifeOrder(states), states.join(' → ')).toBe(true);
    expect(states.at(-1)).toBe('Success');
    const done = seen.at(-1)!;
    expect(done).toMatchObject({ Code: 'Success', Progress: '100' });
    expect(done.Operation['MediaResult']).toMatchObject({ OutputFile: { ObjectName: 'out/movie.mp4', Bucket: 'examplebucket-1250000000' } });
    expect(done['StartTime']).not.toBe('-');
    expect(done['EndTime']).not.toBe('-');
  });

  it('with a template that does not exist: the SDK gets 404 TemplateNotFound', async () => {
    const body = `<Request><Tag>Transcode</Tag><Input><Object>in/a.mp4</Object></Input><Operation><TemplateId>t1000000000000000000000000000000a1</TemplateId>${output()}</Operation></Request>`;
    const error = await sdkError(cos, { Method: 'POST', Key: 'jobs', Url: `${timed.url}/jobs`, Body: body, ContentType: 'application/xml' });
    expect(error).toMatchObject({ code: 'TemplateNotFound', statusCode: 404 });
  });

  it('described with ids that do not exist: 200 with NonExistJobIds', async () => {
    const job = await submitJob(timed, snapshotJob('in/one.mp4'));
    const data = await sdkOk(cos, { Method: 'GET', Key: `jobs/${job.JobId},jabcsdssfeipplsdfwe`, Url: `${timed.url}/jobs/${job.JobId},jabcsdssfeipplsdfwe` });
    expect(jobsOf(data).map((found) => found.JobId)).toEqual([job.JobId]);
    expect(data.Response['NonExistJobIds']).toBe('jabcsdssfeipplsdfwe');
  });
});

describe('listing jobs through the SDK', () => {
  it('by tag and by states, paging with NextToken and size 2', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push((await submitJob(manual, snapshotJob(`in/${index}.mp4`))).JobId);
    const transcode = await submitJob(
      manual,
      `<Request><Tag>Transcode</Tag><Input><Object>in/t.mp4</Object></Input><Operation><TemplateId>${TRANSCODE_PRESET.id}</TemplateId>${output()}</Operation></Request>`,
    );
    await move(manual, ids[1]!, 'Success');
    await move(manual, ids[3]!, 'Success');

    const pages: string[][] = [];
    let nextToken = '';
    do {
      const data = await sdkOk(cos, { Method: 'GET', Key: 'jobs', Url: `${manual.url}/jobs`, Query: { tag: 'Snapshot', size: 2, nextToken } });
      pages.push(jobsOf(data).map((job) => job.JobId));
      nextToken = typeof data.Response['NextToken'] === 'string' ? data.Response['NextToken'] : '';
    } while (nextToken !== '' && pages.length < 10);
    expect(pages).toEqual([[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);

    const succeeded = await sdkOk(cos, { Method: 'GET', Key: 'jobs', Url: `${manual.url}/jobs`, Query: { tag: 'Snapshot', states: 'Success' } });
    expect(jobsOf(succeeded).map((job) => [job.JobId, job.State])).toEqual([
      [ids[3], 'Success'],
      [ids[1], 'Success'],
    ]);
    const waiting = await sdkOk(cos, { Method: 'GET', Key: 'jobs', Url: `${manual.url}/jobs`, Query: { tag: 'Transcode', states: 'Submitted,Running' } });
    expect(jobsOf(waiting).map((job) => job.JobId)).toEqual([transcode.JobId]);
  });
});

describe('cancelling a job through the SDK', () => {
  it("with Action 'cancel': 200 with an empty body, which the SDK accepts; the job is then Cancel", async () => {
    const job = await submitJob(manual, snapshotJob('in/cancel-me.mp4'));
    const data = await sdkOk(cos, { Method: 'PUT', Key: `jobs/${job.JobId}`, Url: `${manual.url}/jobs/${job.JobId}`, Action: 'cancel' });
    expect(data.statusCode).toBe(200);
    expect(data.headers['content-length']).toBe('0');
    expect(data.headers['x-ci-request-id']).toMatch(/.+/);
    expect((await describeJob(manual, job.JobId)).State).toBe('Cancel');

    const journal = (await (await fetch(`${manual.url}/_emulator/requests?limit=5`)).json()) as {
      requests: { method: string; path: string; query: string; auth: { verdict: string } }[];
    };
    expect(journal.requests.find((entry) => entry.method === 'PUT')).toMatchObject({
      path: `/jobs/${job.JobId}`,
      query: expect.stringMatching(/^cancel=?$/),
      auth: { verdict: 'ok' },
    });

    // Once cancelled, it cannot be cancelled again.
    const again = await sdkError(cos, { Method: 'PUT', Key: `jobs/${job.JobId}`, Url: `${manual.url}/jobs/${job.JobId}`, Action: 'cancel' });
    expect(again).toMatchObject({ code: 'InvalidArgument', statusCode: 400 });
  });

  it('refuses a job that is Running: 400 InvalidArgument, and it keeps running', async () => {
    const job = await submitJob(manual, snapshotJob('in/busy.mp4'));
    await move(manual, job.JobId, 'Running');
    const error = await sdkError(cos, { Method: 'PUT', Key: `jobs/${job.JobId}`, Url: `${manual.url}/jobs/${job.JobId}`, Action: 'cancel' });
    expect(error).toMatchObject({ code: 'InvalidArgument', statusCode: 400 });
    expect(error.message).toBe(`The job ${job.JobId} is Running: only a job that has not started (Submitted) can be cancelled.`);
    expect((await describeJob(manual, job.JobId)).State).toBe('Running');
  });
});
