import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OPERATIONS } from '../../src/jobs/request.js';
import { MAX_DESCRIBED_IDS } from '../../src/jobs/resource.js';
import { call, DEFAULT_BUCKET, errorOf, signedHeaders, testServer, xml } from '../helpers.js';
import { createTemplate, describeJob, jobBody, jobsOf, moveJob, output, SNAPSHOT_PRESET, submit, submitOne, TRANSCODE_PRESET, type JobXml } from '../jobs.js';

/**
 * Media jobs over app.inject, with CIE_JOB_DURATION_MS=manual: every job stays Submitted until
 * the test moves it through POST /_emulator/jobs/<JobId>, so nothing here races the clock.
 * Submit, describe, list and cancel; every error the API answers; strict mode's refusals and
 * the default mode's leniencies; the admin moves and resets.
 */

const JOB_ID = /^j[0-9a-f]{32}$/;
const CI_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0800$/;
/** Each test that counts or lists jobs has a bucket of its own on the one server. */
const hostOf = (bucket: string): string => `${bucket}-1250000000.ci.ap-guangzhou.myqcloud.com`;

let app: FastifyInstance;
let strictApp: FastifyInstance;
beforeAll(async () => {
  [app, strictApp] = await Promise.all([testServer({ jobDurationMs: 'manual' }), testServer({ jobDurationMs: 'manual', strict: true })]);
});
afterAll(async () => {
  await Promise.all([app.close(), strictApp.close()]);
});

async function queueIdOf(server: FastifyInstance, host?: string): Promise<string> {
  const response = await call(server, { method: 'GET', path: '/queue', ...(host === undefined ? {} : { host }) });
  const list = xml(response.body)['Response'] as { QueueList: { QueueId: string } };
  return list.QueueList.QueueId;
}

async function expectMoved(id: string, move: Record<string, string>): Promise<void> {
  const response = await moveJob(app, id, move);
  expect(response.statusCode, response.body).toBe(200);
}

describe('POST /jobs, one job', () => {
  it('with a stored Transcode template: 200, Submitted, with its Input, Operation, TemplateName and the default queue', async () => {
    const host = hostOf('submit');
    const templateId = await createTemplate(app, 'Transcode', 'for-a-job', { host });
    const body = jobBody({
      operation: `<TemplateId>${templateId}</TemplateId>${output('out/${InputName}.mp4', 'submit-1250000000')}<UserData>mine</UserData><JobLevel>1</JobLevel>`,
    });
    const response = await call(app, { method: 'POST', path: '/jobs', body, host });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/xml');
    const answer = jobsOf(response.body);
    expect(answer.requestId).toBe(response.headers['x-ci-request-id']);
    expect(answer.jobs).toHaveLength(1);
    const job = answer.jobs[0]!;
    expect(job.JobId).toMatch(JOB_ID);
    expect(job).toMatchObject({
      Code: 'Success',
      Message: '',
      State: 'Submitted',
      Progress: '0',
      StartTime: '-',
      EndTime: '-',
      Tag: 'Transcode',
      QueueId: await queueIdOf(app, host),
    });
    expect(job.CreationTime).toMatch(CI_TIME);
    expect(job.Input).toEqual({ BucketId: 'submit-1250000000', Object: 'in/video.mp4', Region: 'ap-guangzhou' });
    expect(job.Operation).toEqual({
      TemplateId: templateId,
      TemplateName: 'for-a-job',
      Output: { Region: 'ap-guangzhou', Bucket: 'submit-1250000000', Object: 'out/${InputName}.mp4' },
      UserData: 'mine',
      JobLevel: '1',
    });
    // Described as created.
    expect(await describeJob(app, job.JobId, { host })).toEqual(job);
  });

  it('moves Submitted → Running → Success: StartTime, EndTime, Progress 100 and the MediaResult of its Output', async () => {
    const job = await submitOne(app, jobBody({ operation: `<TemplateId>${TRANSCODE_PRESET.id}</TemplateId>${output('out/${InputName}.mp4')}` }));
    await expectMoved(job.JobId, { state: 'Running' });
    const running = await describeJob(app, job.JobId);
    expect(running).toMatchObject({ State: 'Running', EndTime: '-', Progress: '0' });
    expect(running.StartTime).toMatch(CI_TIME);
    expect(running.Operation['MediaResult']).toBeUndefined();

    await expectMoved(job.JobId, { state: 'Success' });
    const done = await describeJob(app, job.JobId);
    expect(done).toMatchObject({ State: 'Success', Code: 'Success', Progress: '100', StartTime: running.StartTime });
    expect(done.EndTime).toMatch(CI_TIME);
    expect(done.Operation['MediaResult']).toEqual({
      OutputFile: {
        Bucket: DEFAULT_BUCKET,
        Md5Info: { Md5: expect.stringMatching(/^[0-9a-f]{32}$/), ObjectName: 'out/video.mp4' },
        ObjectName: 'out/video.mp4',
        ObjectPrefix: '',
        Region: 'ap-guangzhou',
      },
    });
  });

  it('splits an Output with ${Number} into ObjectPrefix and numbered names', async () => {
    const job = await submitOne(
      app,
      jobBody({ tag: 'Snapshot', operation: `<TemplateId>${SNAPSHOT_PRESET.id}</TemplateId>${output('snap/${InputName}-${Number}.jpg')}` }),
    );
    await expectMoved(job.JobId, { state: 'Success' });
    const result = (await describeJob(app, job.JobId)).Operation['MediaResult'] as { OutputFile: Record<string, unknown> };
    expect(result.OutputFile).toMatchObject({ ObjectPrefix: 'snap/video-', ObjectName: '0.jpg' });
  });

  it('ends Failed with the code and message a test gives; a job that makes nothing has no MediaResult', async () => {
    const job = await submitOne(app, jobBody({ tag: 'MediaInfo', operation: null }));
    await expectMoved(job.JobId, { state: 'Failed', code: 'InvalidInput', message: 'the input is not media' });
    expect(await describeJob(app, job.JobId)).toMatchObject({ State: 'Failed', Code: 'InvalidInput', Message: 'the input is not media' });

    const probe = await submitOne(app, jobBody({ tag: 'MediaInfo', operation: null }));
    await expectMoved(probe.JobId, { state: 'Success' });
    const described = await describeJob(app, probe.JobId);
    expect(described.State).toBe('Success');
    // <Operation></Operation>: nothing was asked of it, and it made no file.
    expect(described.Operation).toBe('');
  });

  it('takes a MediaInfo job with no Operation, and a Concat or Tts job with no Input', async () => {
    expect((await submitOne(app, jobBody({ tag: 'MediaInfo', operation: null }))).Tag).toBe('MediaInfo');
    const concat =
      '<ConcatTemplate><ConcatFragment><Url>https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a.mp4</Url></ConcatFragment>' +
      '<Container><Format>mp4</Format></Container></ConcatTemplate>';
    const concatJob = await submitOne(app, jobBody({ tag: 'Concat', input: null, operation: `${concat}${output()}` }));
    expect(concatJob.Input).toBeUndefined();
    const tts = '<TtsConfig><InputType>Text</InputType><Input>床前明月光</Input></TtsConfig>';
    expect((await submitOne(app, jobBody({ tag: 'Tts', input: null, operation: `${tts}${output('out/tts.mp3')}` }))).Operation['TtsConfig']).toEqual({
      InputType: 'Text',
      Input: '床前明月光',
    });
  });
});

