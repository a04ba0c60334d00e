import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLevel } from '../../src/config.js';
import { APPID, call, ocrBody, signedHeaders, testServer } from '../helpers.js';

/** The pino log: one line per request with what a user greps for, and never a secret. */

const TEMP_ID = 'AKIDTEMPORARY';
const TEMP_KEY = 'TEMPSECRETKEY-never-logged';
const TEMP_TOKEN = 'SESSION-TOKEN-never-logged';
const ADMIN_TOKEN = 'ADMIN-TOKEN-never-logged';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A pino destination that keeps every line. */
function capture(): { stream: Writable; text: () => string; lines: () => LogLine[] } {
  let text = '';
  const stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      text += chunk.toString('utf8');
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LogLine),
  };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function loggingServer(logLevel: LogLevel): Promise<{ app: FastifyInstance; log: ReturnType<typeof capture> }> {
  const log = capture();
  app = await testServer(
    {
      logLevel,
      adminToken: ADMIN_TOKEN,
      keys: [
        { secretId: 'AKIDEXAMPLE', secretKey: 'SECRETKEYEXAMPLE', appId: APPID },
        { secretId: TEMP_ID, secretKey: TEMP_KEY, appId: APPID, token: TEMP_TOKEN },
      ],
    },
    { logStream: log.stream },
  );
  return { app, log };
}

/** Requests that carry every kind of credential: the signature header, tokens, the admin token. */
async function credentialedTraffic(server: FastifyInstance): Promise<number> {
  const host = 'examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com';
  await call(server, {
    method: 'POST',
    path: '/template',
    body: ocrBody('logged'),
    host,
    secretId: TEMP_ID,
    secretKey: TEMP_KEY,
    headers: { 'x-cos-security-token': TEMP_TOKEN },
  });
  await call(server, { method: 'GET', path: '/template', host, secretId: TEMP_ID, secretKey: TEMP_KEY, headers: { 'x-ci-security-token': TEMP_TOKEN } });
  // A token in the query, and a wrong key, whose error answer carries the StringToSign.
  await call(server, { method: 'GET', path: '/template', query: { 'x-cos-security-token': TEMP_TOKEN }, host, secretId: TEMP_ID, secretKey: 'WRONG' });
  await server.inject({ method: 'POST', url: '/_emulator/reset', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await server.inject({ method: 'GET', url: `/_emulator/?token=${ADMIN_TOKEN}` });
  await server.inject({ method: 'GET', url: '/_emulator/requests', headers: { cookie: `cie_admin_token=${ADMIN_TOKEN}` } });
  return 6;
}

describe('the request log', () => {
  it('has one line per request: method, path, bucket, status, CI error code and ms', async () => {
    const { app: server, log } = await loggingServer('info');
    await call(server, { method: 'POST', path: '/template', body: ocrBody('one') });
    await call(server, { method: 'POST', path: '/template', body: ocrBody('one') });
    await call(server, { method: 'GET', path: '/template', host: 'other-1250000000.ci.ap-beijing.myqcloud.com', unsigned: true });
    await server.inject({ method: 'GET', url: '/_emulator/health' });

    const requests = log.lines().filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(4);
    expect(requests[0]).toMatchObject({ level: 30, method: 'POST', path: '/template', bucket: 'examplebucket-1250000000', status: 200 });
    expect(requests[0]).not.toHaveProperty('code');
    expect(requests[1]).toMatchObject({ method: 'POST', status: 400, code: 'TemplateNameDuplicate' });
    expect(requests[2]).toMatchObject({ method: 'GET', bucket: 'other-1250000000', status: 401, code: 'MissingAuthorization' });
    expect(requests[3]).toMatchObject({ method: 'GET', path: '/_emulator/health', status: 200 });
    for (const line of requests) expect(line['ms']).toEqual(expect.any(Number));
  });

  it('never holds a secret key, a security token, the admin token or the Authorization header', async () => {
    // trace: the most pino writes, so nothing is hidden by the level.
    const { app: server, log } = await loggingServer('trace');
    const sent = await credentialedTraffic(server);
    const authorization = signedHeaders({ method: 'GET', path: '/template', secretId: TEMP_ID, secretKey: TEMP_KEY })['authorization']!;

    expect(log.lines().filter((line) => line.msg === 'request')).toHaveLength(sent);
    const text = log.text();
    for (const secret of [TEMP_KEY, TEMP_TOKEN, ADMIN_TOKEN, 'SECRETKEYEXAMPLE', 'q-signature=', authorization.slice(0, 40)]) {
      expect(text, `the log holds ${secret}`).not.toContain(secret);
    }
  });

  it('follows CIE_LOG_LEVEL: warn drops the request lines, silent writes nothing', async () => {
    const warn = await loggingServer('warn');
    await credentialedTraffic(warn.app);
    expect(warn.log.lines().filter((line) => line.msg === 'request')).toEqual([]);
    await warn.app.close();

    const silent = await loggingServer('silent');
    await credentialedTraffic(silent.app);
    expect(silent.log.text()).toBe('');
  });
});
