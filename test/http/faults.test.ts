import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { call, errorOf, ocrBody, testServer, xml } from '../helpers.js';
import { newCos, sdkError, sdkOk, startQuiet } from '../sdk/sdk.js';

/** POST/GET/DELETE /_emulator/faults: each field, matching, order, and what the SDKs see. */

interface FaultJson {
  readonly id: string;
  readonly match: { readonly method?: string; readonly path?: string };
  readonly status: number | null;
  readonly code: string | null;
  readonly times: number;
  readonly delayMs: number;
  readonly remaining: number;
}

let app: FastifyInstance;
beforeAll(async () => {
  app = await testServer();
});
afterAll(() => app.close());
afterEach(async () => {
  await app.inject({ method: 'DELETE', url: '/_emulator/faults' });
});

async function addFault(input: unknown): Promise<FaultJson> {
  const response = await app.inject({ method: 'POST', url: '/_emulator/faults', payload: input as Record<string, unknown> });
  if (response.statusCode !== 201) throw new Error(`fault refused: ${response.statusCode} ${response.body}`);
  return response.json<FaultJson>();
}

const listFaults = async (): Promise<FaultJson[]> => (await app.inject({ method: 'GET', url: '/_emulator/faults' })).json<{ faults: FaultJson[] }>().faults;

const getTemplates = (): Promise<LightMyRequestResponse> => call(app, { method: 'GET', path: '/template' });

/** The status of each answer, in order. */
const statuses = async (...requests: (() => Promise<LightMyRequestResponse>)[]): Promise<number[]> => {
  const result: number[] = [];
  for (const request of requests) result.push((await request()).statusCode);
  return result;
};

describe('POST /_emulator/faults', () => {
  it('answers 201 with the fault, its id and remaining, defaults filled in', async () => {
    const fault = await addFault({});
    expect(fault).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      match: {},
      status: 503,
      code: 'ServiceUnavailable',
      times: 1,
      delayMs: 0,
      remaining: 1,
    });
  });

  it('keeps every field given', async () => {
    const fault = await addFault({ match: { method: 'put', path: '/template/*' }, status: 429, code: 'SlowDown', times: 7, delayMs: 5 });
    expect(fault).toMatchObject({ match: { method: 'PUT', path: '/template/*' }, status: 429, code: 'SlowDown', times: 7, delayMs: 5, remaining: 7 });
  });

  it.each([
    ['a status under 400', { status: 200 }, 'status'],
    ['a status over 599', { status: 600 }, 'status'],
    ['a status that is not an integer', { status: 503.5 }, 'status'],
    ['times 0', { times: 0 }, 'times'],
    ['times that is not a number', { times: 'many' }, 'times'],
    ['a delay over a minute', { delayMs: 60_001 }, 'delayMs'],
    ['a negative delay', { delayMs: -1 }, 'delayMs'],
    ['a code with a space', { code: 'Service Unavailable' }, 'code'],
    ['a method that is not a word', { match: { method: 'GE T' } }, 'match.method'],
    ['OPTIONS, which CORS answers before faults', { match: { method: 'OPTIONS' } }, 'OPTIONS'],
    ['a path without its slash', { match: { path: 'template' } }, 'match.path'],
    ['a path with a query, which is never part of the match', { match: { path: '/template?tag=All' } }, 'match.path'],
    ['an /_emulator path', { match: { path: '/_emulator/reset' } }, '/_emulator'],
    ['an /_emulator prefix', { match: { path: '/_emulator*' } }, '/_emulator'],
    ['a misspelt key', { status: 503, time: 4 }, 'time'],
    ['a misspelt key beside match', { match: { path: '/template' }, delay: 5 }, 'delay'],
    ['a method beside match', { match: { path: '/template' }, method: 'GET' }, 'method'],
    ['a misspelt match key', { match: { methods: 'GET' } }, 'methods'],
    ['a match that is not an object', { match: '/template' }, 'match'],
    ['an array', [{ status: 503 }], 'JSON object'],
  ])('refuses %s with 400 InvalidFault', async (_what, input, named) => {
    const response = await app.inject({ method: 'POST', url: '/_emulator/faults', payload: input as Record<string, unknown> });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'InvalidFault', message: expect.stringContaining(named) });
    expect(await listFaults()).toEqual([]);
  });
});