describe('POST /jobs, several operations', () => {
  const operation = (tag: string, template: string, object: string): string =>
    `<Operation><Tag>${tag}</Tag><TemplateId>${template}</TemplateId>${output(object)}</Operation>`;

  it('answers one JobsDetail per operation, each with its own Tag, id and Output, sharing Input and CallBack', async () => {
    const body =
      '<Request><Input><Object>in/multi.mp4</Object></Input>' +
      operation('Transcode', TRANSCODE_PRESET.id, 'out/a.mp4') +
      operation('Snapshot', SNAPSHOT_PRESET.id, 'out/s-${Number}.jpg') +
      '<CallBack>no</CallBack></Request>';
    const jobs = await submit(app, body);
    expect(jobs.map((job) => job.Tag)).toEqual(['Transcode', 'Snapshot']);
    expect(new Set(jobs.map((job) => job.JobId)).size).toBe(2);
    expect(jobs.map((job) => job.Input?.['Object'])).toEqual(['in/multi.mp4', 'in/multi.mp4']);
    expect(jobs.map((job) => job.Operation['TemplateName'])).toEqual([TRANSCODE_PRESET.name, SNAPSHOT_PRESET.name]);
    expect(jobs.map((job) => (job.Operation['Output'] as { Object: string }).Object)).toEqual(['out/a.mp4', 'out/s-${Number}.jpg']);
    // Each is a job of its own.
    for (const job of jobs) expect((await describeJob(app, job.JobId)).Tag).toBe(job.Tag);
  });

  it(`takes ${MAX_OPERATIONS} operations and refuses ${MAX_OPERATIONS + 1}`, async () => {
    const one = operation('Transcode', TRANSCODE_PRESET.id, 'out/a.mp4');
    const body = (count: number): string => `<Request><Input><Object>in/a.mp4</Object></Input>${one.repeat(count)}</Request>`;
    expect(await submit(app, body(MAX_OPERATIONS))).toHaveLength(MAX_OPERATIONS);
    const refused = await call(app, { method: 'POST', path: '/jobs', body: body(MAX_OPERATIONS + 1) });
    expect(errorOf(refused)).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: `Operation may be given at most ${MAX_OPERATIONS} times; got ${MAX_OPERATIONS + 1}.`,
    });
  });

  it('takes a root Tag beside a Tag in each Operation (Go CreateMultiGeneratePlayListJobs) as one job per Operation; strict mode refuses it', async () => {
    const playlist = (name: string): string =>
      `<Operation><Tag>GeneratePlayList</Tag>${output(`live/${name}.m3u8`)}<Transcode><Container><Format>hls</Format></Container><Video><Codec>H.264</Codec><Width>1280</Width></Video></Transcode></Operation>`;
    const body = `<Request><Tag>GeneratePlayList</Tag><Input><Object>in/live.mp4</Object></Input>${playlist('a')}${playlist('b')}</Request>`;
    const response = await call(app, { method: 'POST', path: '/jobs', body });
    expect(response.statusCode, response.body).toBe(200);
    const { jobs, requestId } = jobsOf(response.body);
    expect(jobs.map((job) => [job.Tag, (job.Operation['Output'] as { Object: string }).Object])).toEqual([
      ['GeneratePlayList', 'live/a.m3u8'],
      ['GeneratePlayList', 'live/b.m3u8'],
    ]);
    const journal = (await app.inject({ url: '/_emulator/requests?limit=5' })).json<{
      requests: { requestId: string; ignored: string[]; repeated: string[] }[];
    }>().requests;
    expect(journal.find((entry) => entry.requestId === requestId)).toMatchObject({ ignored: ['Tag'], repeated: [] });
    expect(errorOf(await call(strictApp, { method: 'POST', path: '/jobs', body }))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: 'Operation is given more than once.',
    });
  });

  it('stores none of them when one is refused', async () => {
    const host = hostOf('multi-refused');
    const body = `<Request><Input><Object>in/a.mp4</Object></Input>${operation('Transcode', TRANSCODE_PRESET.id, 'a')}${operation('Transcode', 't1000000000000000000000000000000ff', 'b')}</Request>`;
    expect(errorOf(await call(app, { method: 'POST', path: '/jobs', body, host })).code).toBe('TemplateNotFound');
    expect(await listJobsIn(host)).toEqual([]);
  });
});

async function listJobsIn(host: string, query: Readonly<Record<string, string>> = {}): Promise<string[]> {
  const response = await call(app, { method: 'GET', path: '/jobs', query, host });
  expect(response.statusCode, response.body).toBe(200);
  return jobsOf(response.body).jobs.map((job) => job.JobId);
}

describe('GET /jobs/<JobId>', () => {
  let job: JobXml;
  beforeAll(async () => {
    job = await submitOne(app, jobBody());
  });

  it('answers a NonExistJobIds element per missing id, a malformed one too, with JobsDetail for the others in the asked order', async () => {
    const second = await submitOne(app, jobBody());
    const answer = jobsOf(
      (await call(app, { method: 'GET', path: `/jobs/${second.JobId},jc7c990a00bf211ed946af9e0691f2b7a,${job.JobId},jabcsdssfeipplsdfwe` })).body,
    );
    expect(answer.jobs.map((found) => found.JobId)).toEqual([second.JobId, job.JobId]);
    expect(answer.nonExist).toEqual(['jc7c990a00bf211ed946af9e0691f2b7a', 'jabcsdssfeipplsdfwe']);
  });

  it('answers 200 with only NonExistJobIds for an unknown id', async () => {
    const response = await call(app, { method: 'GET', path: '/jobs/jabcsdssfeipplsdfwe' });
    expect(response.statusCode).toBe(200);
    const answer = jobsOf(response.body);
    expect(answer.jobs).toEqual([]);
    expect(answer.nonExist).toEqual(['jabcsdssfeipplsdfwe']);
    expect(response.body).not.toContain('<NextToken>');
  });

  it('splits `a,b` (Go) and `a%2Cb` (Python) alike', async () => {
    const raw = jobsOf((await call(app, { method: 'GET', path: `/jobs/${job.JobId},jmissing` })).body);
    const encoded = jobsOf((await call(app, { method: 'GET', path: `/jobs/${job.JobId}%2Cjmissing` })).body);
    for (const answer of [raw, encoded]) {
      expect(answer.jobs.map((found) => found.JobId)).toEqual([job.JobId]);
      expect(answer.nonExist).toEqual(['jmissing']);
    }
  });

  it("does not show another bucket's job", async () => {
    const answer = jobsOf((await call(app, { method: 'GET', path: `/jobs/${job.JobId}`, host: hostOf('elsewhere') })).body);
    expect(answer.jobs).toEqual([]);
    expect(answer.nonExist).toEqual([job.JobId]);
  });

  it(`takes ${MAX_DESCRIBED_IDS} ids and refuses more`, async () => {
    // Real-length ids: 100 of them fit the router's 4,096-character id part.
    const ids = (count: number): string => Array.from({ length: count }, (_, index) => `j${index.toString(16).padStart(32, '0')}`).join(',');
    expect(jobsOf((await call(app, { method: 'GET', path: `/jobs/${ids(MAX_DESCRIBED_IDS)}` })).body).nonExist).toHaveLength(MAX_DESCRIBED_IDS);
    const refused = errorOf(await call(app, { method: 'GET', path: `/jobs/${ids(MAX_DESCRIBED_IDS + 1)}` }));
    expect(refused).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: `A describe takes at most ${MAX_DESCRIBED_IDS} JobIds; got ${MAX_DESCRIBED_IDS + 1}.`,
    });
  });
});

