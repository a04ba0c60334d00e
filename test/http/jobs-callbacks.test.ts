import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/admin/journal.js';
import { call, DEFAULT_BUCKET, testServer } from '../helpers.js';
import { describeJob, jobBody, moveJob, output, parseXml, SNAPSHOT_PRESET, submitOne, until } from '../jobs.js';

/**
 * Job callbacks: the TaskFinish notification the emulator POSTs once a job has ended, to a
 * real HTTP server started here. Jobs are moved by hand (CIE_JOB_DURATION_MS=manual); what each
 * callback came to is read from the request journal, where it is recorded once it is settled.
 */

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local server that records each request and answers 200 (or never answers, with `hang`). */
class CallbackServer {
  readonly received: Received[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;

  constructor(hang = false) {
    this.#server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        this.received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        if (!hang) response.end('ok');
      });
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return this;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  url(path = '/callback'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

/** A port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

type CallbackEntry = JournalEntry & { readonly callback: NonNullable<JournalEntry['callback']> };

/** The journal entry of the job's callback, once it is there. */
async function callbackEntry(server: FastifyInstance, jobId: string, timeoutMs?: number): Promise<CallbackEntry> {
  const find = async (): Promise<CallbackEntry | undefined> =>
    (await server.inject({ url: '/_emulator/requests' }))
      .json<{ requests: JournalEntry[] }>()
      .requests.find((entry): entry is CallbackEntry => entry.callback?.jobId === jobId);
  const seen = await until(find, (entry) => entry !== undefined, `the callback of ${jobId} in the journal`, timeoutMs);
  return seen.at(-1)!;
}

const callbackJob = (callback: string, extra = '', operation?: string): string =>
  jobBody({
    tag: 'Snapshot',
    input: 'in/clip.mp4',
    operation: operation ?? `<TemplateId>${SNAPSHOT_PRESET.id}</TemplateId>${output('shots/${InputName}-${Number}.jpg')}<UserData>my data</UserData>`,
    extra: `<CallBack>${callback}</CallBack>${extra}`,
  });

async function finish(server: FastifyInstance, jobId: string, move: Record<string, string> = { state: 'Success' }): Promise<void> {
  const response = await moveJob(server, jobId, move);
  expect(response.statusCode, response.body).toBe(200);
}

let app: FastifyInstance;
let receiver: CallbackServer;
beforeAll(async () => {
  [app, receiver] = await Promise.all([testServer({ jobDurationMs: 'manual' }), new CallbackServer().listen()]);
});
afterAll(async () => {
  await Promise.all([app.close(), receiver.close()]);
});
beforeEach(() => {
  receiver.received.length = 0;
});

describe('a callback to a local HTTP server', () => {
  it('is POSTed in XML: EventName TaskFinish and the JobsDetail of the ended job, field by field', async () => {
    const job = await submitOne(app, callbackJob(receiver.url('/hooks/ci?token=abc')));
    expect(receiver.received).toEqual([]);
    await finish(app, job.JobId);
    const entry = await callbackEntry(app, job.JobId);
    expect(entry.callback).toMatchObject({ jobId: job.JobId, url: receiver.url('/hooks/ci?token=abc'), result: 'sent', status: 200 });
    expect(entry).toMatchObject({
      method: 'POST',
      path: '/hooks/ci',
      query: 'token=abc',
      host: `127.0.0.1:${receiver.port}`,
      bucket: DEFAULT_BUCKET,
      status: 200,
      code: null,
    });

    expect(receiver.received).toHaveLength(1);
    const [sent] = receiver.received;
    expect(sent).toMatchObject({ method: 'POST', url: '/hooks/ci?token=abc' });
    expect(sent!.headers['content-type']).toBe('application/xml');
    expect(Number(sent!.headers['content-length'])).toBe(Buffer.byteLength(sent!.body));
    expect(entry.body).toBe(sent!.body);

    const response = parseXml(sent!.body)['Response'] as { EventName: string; JobsDetail: Record<string, unknown>[] };
    expect(response.EventName).toBe('TaskFinish');
    expect(response.JobsDetail).toHaveLength(1);
    const detail = response.JobsDetail[0]!;
    const described = await describeJob(app, job.JobId);
    expect(detail).toMatchObject({
      JobId: job.JobId,
      State: 'Success',
      Code: 'Success',
      Message: '',
      Progress: '100',
      Tag: 'Snapshot',
      QueueId: job.QueueId,
      CreationTime: job.CreationTime,
      StartTime: described.StartTime,
      EndTime: described.EndTime,
      Input: { BucketId: DEFAULT_BUCKET, Object: 'in/clip.mp4', Region: 'ap-guangzhou' },
    });
    expect(detail['Operation']).toEqual({
      TemplateId: SNAPSHOT_PRESET.id,
      TemplateName: SNAPSHOT_PRESET.name,
      Output: { Region: 'ap-guangzhou', Bucket: DEFAULT_BUCKET, Object: 'shots/${InputName}-${Number}.jpg' },
      UserData: 'my data',
      MediaResult: {
        OutputFile: {
          Bucket: DEFAULT_BUCKET,
          Md5Info: { Md5: expect.stringMatching(/^[0-9a-f]{32}$/), ObjectName: '0.jpg' },
          ObjectName: '0.jpg',
          ObjectPrefix: 'shots/clip-',
          Region: 'ap-guangzhou',
        },
      },
    });
  });

  it('is POSTed in JSON with CallBackFormat JSON: JobsDetail an array, PascalCase names', async () => {
    const job = await submitOne(app, callbackJob(receiver.url('/json'), '<CallBackFormat>JSON</CallBackFormat>'));
    await finish(app, job.JobId);
    expect((await callbackEntry(app, job.JobId)).callback).toMatchObject({ result: 'sent', status: 200 });
    const [sent] = receiver.received;
    expect(sent!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(sent!.body) as { EventName: string; JobsDetail: Record<string, unknown>[] };
    expect(body.EventName).toBe('TaskFinish');
    expect(body.JobsDetail).toHaveLength(1);
    expect(body.JobsDetail[0]).toMatchObject({
      JobId: job.JobId,
      State: 'Success',
      Code: 'Success',
      Tag: 'Snapshot',
      Input: { BucketId: DEFAULT_BUCKET, Object: 'in/clip.mp4', Region: 'ap-guangzhou' },
      Operation: {
        TemplateId: SNAPSHOT_PRESET.id,
        TemplateName: SNAPSHOT_PRESET.name,
        Output: { Region: 'ap-guangzhou', Bucket: DEFAULT_BUCKET, Object: 'shots/${InputName}-${Number}.jpg' },
        UserData: 'my data',
        MediaResult: { OutputFile: { ObjectPrefix: 'shots/clip-', ObjectName: '0.jpg' } },
      },
    });
  });

  it('tells of a Failed job: its code and message, no MediaResult', async () => {
    const job = await submitOne(app, callbackJob(receiver.url('/failed')));
    await finish(app, job.JobId, { state: 'Failed', code: 'InputInvalid', message: 'the input has no video stream' });
    await callbackEntry(app, job.JobId);
    const [detail] = (parseXml(receiver.received[0]!.body)['Response'] as { JobsDetail: Record<string, unknown>[] }).JobsDetail;
    expect(detail).toMatchObject({ JobId: job.JobId, State: 'Failed', Code: 'InputInvalid', Message: 'the input has no video stream' });
    expect(detail!['Operation']).not.toHaveProperty('MediaResult');
  });

  it('is not sent for a cancelled job, nor before a job ends', async () => {
    const cancelled = await submitOne(app, callbackJob(receiver.url('/cancelled')));
    expect((await call(app, { method: 'PUT', path: `/jobs/${cancelled.JobId}`, query: { cancel: '' } })).statusCode).toBe(200);
    const running = await submitOne(app, callbackJob(receiver.url('/running')));
    await finish(app, running.JobId, { state: 'Running' });
    // A job that ends afterwards: its callback comes, and it is the only one.
    const ended = await submitOne(app, callbackJob(receiver.url('/ended')));
    await finish(app, ended.JobId);
    await callbackEntry(app, ended.JobId);
    expect(receiver.received.map((request) => request.url)).toEqual(['/ended']);
  });
});

describe('a callback that cannot be delivered is journalled, and the job still ends', () => {
  it.each([
    ['a public address', 'http://8.8.8.8/callback', /^8\.8\.8\.8 resolves to 8\.8\.8\.8, not loopback or a private network/],
    [
      'a public IPv6 address',
      'http://[2001:4860:4860::8888]/callback',
      /^2001:4860:4860::8888 resolves to 2001:4860:4860::8888, not loopback or a private network/,
    ],
    ['a public name', 'http://example.com/callback', /^example\.com (resolves to .*, not loopback or a private network|does not resolve)/],
    ['a link-local address', 'http://169.254.169.254/latest/meta-data', /link-local address 169\.254\.169\.254, which callbacks never reach/],
    ['another scheme', 'ftp://127.0.0.1/callback', /^ftp: is not http or https/],
    ['no URL at all', 'callback-please', /^not a URL$/],
  ])('refused: %s', async (_what, url, error) => {
    const job = await submitOne(app, callbackJob(url));
    await finish(app, job.JobId);
    const entry = await callbackEntry(app, job.JobId);
    expect(entry.callback).toMatchObject({ jobId: job.JobId, url, result: 'refused' });
    expect(entry.callback.error).toMatch(error);
    expect(entry).toMatchObject({ method: 'POST', status: 0, code: 'CallbackRefused', bucket: DEFAULT_BUCKET });
    expect((await describeJob(app, job.JobId)).State).toBe('Success');
  });

  it('failed: a closed port (ECONNREFUSED)', async () => {
    const port = await closedPort();
    const job = await submitOne(app, callbackJob(`http://127.0.0.1:${port}/callback`));
    await finish(app, job.JobId);
    const entry = await callbackEntry(app, job.JobId);
    expect(entry.callback).toMatchObject({ result: 'failed', error: 'ECONNREFUSED' });
    expect(entry.code).toBe('CallbackFailed');
    expect((await describeJob(app, job.JobId)).State).toBe('Success');
  });

  it('failed: a server that accepts and never answers (the 3 s timeout)', async () => {
    const silent = await new CallbackServer(true).listen();
    try {
      const job = await submitOne(app, callbackJob(silent.url('/silent')));
      await finish(app, job.JobId);
      const entry = await callbackEntry(app, job.JobId, 15_000);
      expect(entry.callback).toMatchObject({ result: 'failed', error: 'ETIMEDOUT' });
      expect(silent.received).toHaveLength(1);
      expect((await describeJob(app, job.JobId)).State).toBe('Success');
    } finally {
      await silent.close();
    }
  });

  it('skipped: a TDMQ callback is journalled, not sent', async () => {
    const mq = '<CallBackType>TDMQ</CallBackType><CallBackMqConfig><MqRegion>gz</MqRegion><MqMode>Queue</MqMode><MqName>ci-events</MqName></CallBackMqConfig>';
    const withUrl = await submitOne(app, callbackJob(receiver.url('/tdmq'), mq));
    await finish(app, withUrl.JobId);
    expect((await callbackEntry(app, withUrl.JobId)).callback).toMatchObject({ result: 'skipped', error: 'CallBackType TDMQ: only Url callbacks are sent' });
    // As the docs send it: no CallBack URL, only the queue's configuration.
    const mqOnly = await submitOne(app, jobBody({ extra: mq }));
    await finish(app, mqOnly.JobId);
    expect((await callbackEntry(app, mqOnly.JobId)).callback).toMatchObject({
      jobId: mqOnly.JobId,
      result: 'skipped',
      error: 'CallBackType TDMQ: only Url callbacks are sent',
    });
    expect(receiver.received).toEqual([]);
  });
});

describe("the queue's NotifyConfig", () => {
  const host = 'notify-1250000000.ci.ap-guangzhou.myqcloud.com';
  let queueId: string;
  beforeAll(async () => {
    const queue = parseXml((await call(app, { method: 'GET', path: '/queue', host })).body)['Response'] as { QueueList: { QueueId: string } };
    queueId = queue.QueueList.QueueId;
  });

  const configure = async (notify: string): Promise<void> => {
    const response = await call(app, {
      method: 'PUT',
      path: `/queue/${queueId}`,
      body: `<Request><Name>notify</Name><State>Active</State><NotifyConfig>${notify}</NotifyConfig></Request>`,
      host,
    });
    expect(response.statusCode, response.body).toBe(200);
  };

  it('is used when the job has no CallBack, in its ResultFormat; the job’s own CallBack wins', async () => {
    await configure(`<Url>${receiver.url('/queue')}</Url><Type>Url</Type><Event>TaskFinish</Event><ResultFormat>JSON</ResultFormat><State>On</State>`);
    const plain = await submitOne(app, jobBody(), { host });
    await finish(app, plain.JobId);
    expect((await callbackEntry(app, plain.JobId)).callback).toMatchObject({ url: receiver.url('/queue'), result: 'sent' });
    expect(receiver.received[0]).toMatchObject({ url: '/queue', headers: expect.objectContaining({ 'content-type': 'application/json' }) });
    expect((JSON.parse(receiver.received[0]!.body) as { JobsDetail: { JobId: string }[] }).JobsDetail[0]?.JobId).toBe(plain.JobId);

    const own = await submitOne(app, callbackJob(receiver.url('/own')), { host });
    await finish(app, own.JobId);
    expect((await callbackEntry(app, own.JobId)).callback.url).toBe(receiver.url('/own'));
    expect(receiver.received.map((request) => request.url)).toEqual(['/queue', '/own']);
  });

  it('is silenced by CallBack no', async () => {
    await configure(`<Url>${receiver.url('/queue')}</Url><State>On</State>`);
    const silenced = await submitOne(app, callbackJob('no'), { host });
    await finish(app, silenced.JobId);
    const next = await submitOne(app, jobBody(), { host });
    await finish(app, next.JobId);
    await callbackEntry(app, next.JobId);
    expect(receiver.received.map((request) => request.url)).toEqual(['/queue']);
    const journal = (await app.inject({ url: '/_emulator/requests' })).json<{ requests: JournalEntry[] }>().requests;
    expect(journal.filter((entry) => entry.callback?.jobId === silenced.JobId)).toEqual([]);
  });

  it('of Type TDMQ, with no Url, is journalled as skipped', async () => {
    await configure('<Type>TDMQ</Type><State>On</State><MqMode>Queue</MqMode><MqRegion>gz</MqRegion><MqName>ci-events</MqName>');
    const job = await submitOne(app, jobBody(), { host });
    await finish(app, job.JobId);
    expect((await callbackEntry(app, job.JobId)).callback).toMatchObject({
      url: '',
      result: 'skipped',
      error: 'CallBackType TDMQ: only Url callbacks are sent',
    });
    expect(receiver.received).toEqual([]);
  });

  it('sends nothing when Off, and takes On in another case', async () => {
    await configure(`<Url>${receiver.url('/off')}</Url><State>Off</State>`);
    const off = await submitOne(app, jobBody(), { host });
    await finish(app, off.JobId);
    await configure(`<Url>${receiver.url('/lower')}</Url><State>on</State>`);
    const lower = await submitOne(app, jobBody(), { host });
    await finish(app, lower.JobId);
    expect((await callbackEntry(app, lower.JobId)).callback).toMatchObject({ result: 'sent' });
    expect(receiver.received.map((request) => request.url)).toEqual(['/lower']);
  });
});

describe('CIE_CALLBACK_HOSTS', () => {
  it('* reaches any host but never a link-local one', async () => {
    const open = await testServer({ jobDurationMs: 'manual', callbackHosts: ['*'] });
    try {
      for (const url of [
        'http://169.254.169.254/latest/meta-data',
        'http://[fe80::1]/callback',
        'http://[::ffff:169.254.169.254]/callback',
        'http://2852039166/callback',
      ]) {
        const job = await submitOne(open, callbackJob(url));
        await finish(open, job.JobId);
        const entry = await callbackEntry(open, job.JobId);
        expect(entry.callback, url).toMatchObject({ result: 'refused', error: expect.stringMatching(/link-local address .*, which callbacks never reach$/) });
      }
      const local = await submitOne(open, callbackJob(receiver.url('/open')));
      await finish(open, local.JobId);
      expect((await callbackEntry(open, local.JobId)).callback).toMatchObject({ result: 'sent', status: 200 });
    } finally {
      await open.close();
    }
  });

  it('a list refuses every other host, loopback included', async () => {
    const listed = await testServer({ jobDurationMs: 'manual', callbackHosts: ['127.0.0.1'] });
    try {
      const refused = await submitOne(listed, callbackJob(`http://localhost:${receiver.port}/callback`));
      await finish(listed, refused.JobId);
      expect((await callbackEntry(listed, refused.JobId)).callback).toMatchObject({ result: 'refused', error: 'localhost is not in CIE_CALLBACK_HOSTS' });
      const allowed = await submitOne(listed, callbackJob(receiver.url('/listed')));
      await finish(listed, allowed.JobId);
      expect((await callbackEntry(listed, allowed.JobId)).callback).toMatchObject({ result: 'sent', status: 200 });
      expect(receiver.received.map((request) => request.url)).toEqual(['/listed']);
    } finally {
      await listed.close();
    }
  });
});