describe('GET and DELETE /_emulator/faults', () => {
  it('lists the faults oldest first with what remains of each, and DELETE clears them', async () => {
    const first = await addFault({ match: { path: '/nope' }, times: 3 });
    const second = await addFault({ match: { method: 'DELETE' }, delayMs: 1 });
    await call(app, { method: 'GET', path: '/nope' });
    expect(await listFaults()).toEqual([
      { ...first, remaining: 2 },
      { ...second, remaining: 1 },
    ]);
    const cleared = await app.inject({ method: 'DELETE', url: '/_emulator/faults' });
    expect(cleared.json()).toEqual({ cleared: true });
    expect(await listFaults()).toEqual([]);
    expect((await call(app, { method: 'GET', path: '/nope' })).statusCode).toBe(404);
  });

  it('drops a fault once it is spent', async () => {
    await addFault({ times: 2 });
    await getTemplates();
    expect((await listFaults()).map((fault) => fault.remaining)).toEqual([1]);
    await getTemplates();
    expect(await listFaults()).toEqual([]);
  });

  it('is cleared by a full reset, not by the reset of one bucket', async () => {
    await addFault({ times: 5 });
    await app.inject({ method: 'POST', url: '/_emulator/reset?bucket=examplebucket-1250000000' });
    expect(await listFaults()).toHaveLength(1);
    const reset = await app.inject({ method: 'POST', url: '/_emulator/reset' });
    expect(reset.json()).toMatchObject({ faultsCleared: true });
    expect(await listFaults()).toEqual([]);
  });
});

describe('an injected error', () => {
  it('is a real CI <Error> with the CI headers, and the next request is served', async () => {
    await addFault({ status: 500, code: 'InternalError' });
    const response = await getTemplates();
    const error = errorOf(response);
    expect(error).toMatchObject({ status: 500, code: 'InternalError', resource: '/template', message: expect.stringContaining('injected') });
    expect(response.headers['content-type']).toBe('application/xml');
    expect(response.headers['server']).toBe('tencent-ci');
    expect(response.headers['x-ci-request-id']).toBe(error.requestId);
    expect(response.headers['x-ci-trace-id']).toBe((xml(response.body) as { Error: { TraceId: string } }).Error.TraceId);
    expect((await getTemplates()).statusCode).toBe(200);
  });

  it.each([
    [{ status: 404, code: 'NoSuchKey' }, 404, 'NoSuchKey'],
    [{ status: 429 }, 429, 'ServiceUnavailable'],
    [{ code: 'SlowDown' }, 503, 'SlowDown'],
    [{ status: 400, code: 'InvalidArgument' }, 400, 'InvalidArgument'],
  ])('answers %j with %i %s', async (input, status, code) => {
    await addFault(input);
    expect(errorOf(await getTemplates())).toMatchObject({ status, code });
  });

  it('comes before auth: an unsigned request gets it, not MissingAuthorization', async () => {
    await addFault({ status: 502, code: 'BadGateway' });
    expect(errorOf(await call(app, { method: 'GET', path: '/template', unsigned: true }))).toMatchObject({ status: 502, code: 'BadGateway' });
  });

  it('fails the next `times` matching requests, then stops', async () => {
    await addFault({ times: 3 });
    expect(await statuses(getTemplates, getTemplates, getTemplates, getTemplates)).toEqual([503, 503, 503, 200]);
  });
});