describe('what a finished job made', () => {
  it('splits an Output with ${number}, in either case, into ObjectPrefix and numbered names', async () => {
    for (const variable of ['${Number}', '${number}']) {
      const created = jobsOf(
        (
          await call(app, {
            method: 'POST',
            path: '/jobs',
            body: jobBody({ tag: 'Snapshot', operation: `<TemplateId>${SNAPSHOT_PRESET.id}</TemplateId>${output(`shots/${'$'}{InputName}-${variable}.jpg`)}` }),
          })
        ).body,
      ).jobs[0]!;
      await app.inject({ method: 'POST', url: `/_emulator/jobs/${created.JobId}`, payload: { state: 'Success' } });
      const done = jobsOf((await call(app, { method: 'GET', path: `/jobs/${created.JobId}` })).body).jobs[0]!;
      expect(done.Operation['MediaResult']).toMatchObject({ OutputFile: { ObjectPrefix: 'shots/video-', ObjectName: '0.jpg' } });
    }
  });

  it("echoes a Segment job's AIGCMetadata", async () => {
    const segment =
      '<Segment><Format>mp4</Format><Duration>5</Duration><AIGCMetadata><Label>1</Label><ContentProducer>p</ContentProducer></AIGCMetadata></Segment>';
    const created = jobsOf(
      (await call(app, { method: 'POST', path: '/jobs', body: jobBody({ tag: 'Segment', operation: `${segment}${output('seg/${Number}.mp4')}` }) })).body,
    ).jobs[0]!;
    expect(created.Operation['Segment']).toMatchObject({ AIGCMetadata: { Label: '1', ContentProducer: 'p' } });
  });
});

describe('GET /jobs', () => {
  const host = hostOf('listing');
  const ids: string[] = [];
  let queueId: string;
  const OTHER_QUEUE = 'p0123456789abcdef0123456789abcdef';

  beforeAll(async () => {
    queueId = await queueIdOf(app, host);
    // Oldest first: 3 Transcode, 2 Snapshot (one in another queue), 1 MediaInfo.
    const bodies = [
      jobBody({ input: 'in/1.mp4' }),
      jobBody({ input: 'in/2.mp4' }),
      jobBody({ input: 'in/3.mp4' }),
      jobBody({ tag: 'Snapshot', operation: `<TemplateId>${SNAPSHOT_PRESET.id}</TemplateId>${output('s-${Number}.jpg')}` }),
      jobBody({
        tag: 'Snapshot',
        operation: `<TemplateId>${SNAPSHOT_PRESET.id}</TemplateId>${output('s-${Number}.jpg')}`,
        extra: `<QueueId>${OTHER_QUEUE}</QueueId>`,
      }),
      jobBody({ tag: 'MediaInfo', operation: null }),
    ];
    for (const body of bodies) ids.push((await submitOne(app, body, { host })).JobId);
    await expectMoved(ids[0]!, { state: 'Success' });
    await expectMoved(ids[1]!, { state: 'Running' });
    await call(app, { method: 'PUT', path: `/jobs/${ids[2]}`, query: { cancel: '' }, host });
    await expectMoved(ids[3]!, { state: 'Failed' });
  });

  const listIn = (query: Readonly<Record<string, string>>): Promise<string[]> => listJobsIn(host, query);
  const pagesIn = async (query: Readonly<Record<string, string>>): Promise<string[][]> => {
    const pages: string[][] = [];
    let token = '';
    for (;;) {
      const response = await call(app, { method: 'GET', path: '/jobs', query: { ...query, nextToken: token }, host });
      const answer = jobsOf(response.body);
      pages.push(answer.jobs.map((job) => job.JobId));
      expect(answer.nextToken).toBeDefined();
      token = answer.nextToken ?? '';
      if (token === '' || pages.length > 10) return pages;
    }
  };

  it('lists by tag, newest first', async () => {
    expect(await listIn({ tag: 'Transcode' })).toEqual([ids[2], ids[1], ids[0]]);
    expect(await listIn({ tag: 'Snapshot' })).toEqual([ids[4], ids[3]]);
    expect(await listIn({ tag: 'Animation' })).toEqual([]);
  });

  it('lists by states, one or several, All meaning every state', async () => {
    expect(await listIn({ tag: 'Transcode', states: 'Success' })).toEqual([ids[0]]);
    expect(await listIn({ states: 'Running,Cancel' })).toEqual([ids[2], ids[1]]);
    expect(await listIn({ states: 'Submitted' })).toEqual([ids[5], ids[4]]);
    expect(await listIn({ states: 'Failed' })).toEqual([ids[3]]);
    expect(await listIn({ states: 'All' })).toEqual([...ids].reverse());
  });

  it('pages with size and NextToken, in both orders; the last page has an empty NextToken', async () => {
    expect(await pagesIn({ size: '2' })).toEqual([
      [ids[5], ids[4]],
      [ids[3], ids[2]],
      [ids[1], ids[0]],
    ]);
    expect(await pagesIn({ size: '4', orderByTime: 'Asc' })).toEqual([
      [ids[0], ids[1], ids[2], ids[3]],
      [ids[4], ids[5]],
    ]);
    expect(await pagesIn({ tag: 'Transcode', size: '2', orderByTime: 'Asc' })).toEqual([[ids[0], ids[1]], [ids[2]]]);
  });

  it('filters by queueId and inputObject; a workflowId matches nothing', async () => {
    expect(await listIn({ queueId })).toEqual([ids[5], ids[3], ids[2], ids[1], ids[0]]);
    expect(await listIn({ queueId: OTHER_QUEUE })).toEqual([ids[4]]);
    expect(await listIn({ inputObject: 'in/2.mp4' })).toEqual([ids[1]]);
    expect(await listIn({ workflowId: 'w0123456789abcdef0123456789abcdef' })).toEqual([]);
  });

  it('filters by creation time, with or without a colon in the offset', async () => {
    expect(await listIn({ startCreationTime: '2001-01-01T00:00:00+0800' })).toHaveLength(6);
    expect(await listIn({ startCreationTime: '2001-01-01T00:00:00+08:00', endCreationTime: '2001-01-02T00:00:00+0800' })).toEqual([]);
    expect(await listIn({ startCreationTime: '2999-01-01T00:00:00+0800' })).toEqual([]);
    expect(await listIn({ endCreationTime: '2999-01-01T00:00:00+0800' })).toHaveLength(6);
  });

  it('takes the empty values the Python SDK sends as the defaults', async () => {
    expect(await listIn({ tag: 'Transcode', orderByTime: '', states: '', size: '', nextToken: '', queueId: '' })).toEqual([ids[2], ids[1], ids[0]]);
  });

  it('does not list another bucket', async () => {
    expect(await listJobsIn(hostOf('empty-bucket'))).toEqual([]);
  });

  const refusals: [string, Record<string, string>, string][] = [
    ['size 0', { size: '0' }, 'size must be an integer from 1 to 100; got "0".'],
    ['size 101', { size: '101' }, 'size must be an integer from 1 to 100; got "101".'],
    ['size abc', { size: 'abc' }, 'size must be an integer from 1 to 100; got "abc".'],
    ['orderByTime desc', { orderByTime: 'desc' }, 'orderByTime must be Desc or Asc; got "desc".'],
    ['a states value', { states: 'Success,Done' }, 'states may list All, Submitted, Running, Success, Failed, Pause, Cancel; got "Done".'],
    ['a nextToken it never gave', { nextToken: 'abc' }, `nextToken "abc" is not one this emulator gave; send the previous answer's NextToken.`],
    ['a negative nextToken', { nextToken: '-1' }, `nextToken "-1" is not one this emulator gave; send the previous answer's NextToken.`],
    [
      'a startCreationTime',
      { startCreationTime: '2022-05-27 00:00:00' },
      'startCreationTime must be a time like 2001-01-01T00:00:00+0800; got "2022-05-27 00:00:00".',
    ],
    [
      'a month 13',
      { startCreationTime: '2022-13-01T00:00:00+0800' },
      'startCreationTime must be a time like 2001-01-01T00:00:00+0800; got "2022-13-01T00:00:00+0800".',
    ],
    ['an endCreationTime', { endCreationTime: 'yesterday' }, 'endCreationTime must be a time like 2001-01-01T00:00:00+0800; got "yesterday".'],
  ];
  it.each(refusals)('refuses %s: 400 InvalidArgument', async (_what, query, message) => {
    expect(errorOf(await call(app, { method: 'GET', path: '/jobs', query }))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message,
      resource: '/jobs',
    });
  });

  it('refuses a tag that is no job Tag', async () => {
    const error = errorOf(await call(app, { method: 'GET', path: '/jobs', query: { tag: 'transcode' } }));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(error.message).toMatch(/^tag "transcode" is not a media job Tag; use one of Transcode, Animation, /);
  });
});

describe('PUT /jobs/<JobId>?cancel', () => {
  it('cancels a Submitted job: 200 with an empty body; it is then Cancel and stays so', async () => {
    const job = await submitOne(app, jobBody());
    const response = await call(app, { method: 'PUT', path: `/jobs/${job.JobId}`, query: { cancel: '' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers['content-length']).toBe('0');
    expect(response.headers['x-ci-request-id']).toMatch(/.+/);
    const cancelled = await describeJob(app, job.JobId);
    expect(cancelled).toMatchObject({ State: 'Cancel', StartTime: '-' });
    expect(cancelled.EndTime).toMatch(CI_TIME);
    // Cancelled is final: a test cannot move it either.
    expect((await moveJob(app, job.JobId, { state: 'Running' })).statusCode).toBe(409);
  });

  it.each([
    ['Running', [{ state: 'Running' }]],
    ['Success', [{ state: 'Success' }]],
    ['Failed', [{ state: 'Running' }, { state: 'Failed' }]],
  ])('refuses a job that is %s: 400 InvalidArgument, and the job stays as it was', async (state, moves) => {
    const job = await submitOne(app, jobBody());
    for (const move of moves) await expectMoved(job.JobId, move);
    const error = errorOf(await call(app, { method: 'PUT', path: `/jobs/${job.JobId}`, query: { cancel: '' } }));
    expect(error).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: `The job ${job.JobId} is ${state}: only a job that has not started (Submitted) can be cancelled.`,
      resource: `/jobs/${job.JobId}`,
    });
    expect((await describeJob(app, job.JobId)).State).toBe(state);
  });

  it('refuses a job cancelled already', async () => {
    const job = await submitOne(app, jobBody());
    expect((await call(app, { method: 'PUT', path: `/jobs/${job.JobId}`, query: { cancel: '' } })).statusCode).toBe(200);
    expect(errorOf(await call(app, { method: 'PUT', path: `/jobs/${job.JobId}`, query: { cancel: '' } })).message).toBe(
      `The job ${job.JobId} is Cancel: only a job that has not started (Submitted) can be cancelled.`,
    );
  });

  it("refuses an unknown job, and another bucket's", async () => {
    expect(errorOf(await call(app, { method: 'PUT', path: '/jobs/jabcsdssfeipplsdfwe', query: { cancel: '' } }))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: 'The job jabcsdssfeipplsdfwe does not exist in this bucket.',
    });
    const job = await submitOne(app, jobBody());
    expect(errorOf(await call(app, { method: 'PUT', path: `/jobs/${job.JobId}`, query: { cancel: '' }, host: hostOf('not-mine') })).code).toBe(
      'InvalidArgument',
    );
    expect((await describeJob(app, job.JobId)).State).toBe('Submitted');
  });

  it('takes the cancel parameter unsigned, as the Python SDK sends it', async () => {
    const job = await submitOne(app, jobBody());
    const headers = signedHeaders({ method: 'PUT', path: `/jobs/${job.JobId}` });
    expect(headers['authorization']).toContain('q-url-param-list=&');
    const response = await app.inject({ method: 'PUT', url: `/jobs/${job.JobId}?cancel`, headers });
    expect(response.statusCode, response.body).toBe(200);
    expect((await describeJob(app, job.JobId)).State).toBe('Cancel');
  });
});