describe('matching', () => {
  const post = (): Promise<LightMyRequestResponse> =>
    call(app, { method: 'POST', path: '/template', body: ocrBody(`m-${Math.random().toString(36).slice(2, 10)}`) });
  const put = (): Promise<LightMyRequestResponse> => call(app, { method: 'PUT', path: '/template/t1missing', body: ocrBody('x') });
  const del = (): Promise<LightMyRequestResponse> => call(app, { method: 'DELETE', path: '/template/t1missing' });

  it('without a method, takes GET, POST, PUT and DELETE alike', async () => {
    await addFault({ times: 4 });
    expect(await statuses(getTemplates, post, put, del, getTemplates)).toEqual([503, 503, 503, 503, 200]);
  });

  it('without a method, lets OPTIONS through, preflight or not, and keeps its use', async () => {
    await addFault({});
    const plain = await app.inject({ method: 'OPTIONS', url: '/template' });
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/template',
      headers: { origin: 'http://page.test', 'access-control-request-method': 'POST' },
    });
    expect([plain.statusCode, preflight.statusCode]).toEqual([204, 204]);
    expect((await listFaults())[0]?.remaining).toBe(1);
  });

  it('with a method, takes only that method (case-insensitive in the input)', async () => {
    await addFault({ match: { method: 'post' } });
    expect(await statuses(getTemplates, put, post, post)).toEqual([200, 404, 503, 200]);
  });

  it('with an exact path, takes only that path, query or not', async () => {
    await addFault({ match: { path: '/template' }, times: 2 });
    expect(await statuses(put, () => call(app, { method: 'GET', path: '/template', query: { tag: 'All' } }), getTemplates, getTemplates)).toEqual([
      404, 503, 503, 200,
    ]);
  });

  it('with a path ending in *, takes that prefix', async () => {
    await addFault({ match: { path: '/template/*' }, times: 2 });
    expect(await statuses(getTemplates, put, del, del)).toEqual([200, 503, 503, 404]);
  });

  it('without a path, takes any path outside /_emulator, unknown ones too', async () => {
    await addFault({ times: 2 });
    const health = await app.inject({ method: 'GET', url: '/_emulator/health' });
    expect(health.statusCode).toBe(200);
    expect(await statuses(() => call(app, { method: 'GET', path: '/nope' }), getTemplates, getTemplates)).toEqual([503, 503, 200]);
  });

  it('never touches /_emulator, even with a path of /*', async () => {
    await addFault({ match: { path: '/*' } });
    for (const url of ['/_emulator/health', '/_emulator/faults', '/_emulator/requests', '/_emulator/']) {
      expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    expect((await listFaults())[0]?.remaining).toBe(1);
  });

  it('applies the oldest matching fault first, then the next', async () => {
    await addFault({ match: { path: '/template' }, status: 500, code: 'First', times: 2 });
    await addFault({ match: { method: 'GET' }, status: 502, code: 'Second' });
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await getTemplates();
      codes.push(response.statusCode === 200 ? 'ok' : errorOf(response).code);
    }
    expect(codes).toEqual(['First', 'First', 'Second', 'ok']);
  });

  it('skips a fault that does not match for one that does, behind it', async () => {
    await addFault({ match: { method: 'DELETE' }, code: 'NotThisOne' });
    await addFault({ match: { method: 'GET' }, code: 'ThisOne' });
    expect(errorOf(await getTemplates()).code).toBe('ThisOne');
    expect((await listFaults()).map((fault) => fault.code)).toEqual(['NotThisOne']);
  });
});

describe('delays', () => {
  it('with only delayMs, delays the request and then answers it normally', async () => {
    const fault = await addFault({ delayMs: 150 });
    expect(fault).toMatchObject({ status: null, code: null, delayMs: 150 });
    const started = performance.now();
    const response = await getTemplates();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.statusCode).toBe(200);
  });

  it('with a status too, delays and then fails', async () => {
    await addFault({ delayMs: 120, status: 504, code: 'GatewayTimeout' });
    const started = performance.now();
    const response = await getTemplates();
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(errorOf(response)).toMatchObject({ status: 504, code: 'GatewayTimeout' });
  });

  it('delays only the `times` requests: the fault is spent, and a later request overtakes the delayed one', async () => {
    await addFault({ delayMs: 400, times: 1 });
    const answered: string[] = [];
    const delayed = getTemplates().then(() => answered.push('delayed'));
    // Only once the delayed request has taken the fault is the next one sent.
    while ((await listFaults()).length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const next = getTemplates().then(() => answered.push('next'));
    await Promise.all([delayed, next]);
    expect(answered).toEqual(['next', 'delayed']);
    expect(await listFaults()).toEqual([]);
  });
});

describe('with cos-nodejs-sdk-v5, which retries a 5xx 3 times', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startQuiet();
  });
  afterAll(() => emulator.close());

  const faultOver = (times: number): Promise<Response> =>
    fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { method: 'POST', path: '/template' }, times }),
    });
  const create = (name: string) => ({
    Method: 'POST' as const,
    Key: 'template',
    Url: `${emulator.url}/template`,
    Body: ocrBody(name),
    ContentType: 'application/xml',
  });

  it('hides a fault of times: 3 behind its retries', async () => {
    await faultOver(3);
    const data = await sdkOk(newCos(), create('after-3-faults'));
    expect(data.statusCode).toBe(200);
  });

  it('lets a fault of times: 4 reach the caller', async () => {
    await faultOver(4);
    const error = await sdkError(newCos(), create('after-4-faults'));
    expect(error).toMatchObject({ code: 'ServiceUnavailable', statusCode: 503 });
    const journal = (await (await fetch(`${emulator.url}/_emulator/requests?limit=4`)).json()) as { requests: { status: number }[] };
    expect(journal.requests.map((entry) => entry.status)).toEqual([503, 503, 503, 503]);
  });
});