describe('errors of POST /jobs', () => {
  it('a template the bucket does not have: 404 TemplateNotFound', async () => {
    const error = errorOf(
      await call(app, {
        method: 'POST',
        path: '/jobs',
        body: jobBody({ operation: `<TemplateId>t1000000000000000000000000000000a1</TemplateId>${output()}` }),
      }),
    );
    expect(error).toMatchObject({
      status: 404,
      code: 'TemplateNotFound',
      message: 'Operation.TemplateId t1000000000000000000000000000000a1 is not a template of this bucket.',
      resource: '/jobs',
    });
  });

  it("another bucket's template: 404 TemplateNotFound", async () => {
    const theirs = await createTemplate(app, 'Transcode', 'theirs', { host: hostOf('owner') });
    const error = errorOf(
      await call(app, {
        method: 'POST',
        path: '/jobs',
        body: jobBody({ operation: `<TemplateId>${theirs}</TemplateId>${output()}` }),
        host: hostOf('stranger'),
      }),
    );
    expect(error).toMatchObject({ status: 404, code: 'TemplateNotFound', message: `Operation.TemplateId ${theirs} is not a template of this bucket.` });
  });

  it('a template of another Tag: 400 InvalidArgument naming both Tags', async () => {
    const snapshot = await createTemplate(app, 'Snapshot', 'a-snapshot');
    const error = errorOf(await call(app, { method: 'POST', path: '/jobs', body: jobBody({ operation: `<TemplateId>${snapshot}</TemplateId>${output()}` }) }));
    expect(error).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: `Operation.TemplateId ${snapshot} is a Snapshot template; a Transcode job takes one of Transcode, HighSpeedHd, TranscodePro templates there.`,
    });
    const animation = errorOf(
      await call(app, { method: 'POST', path: '/jobs', body: jobBody({ tag: 'Animation', operation: `<TemplateId>${snapshot}</TemplateId>${output()}` }) }),
    );
    expect(animation.message).toBe(`Operation.TemplateId ${snapshot} is a Snapshot template; a Animation job takes a Animation template there.`);
  });

  it('a WatermarkTemplateId or TranscodeTemplateId naming a template of another Tag, or none', async () => {
    const transcode = await createTemplate(app, 'Transcode', 'not-a-watermark');
    const watermark = errorOf(
      await call(app, {
        method: 'POST',
        path: '/jobs',
        body: jobBody({ operation: `<TemplateId>${transcode}</TemplateId><WatermarkTemplateId>${transcode}</WatermarkTemplateId>${output()}` }),
      }),
    );
    expect(watermark).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: `Operation.WatermarkTemplateId ${transcode} is a Transcode template; a Transcode job takes a Watermark template there.`,
    });
    const missing = errorOf(
      await call(app, {
        method: 'POST',
        path: '/jobs',
        body: jobBody({
          tag: 'SDRtoHDR',
          operation: `<SDRtoHDR><HdrMode>HLG</HdrMode></SDRtoHDR><TranscodeTemplateId>t1000000000000000000000000000000b2</TranscodeTemplateId>${output()}`,
        }),
      }),
    );
    expect(missing).toMatchObject({
      status: 404,
      code: 'TemplateNotFound',
      message: 'Operation.TranscodeTemplateId t1000000000000000000000000000000b2 is not a template of this bucket.',
    });
  });

  it('a missing Output where one is required: 400 InvalidArgument', async () => {
    const error = errorOf(await call(app, { method: 'POST', path: '/jobs', body: jobBody({ operation: `<TemplateId>${TRANSCODE_PRESET.id}</TemplateId>` }) }));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument', message: 'Operation.Output is required.' });
    // A Tag that makes nothing needs none.
    expect((await submitOne(app, jobBody({ tag: 'VideoTag', operation: '<VideoTag><Scenario>Stream</Scenario></VideoTag>' }))).Tag).toBe('VideoTag');
  });

  it('a missing Input, Operation or Output.Object: 400 InvalidArgument', async () => {
    const cases: [string, string][] = [
      [jobBody({ input: null }), 'Input is required.'],
      [jobBody({ operation: null }), 'Operation is required.'],
      [
        jobBody({
          operation: `<TemplateId>${TRANSCODE_PRESET.id}</TemplateId><Output><Region>ap-guangzhou</Region><Bucket>${DEFAULT_BUCKET}</Bucket></Output>`,
        }),
        'Operation.Output.Object is required.',
      ],
    ];
    for (const [body, message] of cases)
      expect(errorOf(await call(app, { method: 'POST', path: '/jobs', body }))).toMatchObject({ status: 400, code: 'InvalidArgument', message });
  });

  it('an empty body: 400 MissingContent; not XML: 400 InvalidContent', async () => {
    expect(errorOf(await call(app, { method: 'POST', path: '/jobs', body: '' }))).toMatchObject({
      status: 400,
      code: 'MissingContent',
      message: 'The request body is empty; send a <Request> with Tag, Input and Operation.',
    });
    expect(errorOf(await call(app, { method: 'POST', path: '/jobs', body: '<Request><Tag>Transcode</Tag>' }))).toMatchObject({
      status: 400,
      code: 'InvalidContent',
    });
  });

  it('a Tag that is no job Tag, or none: 400 InvalidArgument', async () => {
    const unknown = errorOf(await call(app, { method: 'POST', path: '/jobs', body: jobBody({ tag: 'Transcoding' }) }));
    expect(unknown).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(unknown.message).toMatch(/^Tag "Transcoding" is not a media job Tag; use one of Transcode, Animation, Snapshot, /);
    expect(errorOf(await call(app, { method: 'POST', path: '/jobs', body: '<Request><Input><Object>a.mp4</Object></Input></Request>' })).message).toBe(
      'Tag is required.',
    );
    const untagged = `<Request><Input><Object>a.mp4</Object></Input><Operation><Tag>Foo</Tag>${output()}</Operation></Request>`;
    expect(errorOf(await call(app, { method: 'POST', path: '/jobs', body: untagged })).message).toMatch(/^Tag "Foo" \(operation 1\) is not a media job Tag/);
  });

  it('a QueueId that is no queue id: 400 InvalidArgument', async () => {
    const error = errorOf(await call(app, { method: 'POST', path: '/jobs', body: jobBody({ extra: '<QueueId>aaaaaaaaaaa</QueueId>' }) }));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(error.message).toMatch(/^QueueId /);
  });

  it('a value out of its range, inline as in a template: 400 InvalidArgument', async () => {
    const body = jobBody({
      operation: `<Transcode><Container><Format>mp4</Format></Container><Video><Codec>H.264</Codec><Width>99999</Width></Video></Transcode>${output()}`,
    });
    const error = errorOf(await call(app, { method: 'POST', path: '/jobs', body }));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(error.message).toMatch(/^Operation\.Transcode\.Video\.Width /);
    expect(
      errorOf(
        await call(app, {
          method: 'POST',
          path: '/jobs',
          body: jobBody({ operation: `<TemplateId>${TRANSCODE_PRESET.id}</TemplateId>${output()}<JobLevel>3</JobLevel>` }),
        }),
      ).message,
    ).toMatch(/^Operation\.JobLevel /);
  });
});

describe('queues', () => {
  it('GET /queue answers the bucket queue: Active, Transcoding, no callback', async () => {
    const host = hostOf('queues');
    const response = await call(app, { method: 'GET', path: '/queue', host });
    expect(response.statusCode).toBe(200);
    const answer = xml(response.body)['Response'] as Record<string, unknown>;
    expect(answer).toMatchObject({ TotalCount: '1', PageNumber: '1', PageSize: '10' });
    expect(answer['QueueList']).toMatchObject({
      QueueId: expect.stringMatching(/^p[0-9a-f]{32}$/),
      State: 'Active',
      Category: 'Transcoding',
      BucketId: 'queues-1250000000',
    });
    expect((answer['QueueList'] as { NotifyConfig: unknown }).NotifyConfig).toMatchObject({ State: 'Off' });
  });

  it('GET /queue takes the SDKs’ empty and All values, and names ids it does not have', async () => {
    const own = await queueIdOf(app);
    const python = xml((await call(app, { method: 'GET', path: '/queue', query: { queueIds: '', state: 'All', pageNumber: '', pageSize: '' } })).body)[
      'Response'
    ] as Record<string, unknown>;
    expect(python).toMatchObject({ TotalCount: '1' });
    const named = xml((await call(app, { method: 'GET', path: '/queue', query: { queueIds: `${own},pA,pB`, category: 'CateAll' } })).body)[
      'Response'
    ] as Record<string, unknown>;
    expect(named).toMatchObject({ TotalCount: '1', QueueList: { QueueId: own }, NonExistPIDs: ['pA', 'pB'] });
    const paused = xml((await call(app, { method: 'GET', path: '/queue', query: { state: 'Paused' } })).body)['Response'] as Record<string, unknown>;
    expect(paused).toMatchObject({ TotalCount: '0' });
    expect(paused['QueueList']).toBeUndefined();
  });

  it.each([
    ['state', { state: 'On' }, 'state "On" must be Active or Paused.'],
    ['category', { category: 'Speed' }, 'category "Speed" must be Transcoding, SpeedTranscoding or CateAll.'],
    ['pageNumber', { pageNumber: '0' }, 'pageNumber must be an integer from 1 to 1000000; got "0".'],
    ['pageSize', { pageSize: '101' }, 'pageSize must be an integer from 1 to 100; got "101".'],
    ['pageSize abc', { pageSize: 'abc' }, 'pageSize must be an integer from 1 to 100; got "abc".'],
  ])('GET /queue refuses a bad %s: 400 InvalidArgument', async (_what, query, message) => {
    expect(errorOf(await call(app, { method: 'GET', path: '/queue', query }))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message,
      resource: '/queue',
    });
  });

  it('a paused queue refuses jobs with 403 QueuePaused until it is Active again', async () => {
    const host = hostOf('paused');
    const queueId = await queueIdOf(app, host);
    const pause = await call(app, {
      method: 'PUT',
      path: `/queue/${queueId}`,
      body: `<Request><Name>slow</Name><QueueID>${queueId}</QueueID><State>Paused</State></Request>`,
      host,
    });
    expect(pause.statusCode).toBe(200);
    expect(xml(pause.body)['Response']).toMatchObject({ Queue: { QueueId: queueId, Name: 'slow', State: 'Paused' } });

    const refused = errorOf(await call(app, { method: 'POST', path: '/jobs', body: jobBody(), host }));
    expect(refused).toMatchObject({
      status: 403,
      code: 'QueuePaused',
      message: `The queue ${queueId} is paused: UpdateMediaQueue with State Active takes jobs again.`,
    });
    expect(await listJobsIn(host)).toEqual([]);

    expect(
      (await call(app, { method: 'PUT', path: `/queue/${queueId}`, body: '<Request><Name>slow</Name><State>Active</State></Request>', host })).statusCode,
    ).toBe(200);
    expect((await submitOne(app, jobBody(), { host })).State).toBe('Submitted');
  });

  it('a State in another case pauses too (the default mode compares enums without case)', async () => {
    const host = hostOf('paused-lower');
    const queueId = await queueIdOf(app, host);
    expect(
      (await call(app, { method: 'PUT', path: `/queue/${queueId}`, body: '<Request><Name>q</Name><State>paused</State></Request>', host })).statusCode,
    ).toBe(200);
    expect(errorOf(await call(app, { method: 'POST', path: '/jobs', body: jobBody(), host })).code).toBe('QueuePaused');
    const listed = xml((await call(app, { method: 'GET', path: '/queue', query: { state: 'Paused' }, host })).body)['Response'];
    expect(listed).toMatchObject({ TotalCount: '1' });
  });

  it('PUT /queue/<id> of a queue the bucket does not have: 404 QueueNotFound', async () => {
    const own = await queueIdOf(app);
    const error = errorOf(
      await call(app, { method: 'PUT', path: '/queue/p00000000000000000000000000000000', body: '<Request><Name>q</Name><State>Paused</State></Request>' }),
    );
    expect(error).toMatchObject({
      status: 404,
      code: 'QueueNotFound',
      message: `The queue p00000000000000000000000000000000 is not a queue of this bucket; its queue is ${own}.`,
      resource: '/queue/p00000000000000000000000000000000',
    });
    // Another bucket's queue is not this bucket's either.
    expect(
      errorOf(
        await call(app, { method: 'PUT', path: `/queue/${own}`, body: '<Request><Name>q</Name><State>Paused</State></Request>', host: hostOf('not-owner') }),
      ).code,
    ).toBe('QueueNotFound');
  });

  it('PUT /queue/<id> with no body, or a bad State: 400', async () => {
    const own = await queueIdOf(app);
    expect(errorOf(await call(app, { method: 'PUT', path: `/queue/${own}` }))).toMatchObject({ status: 400, code: 'MissingContent' });
    const error = errorOf(await call(app, { method: 'PUT', path: `/queue/${own}`, body: '<Request><Name>q</Name><State>Stopped</State></Request>' }));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(error.message).toMatch(/^State must be one of Active, Paused/);
    expect(errorOf(await call(app, { method: 'PUT', path: `/queue/${own}`, body: '<Request><State>Active</State></Request>' })).message).toBe(
      'Name is required.',
    );
  });
});

describe('paths and methods', () => {
  it('signs like every API path: unsigned, a create and a cancel are 401 MissingAuthorization, and nothing changes', async () => {
    const host = hostOf('unsigned');
    expect(errorOf(await call(app, { method: 'POST', path: '/jobs', body: jobBody(), host, unsigned: true }))).toMatchObject({
      status: 401,
      code: 'MissingAuthorization',
    });
    expect(await listJobsIn(host)).toEqual([]);
    const job = await submitOne(app, jobBody(), { host });
    expect(errorOf(await call(app, { method: 'PUT', path: `/jobs/${job.JobId}`, query: { cancel: '' }, host, unsigned: true })).code).toBe(
      'MissingAuthorization',
    );
    expect((await describeJob(app, job.JobId, { host })).State).toBe('Submitted');
  });

  it('answers HEAD with the headers of GET, and OPTIONS with Allow', async () => {
    const job = await submitOne(app, jobBody());
    const head = await call(app, { method: 'HEAD', path: `/jobs/${job.JobId}` });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe('application/xml');
    const options = await call(app, { method: 'OPTIONS', path: `/jobs/${job.JobId}` });
    expect(options.statusCode).toBe(204);
    expect(options.headers['allow']).toBe('GET, HEAD, PUT, OPTIONS');
  });

  it.each(['/pic_jobs', '/ai_jobs', '/asr_jobs', '/asr_jobs/j123'])('%s: 404 InvalidUrl saying it is not emulated', async (path) => {
    const error = errorOf(await call(app, { method: 'POST', path, body: '<Request/>' }));
    expect(error).toMatchObject({ status: 404, code: 'InvalidUrl', resource: path });
    expect(error.message).toBe(
      `${path}: picture, AI and speech jobs are not emulated: the emulator serves media-processing jobs at /jobs (SpeechRecognition and PicProcess included).`,
    );
  });

  it.each([
    ['PUT', '/jobs', 'GET, HEAD, POST'],
    ['DELETE', '/jobs', 'GET, HEAD, POST'],
    ['POST', '/jobs/jabc', 'GET, HEAD, PUT'],
    ['DELETE', '/jobs/jabc', 'GET, HEAD, PUT'],
    ['POST', '/queue', 'GET, HEAD'],
    ['GET', '/queue/pabc', 'PUT'],
  ] as const)('%s %s: 405 MethodNotAllowed with Allow %s', async (method, path, allow) => {
    const response = await call(app, { method, path, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '<Request/>' }) });
    expect(errorOf(response)).toMatchObject({ status: 405, code: 'MethodNotAllowed', message: `${method} is not allowed on ${path}; use ${allow}.` });
    expect(response.headers['allow']).toBe(allow);
  });
});

describe('strict mode refuses', () => {
  it('a QueueId that is not the bucket queue: 404 QueueNotFound', async () => {
    const own = await queueIdOf(strictApp);
    const error = errorOf(
      await call(strictApp, { method: 'POST', path: '/jobs', body: jobBody({ extra: '<QueueId>p893bcda225bf4945a378da6662e81a89</QueueId>' }) }),
    );
    expect(error).toMatchObject({
      status: 404,
      code: 'QueueNotFound',
      message: `QueueId p893bcda225bf4945a378da6662e81a89 is not a queue of this bucket; its queue is ${own} (strict mode).`,
    });
    expect((await submitOne(strictApp, jobBody({ extra: `<QueueId>${own}</QueueId>` }))).QueueId).toBe(own);
  });

  it('a t0 id that is no documented preset: 404 TemplateNotFound', async () => {
    const error = errorOf(
      await call(strictApp, {
        method: 'POST',
        path: '/jobs',
        body: jobBody({ operation: `<TemplateId>t02db40900dc1c43ad9bdbd8acec6075c5</TemplateId>${output()}` }),
      }),
    );
    expect(error).toMatchObject({
      status: 404,
      code: 'TemplateNotFound',
      message: 'Operation.TemplateId t02db40900dc1c43ad9bdbd8acec6075c5 is not an official preset Tencent documents (strict mode).',
    });
    expect((await submitOne(strictApp, jobBody())).Operation['TemplateName']).toBe(TRANSCODE_PRESET.name);
  });

  it('a documented preset of another Tag: 400 InvalidArgument', async () => {
    const error = errorOf(
      await call(strictApp, { method: 'POST', path: '/jobs', body: jobBody({ operation: `<TemplateId>${SNAPSHOT_PRESET.id}</TemplateId>${output()}` }) }),
    );
    expect(error).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: `Operation.TemplateId ${SNAPSHOT_PRESET.id} is a Snapshot preset; a Transcode job takes one of Transcode, HighSpeedHd, TranscodePro templates there.`,
    });
  });

  it('a bare PUT /jobs/<id> without ?cancel, and leaves the job Submitted', async () => {
    const job = await submitOne(strictApp, jobBody());
    const error = errorOf(await call(strictApp, { method: 'PUT', path: `/jobs/${job.JobId}` }));
    expect(error).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: `PUT /jobs/${job.JobId} cancels a job: add the cancel parameter (PUT /jobs/${job.JobId}?cancel) (strict mode).`,
    });
    expect((await describeJob(strictApp, job.JobId)).State).toBe('Submitted');
    expect((await call(strictApp, { method: 'PUT', path: `/jobs/${job.JobId}`, query: { cancel: '' } })).statusCode).toBe(200);
  });

  it('a list without tag', async () => {
    expect(errorOf(await call(strictApp, { method: 'GET', path: '/jobs' }))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: 'tag is required (strict mode).',
    });
    expect((await call(strictApp, { method: 'GET', path: '/jobs', query: { tag: 'Transcode' } })).statusCode).toBe(200);
  });

  it('a job with neither a template nor parameters', async () => {
    const error = errorOf(await call(strictApp, { method: 'POST', path: '/jobs', body: jobBody({ operation: output() }) }));
    expect(error).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: 'Operation.TemplateId or Operation.Transcode is required for a Transcode job.',
    });
  });

  it('an element a job does not know', async () => {
    const error = errorOf(
      await call(strictApp, { method: 'POST', path: '/jobs', body: jobBody({ extra: '<BucketName>examplebucket-1250000000</BucketName>' }) }),
    );
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument', message: 'BucketName is not an element this template kind accepts.' });
  });
});

describe('the default mode takes', () => {
  it('any t0 + 32 hex id as a preset, with its TemplateName when Tencent documents it', async () => {
    const undocumented = await submitOne(app, jobBody({ operation: `<TemplateId>t02db40900dc1c43ad9bdbd8acec6075c5</TemplateId>${output()}` }));
    expect(undocumented.Operation['TemplateId']).toBe('t02db40900dc1c43ad9bdbd8acec6075c5');
    expect(undocumented.Operation['TemplateName']).toBeUndefined();
    const snapshot = await submitOne(
      app,
      jobBody({ tag: 'Snapshot', operation: `<TemplateId>${SNAPSHOT_PRESET.id}</TemplateId>${output('s-${Number}.jpg')}` }),
    );
    expect(snapshot.Operation).toMatchObject({ TemplateId: SNAPSHOT_PRESET.id, TemplateName: 'snapshot_1280*720_3' });
  });

  it('a well-formed QueueId it does not have, echoed, and listed by it', async () => {
    const host = hostOf('foreign-queue');
    const job = await submitOne(app, jobBody({ extra: '<QueueId>p893bcda225bf4945a378da6662e81a89</QueueId>' }), { host });
    expect(job.QueueId).toBe('p893bcda225bf4945a378da6662e81a89');
    expect(await listJobsIn(host, { queueId: 'p893bcda225bf4945a378da6662e81a89' })).toEqual([job.JobId]);
  });

  it('a bare PUT /jobs/<id> as a cancel (the Java SDK and the Node demo send no ?cancel)', async () => {
    const job = await submitOne(app, jobBody());
    const response = await call(app, { method: 'PUT', path: `/jobs/${job.JobId}` });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect((await describeJob(app, job.JobId)).State).toBe('Cancel');
  });

  it('a list without tag: every Tag', async () => {
    const host = hostOf('untagged-list');
    const transcode = await submitOne(app, jobBody(), { host });
    const info = await submitOne(app, jobBody({ tag: 'MediaInfo', operation: null }), { host });
    expect(await listJobsIn(host)).toEqual([info.JobId, transcode.JobId]);
  });

  it('empty elements as not set, and an element it does not know, ignored and named in the journal', async () => {
    const body = jobBody({
      operation: `<TemplateId>${TRANSCODE_PRESET.id}</TemplateId>${output()}<UserData></UserData>`,
      extra: '<QueueId></QueueId><CallBack></CallBack><CallBackFormat></CallBackFormat><BucketName>examplebucket-1250000000</BucketName>',
    });
    const job = await submitOne(app, body);
    expect(job.QueueId).toBe(await queueIdOf(app));
    expect(job.Operation['UserData']).toBeUndefined();
    const [entry] = (await app.inject({ url: '/_emulator/requests?limit=2' }))
      .json<{ requests: { path: string; ignored: string[] }[] }>()
      .requests.filter((request) => request.path === '/jobs');
    expect(entry?.ignored).toEqual(['BucketName']);
  });
});

describe('POST /_emulator/jobs/<JobId>', () => {
  it('moves Running, Success and Failed, answering the job as JSON', async () => {
    const job = await submitOne(app, jobBody());
    const running = await moveJob(app, job.JobId, { state: 'Running' });
    expect(running.json()).toEqual({ id: job.JobId, bucket: DEFAULT_BUCKET, state: 'Running', code: 'Success', message: '' });
    const failed = await moveJob(app, job.JobId, { state: 'Failed', code: 'MediaDecodeFailed', message: 'the input cannot be decoded' });
    expect(failed.json()).toEqual({
      id: job.JobId,
      bucket: DEFAULT_BUCKET,
      state: 'Failed',
      code: 'MediaDecodeFailed',
      message: 'the input cannot be decoded',
    });
    const defaulted = await submitOne(app, jobBody());
    expect((await moveJob(app, defaulted.JobId, { state: 'Failed' })).json()).toMatchObject({
      state: 'Failed',
      code: 'InternalError',
      message: 'The job failed.',
    });
  });

  it('answers 404 for a job no bucket has', async () => {
    const response = await moveJob(app, 'j00000000000000000000000000000000', { state: 'Success' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'JobNotFound', message: 'No job j00000000000000000000000000000000 in any bucket.' });
  });

  it('answers 409 for a finished job, which stays as it was', async () => {
    const job = await submitOne(app, jobBody());
    await expectMoved(job.JobId, { state: 'Success' });
    const response = await moveJob(app, job.JobId, { state: 'Failed' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'JobFinished', message: `The job ${job.JobId} is Success: it moves no more.` });
    expect((await describeJob(app, job.JobId)).State).toBe('Success');
  });

  it.each([
    ['no state', {}, 'state must be Running, Success or Failed'],
    ['a state it does not move to', { state: 'Cancel' }, 'state must be Running, Success or Failed'],
    ['a code that is not a word', { state: 'Failed', code: 'no such code' }, 'code must be a word like InternalError'],
    ['a message too long', { state: 'Failed', message: 'x'.repeat(1025) }, 'message must be text of at most 1,024 characters'],
    ['an unknown key', { state: 'Failed', reason: 'x' }, 'unknown key reason; a move takes state, code and message'],
  ])('answers 400 for %s, and the job stays Submitted', async (_what, move, message) => {
    const job = await submitOne(app, jobBody());
    const response = await moveJob(app, job.JobId, move);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'BadRequest', message });
    expect((await describeJob(app, job.JobId)).State).toBe('Submitted');
  });

  it('answers 400 for a body that is not JSON', async () => {
    const job = await submitOne(app, jobBody());
    const response = await app.inject({
      method: 'POST',
      url: `/_emulator/jobs/${job.JobId}`,
      headers: { 'content-type': 'application/json' },
      payload: '{state:',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'BadRequest' });
  });
});

describe('the admin token', () => {
  it('guards the moves too', async () => {
    const guarded = await testServer({ jobDurationMs: 'manual', adminToken: 'move-token' });
    try {
      const job = await submitOne(guarded, jobBody());
      const refused = await moveJob(guarded, job.JobId, { state: 'Success' });
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toMatchObject({ error: 'Unauthorized' });
      expect((await describeJob(guarded, job.JobId)).State).toBe('Submitted');
      const moved = await guarded.inject({
        method: 'POST',
        url: `/_emulator/jobs/${job.JobId}`,
        payload: { state: 'Success' },
        headers: { authorization: 'Bearer move-token' },
      });
      expect(moved.statusCode).toBe(200);
      expect((await describeJob(guarded, job.JobId)).State).toBe('Success');
    } finally {
      await guarded.close();
    }
  });
});

describe('Progress', () => {
  it("is the share of a Running job's time gone by, read on the server's clock", async () => {
    // An hour-long life on a clock the test moves: no timer fires while the test runs.
    let now = Math.floor(Date.now() / 1000) * 1000;
    const clocked = await testServer({ jobDurationMs: 3_600_000, auth: 'off' }, { clock: () => now });
    try {
      const job = await submitOne(clocked, jobBody());
      now += 10 * 60_000;
      expect((await describeJob(clocked, job.JobId)).Progress).toBe('0');
      // Started by hand at minute 10; it is due to end at minute 60.
      expect((await moveJob(clocked, job.JobId, { state: 'Running' })).statusCode).toBe(200);
      now += 25 * 60_000;
      expect(await describeJob(clocked, job.JobId)).toMatchObject({ State: 'Running', Progress: '50' });
      // Past its end and still Running (its timer has not fired): 99 until it succeeds.
      now += 60 * 60_000;
      expect((await describeJob(clocked, job.JobId)).Progress).toBe('99');
      expect((await moveJob(clocked, job.JobId, { state: 'Success' })).statusCode).toBe(200);
      expect((await describeJob(clocked, job.JobId)).Progress).toBe('100');
    } finally {
      await clocked.close();
    }
  });
});

describe('POST /_emulator/reset', () => {
  let fresh: FastifyInstance;
  beforeAll(async () => {
    fresh = await testServer({ jobDurationMs: 'manual' });
  });
  afterAll(() => fresh.close());

  it('removes one bucket’s jobs with ?bucket=, then every job, answering jobsRemoved; the queue goes back to Active', async () => {
    const host = hostOf('resetme');
    for (let index = 0; index < 3; index++) await submitOne(fresh, jobBody(), { host });
    const kept = await submitOne(fresh, jobBody());
    const queueId = await queueIdOf(fresh, host);
    await call(fresh, { method: 'PUT', path: `/queue/${queueId}`, body: '<Request><Name>q</Name><State>Paused</State></Request>', host });

    const one = await fresh.inject({ method: 'POST', url: '/_emulator/reset?bucket=resetme-1250000000' });
    expect(one.json()).toEqual({ reset: 'resetme-1250000000', removed: 0, seeded: 0, jobsRemoved: 3, faultsCleared: false });
    expect(jobsOf((await call(fresh, { method: 'GET', path: '/jobs', host })).body).jobs).toEqual([]);
    expect((await describeJob(fresh, kept.JobId)).State).toBe('Submitted');
    expect((await submitOne(fresh, jobBody(), { host })).State).toBe('Submitted');

    const all = await fresh.inject({ method: 'POST', url: '/_emulator/reset' });
    expect(all.json()).toEqual({ reset: 'all', removed: 0, seeded: 0, jobsRemoved: 2, faultsCleared: true });
    expect(jobsOf((await call(fresh, { method: 'GET', path: `/jobs/${kept.JobId}` })).body).nonExist).toEqual([kept.JobId]);
    expect((await moveJob(fresh, kept.JobId, { state: 'Success' })).statusCode).toBe(404);
  });
});
