import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/server.js';
import { signRequest } from '../../src/signature.js';
import { APPID, SECRET_ID, SECRET_KEY, call, errorOf, ocrBody, signedHeaders, testServer, xml } from '../helpers.js';
import { exchange, errorCodeOf, rawRequest } from '../fuzz/wire.js';
import { killCli, startCli, type RunningCli } from './cli.js';
import { codeOf, listAll, ocrCreate, send, templateIdOf } from './client.js';

const TEMP_KEY = { secretId: 'AKIDTEMP', secretKey: 'TEMPSECRETKEY', appId: APPID, token: 'TEMPSESSIONTOKEN' } as const;
const FOREIGN_KEY = { secretId: 'AKIDFOREIGN', secretKey: 'FOREIGNSECRETKEY', appId: '1300000000' } as const;
const ADMIN_TOKEN = 'ADMINTOKEN-0123456789';
const SECRETS = [SECRET_KEY, TEMP_KEY.secretKey, TEMP_KEY.token, FOREIGN_KEY.secretKey, ADMIN_TOKEN];
const FOREIGN_HOST = `foreign-${FOREIGN_KEY.appId}.ci.ap-guangzhou.myqcloud.com`;

const dir = mkdtempSync(join(tmpdir(), 'cie-security-'));
const clis = new Set<RunningCli>();
afterAll(async () => {
  await Promise.all([...clis].map((cli) => killCli(cli)));
  rmSync(dir, { recursive: true, force: true });
});

async function cli(variables: Readonly<Record<string, string>>): Promise<RunningCli> {
  const started = await startCli(variables);
  clis.add(started);
  return started;
}

describe('signature windows and replays', () => {
  let now = Date.now();
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({}, { clock: () => now });
  });
  afterAll(() => app.close());

  const seconds = (): number => Math.floor(now / 1000);

  it('refuses an expired signature', async () => {
    const response = await call(app, { method: 'GET', path: '/template', signedAt: seconds() - 3600, expires: 600 });
    expect(errorOf(response)).toMatchObject({ status: 401, code: 'SignatureExpired' });
  });

  it('refuses a request replayed after its window, and it changes nothing', async () => {
    const body = ocrBody('replayed');
    const headers = signedHeaders({ method: 'POST', path: '/template', body, signedAt: seconds() - 1 });
    const first = await app.inject({ method: 'POST', url: '/template', headers, payload: body });
    expect(first.statusCode).toBe(200);
    // Within the window the same bytes are a valid request again (q-sign has no nonce, as in COS):
    // a replayed create finds its name taken.
    now += 600_000;
    const inWindow = await app.inject({ method: 'POST', url: '/template', headers, payload: body });
    expect(errorOf(inWindow).code).toBe('TemplateNameDuplicate');
    // Past q-sign-time's end it is refused before anything else is looked at.
    now += 301_000;
    const id = /<TemplateId>([^<]+)</.exec(first.body)?.[1] ?? '';
    const deleteHeaders = signedHeaders({ method: 'DELETE', path: `/template/${id}`, signedAt: seconds() - 905 });
    const late = await app.inject({ method: 'POST', url: '/template', headers, payload: body });
    expect(errorOf(late)).toMatchObject({ status: 401, code: 'SignatureExpired' });
    const lateDelete = await app.inject({ method: 'DELETE', url: `/template/${id}`, headers: deleteHeaders });
    expect(errorOf(lateDelete)).toMatchObject({ status: 401, code: 'SignatureExpired' });
    const list = await call(app, { method: 'GET', path: '/template', query: { ids: id }, signedAt: seconds() - 1 });
    expect(list.body).toContain(`<TemplateId>${id}</TemplateId>`);
  });

  it('refuses a signature whose window starts more than 15 minutes ahead', async () => {
    const response = await call(app, { method: 'GET', path: '/template', signedAt: seconds() + 16 * 60 });
    expect(errorOf(response)).toMatchObject({ status: 403, code: 'RequestTimeTooSkewed' });
  });

  it('refuses a create whose key time ended, or does not cover its sign time, and creates nothing', async () => {
    const name = 'stale-key';
    // The earlier tests moved the server's clock: every signature here starts at its time.
    const ended = await call(app, { method: 'POST', path: '/template', body: ocrBody(name), signedAt: seconds() - 1, keyTime: '0;1' });
    expect(errorOf(ended)).toMatchObject({ status: 401, code: 'SignatureExpired', message: expect.stringContaining('q-key-time') });
    const start = seconds() - 1;
    const narrow = await call(app, { method: 'POST', path: '/template', body: ocrBody(name), signedAt: start, keyTime: `${start};${start + 60}` });
    expect(errorOf(narrow)).toMatchObject({ status: 401, code: 'SignatureExpired', message: expect.stringContaining('does not cover') });
    const ahead = await call(app, {
      method: 'POST',
      path: '/template',
      body: ocrBody(name),
      signedAt: seconds() - 1,
      keyTime: `${seconds() + 16 * 60};${seconds() + 3600}`,
    });
    expect(errorOf(ahead)).toMatchObject({ status: 403, code: 'RequestTimeTooSkewed' });
    const list = await call(app, { method: 'GET', path: '/template', query: { name }, signedAt: seconds() - 1 });
    expect(list.body).toContain('<TotalCount>0</TotalCount>');
  });
});

describe('tampering', () => {
  let app: FastifyInstance;
  let target = '';
  let other = '';
  beforeAll(async () => {
    app = await testServer();
    const ids: string[] = [];
    for (const name of ['target', 'other']) {
      const response = await call(app, { method: 'POST', path: '/template', body: ocrBody(name) });
      ids.push(/<TemplateId>([^<]+)</.exec(response.body)?.[1] ?? '');
    }
    [target = '', other = ''] = ids;
  });
  afterAll(() => app.close());

  const mismatch = { status: 403, code: 'SignatureDoesNotMatch' };

  it('refuses a signed header changed after signing', async () => {
    const body = ocrBody('tampered');
    const headers = signedHeaders({ method: 'POST', path: '/template', body });
    for (const change of [{ host: 'localhost:81' }, { 'content-type': 'text/xml' }]) {
      expect(errorOf(await app.inject({ method: 'POST', url: '/template', headers: { ...headers, ...change }, payload: body }))).toMatchObject(mismatch);
    }
    // Content-Length is signed too, so a body of another length is refused.
    const longer = ocrBody('tampered-longer');
    const longerHeaders = { ...headers, 'content-length': String(Buffer.byteLength(longer)) };
    expect(errorOf(await app.inject({ method: 'POST', url: '/template', headers: longerHeaders, payload: longer }))).toMatchObject(mismatch);
  });

  it('refuses a signed parameter changed after signing', async () => {
    const headers = signedHeaders({ method: 'GET', path: '/template', query: { ids: target } });
    expect(errorOf(await app.inject({ method: 'GET', url: `/template?ids=${other}`, headers }))).toMatchObject(mismatch);
    expect(
      errorOf(
        await app.inject({
          method: 'GET',
          url: `/template?ids=${target}&ids=${other}`,
          headers: signedHeaders({ method: 'GET', path: '/template', query: { ids: other } }),
        }),
      ),
    ).toMatchObject(mismatch);
  });

  it('refuses a path changed after signing, and deletes nothing', async () => {
    const headers = signedHeaders({ method: 'DELETE', path: `/template/${target}` });
    expect(errorOf(await app.inject({ method: 'DELETE', url: `/template/${other}`, headers }))).toMatchObject(mismatch);
    const both = await call(app, { method: 'GET', path: '/template', query: { ids: `${target},${other}` } });
    expect(both.body).toContain(other);
    expect(both.body).not.toContain('NonExistTIDs');
  });

  it('refuses a changed signature, method or key time', async () => {
    const headers = signedHeaders({ method: 'GET', path: '/template' });
    const authorization = headers['authorization'] ?? '';
    const flipped = authorization.replace(/q-signature=([0-9a-f])/, (_, digit: string) => `q-signature=${digit === '0' ? '1' : '0'}`);
    expect(errorOf(await app.inject({ method: 'GET', url: '/template', headers: { ...headers, authorization: flipped } }))).toMatchObject(mismatch);
    const keyTime = authorization.replace(/q-key-time=(\d+);/, (_, start: string) => `q-key-time=${Number(start) - 1};`);
    expect(errorOf(await app.inject({ method: 'GET', url: '/template', headers: { ...headers, authorization: keyTime } }))).toMatchObject(mismatch);
  });
});

describe('buckets and keys', () => {
  it("refuses a key on another APPID's bucket, and creates nothing there", async () => {
    const app = await testServer({ keys: [{ secretId: SECRET_ID, secretKey: SECRET_KEY, appId: APPID }, FOREIGN_KEY] });
    try {
      const response = await call(app, { method: 'POST', path: '/template', body: ocrBody('intruder'), host: FOREIGN_HOST });
      expect(errorOf(response)).toMatchObject({ status: 403, code: 'AccessDenied' });
      const owner = await call(app, { method: 'GET', path: '/template', host: FOREIGN_HOST, secretId: FOREIGN_KEY.secretId, secretKey: FOREIGN_KEY.secretKey });
      expect(owner.body).toContain('<TotalCount>0</TotalCount>');
      // And the owner's key cannot reach the default bucket either.
      const back = await call(app, { method: 'GET', path: '/template', secretId: FOREIGN_KEY.secretId, secretKey: FOREIGN_KEY.secretKey });
      expect(errorOf(back)).toMatchObject({ status: 403, code: 'AccessDenied' });
    } finally {
      await app.close();
    }
  });

  it('refuses a key removed from CIE_KEYS after a restart, and keeps its templates', { timeout: 60_000 }, async () => {
    const db = join(dir, 'keys.db');
    const removed = { secretId: 'AKIDREMOVED', secretKey: 'REMOVEDSECRETKEY' };
    const both = `${SECRET_ID}:${SECRET_KEY}:${APPID},${removed.secretId}:${removed.secretKey}:${APPID}`;
    const first = await cli({ CIE_DB: db, CIE_KEYS: both });
    const created = await send(first.port, { ...ocrCreate('made-by-removed-key'), ...removed });
    expect(created.status).toBe(200);
    await killCli(first);

    const second = await cli({ CIE_DB: db, CIE_KEYS: `${SECRET_ID}:${SECRET_KEY}:${APPID}` });
    const refused = await send(second.port, { method: 'GET', path: '/template', ...removed });
    expect(refused.status).toBe(401);
    expect(codeOf(refused)).toBe('SecretidNotExist');
    const kept = await listAll(second.port);
    expect(kept.get(templateIdOf(created) ?? '')).toBe('made-by-removed-key');
    await killCli(second);
    // The CLI logs name SecretIds, never SecretKeys.
    for (const output of [first.output(), second.output()]) {
      expect(output).toContain(SECRET_ID);
      expect(output).not.toContain(SECRET_KEY);
      expect(output).not.toContain(removed.secretKey);
    }
  });
});

describe('the admin token', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({ adminToken: ADMIN_TOKEN });
    await call(app, { method: 'POST', path: '/template', body: ocrBody('kept') });
  });
  afterAll(() => app.close());

  const get = (url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url, headers });

  it('guards every /_emulator/ endpoint but health', async () => {
    expect((await get('/_emulator/health')).statusCode).toBe(200);
    for (const url of ['/_emulator/requests', '/_emulator/faults', '/_emulator/']) {
      expect((await get(url)).statusCode).toBe(401);
      expect((await get(url, { authorization: 'Bearer wrong' })).statusCode).toBe(401);
      expect((await get(url, { authorization: `Bearer ${ADMIN_TOKEN}x` })).statusCode).toBe(401);
      // A q-sign signature is not the admin token.
      expect((await get(url, signedHeaders({ method: 'GET', path: url }))).statusCode).toBe(401);
      expect((await get(url, { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(200);
    }
  });

  it('refuses a reset without the token, and resets nothing', async () => {
    const refused = await app.inject({ method: 'POST', url: '/_emulator/reset' });
    expect(refused.statusCode).toBe(401);
    expect((await call(app, { method: 'GET', path: '/template' })).body).toContain('<TotalCount>1</TotalCount>');
  });

  it('takes the token once in the query and then as an HttpOnly cookie', async () => {
    const page = await get(`/_emulator/?token=${ADMIN_TOKEN}`);
    // The page answers, or sends the browser back to itself without the token in the address.
    expect([200, 303]).toContain(page.statusCode);
    const cookie = String(page.headers['set-cookie'] ?? '');
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await get('/_emulator/requests', { cookie: cookie.split(';')[0] ?? '' })).statusCode).toBe(200);
    expect((await get('/_emulator/requests', { cookie: 'cie_admin_token=wrong' })).statusCode).toBe(401);
  });
});

describe('the admin door on the real CLI, configured as the image is (CIE_HOST=0.0.0.0)', () => {
  let server: RunningCli;
  beforeAll(async () => {
    server = await cli({ CIE_HOST: '0.0.0.0', CIE_DB: ':memory:', CIE_ALLOWED_HOSTS: 'ci.internal.example', CIE_ADMIN_ORIGINS: 'http://localhost:5173' });
  });

  const admin = (method: 'GET' | 'POST', path: string, host: string, headers: Record<string, string> = {}): ReturnType<typeof send> =>
    send(server.port, { method, path, unsigned: true, host, headers });

  it('refuses Host evil.example:8080 on the journal, and answers it on health and on a signed /template', async () => {
    const refused = await admin('GET', '/_emulator/requests', 'evil.example:8080');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'ForbiddenHost' });
    expect((await admin('GET', '/_emulator/health', 'evil.example:8080')).status).toBe(200);
    expect((await send(server.port, { method: 'GET', path: '/template', host: 'evil.example:8080' })).status).toBe(200);
  });

  it.each(['ci-emulator:8080', 'localhost', '127.0.0.1', 'ci.internal.example:8080'])('answers the journal on Host %s', async (host) => {
    expect((await admin('GET', '/_emulator/requests', host)).status).toBe(200);
  });

  it('takes a reset from the origin CIE_ADMIN_ORIGINS lists, and refuses one from the port beside it', async () => {
    const refused = await admin('POST', '/_emulator/reset', 'localhost:8080', { origin: 'http://localhost:5174', 'sec-fetch-site': 'same-site' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'ForbiddenOrigin' });
    expect((await admin('POST', '/_emulator/reset', 'localhost:8080', { origin: 'http://localhost:5173', 'sec-fetch-site': 'same-site' })).status).toBe(200);
  });
});

describe('bodies over the limit', () => {
  let server: RunningCli;
  beforeAll(async () => {
    server = await cli({ CIE_DB: ':memory:', CIE_LOG_LEVEL: 'warn' });
  });

  const postHead = (contentLength: number | 'chunked'): Buffer => {
    const headers = signedHeaders({ method: 'POST', path: '/template', host: 'localhost:80' });
    return rawRequest('POST', '/template', {
      ...headers,
      'content-type': 'application/xml',
      ...(contentLength === 'chunked' ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(contentLength) }),
    });
  };

  it('refuses a body announced over 1 MiB before any of it is sent', async () => {
    // Only the head is written: the answer cannot have waited for the body.
    const result = await exchange(server.port, { head: postHead(BODY_LIMIT + 1) }, { idleMs: 5000 });
    expect(result.responses).toHaveLength(1);
    expect(result.responses[0]?.status).toBe(413);
    expect(errorCodeOf(result.responses[0] ?? { status: 0, headers: {}, body: Buffer.alloc(0) })).toBe('InvalidContent');
    // And the connection is closed, so the upload stops.
    expect(result.ending).toBe('closed');
  });

  it('lets a client that is still uploading read the 413', { timeout: 60_000 }, async () => {
    // Closing at once would reset the connection under the client's writes: it would fail with
    // EPIPE without reading the answer that was sent (a third of the time, before the fix).
    const chunk = Buffer.alloc(256 * 1024, 'a');
    for (let i = 0; i < 20; i++) {
      const upload = await uploadUntilAnswered(server.port, postHead(64 * 1024 * 1024), chunk, 64 * 1024 * 1024);
      expect(upload.status).toBe(413);
    }
  });

  it('refuses a chunked body once it passes 1 MiB, long before it ends', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const sent = await uploadUntilAnswered(server.port, postHead('chunked'), framed, 256 * 1024 * 1024);
    expect(sent.status).toBe(413);
    // It read about 1 MiB (plus what the socket buffers held), not the 256 MiB on offer.
    expect(sent.bytesSent).toBeLessThan(64 * 1024 * 1024);
  });

  it('keeps memory flat under 50 parallel oversized uploads', { timeout: 60_000 }, async () => {
    const pid = server.child.pid ?? 0;
    const chunk = Buffer.alloc(256 * 1024, 'a');
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    // Warm up, so that the peak so far includes one refused upload of each kind.
    await uploadUntilAnswered(server.port, postHead(64 * 1024 * 1024), chunk, 64 * 1024 * 1024);
    await uploadUntilAnswered(server.port, postHead('chunked'), framed, 8 * 1024 * 1024);
    const peakBefore = peakRss(pid);

    const announced = await Promise.all(
      Array.from({ length: 50 }, () => uploadUntilAnswered(server.port, postHead(64 * 1024 * 1024), chunk, 64 * 1024 * 1024)),
    );
    const peakAnnounced = peakRss(pid);
    const chunked = await Promise.all(Array.from({ length: 50 }, () => uploadUntilAnswered(server.port, postHead('chunked'), framed, 16 * 1024 * 1024)));
    const peakChunked = peakRss(pid);

    expect(announced.map((upload) => upload.status)).toEqual(Array.from({ length: 50 }, () => 413));
    expect(chunked.map((upload) => upload.status)).toEqual(Array.from({ length: 50 }, () => 413));
    const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);
    // 50 × 64 MiB announced were refused unread: the peak moves by far less than the 3.2 GiB
    // sent. 50 chunked uploads are read up to 1 MiB each before the refusal: 50 MiB, not the
    // 800 MiB sent. The bounds leave room for a collector that lags on a loaded CI machine.
    expect(mib(peakAnnounced - peakBefore), `peak RSS ${mib(peakBefore)} → ${mib(peakAnnounced)} MiB`).toBeLessThan(128);
    expect(mib(peakChunked - peakBefore), `peak RSS ${mib(peakBefore)} → ${mib(peakChunked)} MiB`).toBeLessThan(320);
    // Still serving.
    expect((await send(server.port, { method: 'GET', path: '/template' })).status).toBe(200);
  });
});

/** Peak resident memory of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** Sends the head, then `chunk` over and over up to `limit` bytes, stopping when an answer arrives. */
function uploadUntilAnswered(port: number, head: Buffer, chunk: Buffer, limit: number): Promise<{ status: number; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let bytesSent = 0;
    let answered = false;
    const finish = (): void => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      socket.destroy();
      if (status === undefined) reject(new Error(`no answer after ${bytesSent} bytes`));
      else resolve({ status: Number(status), bytesSent });
    };
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (/\r\n\r\n/.test(received)) answered = true;
    });
    socket.on('close', finish);
    // A reset after the answer is the server stopping the upload; before it, finish reports no answer.
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(head);
      const pump = (): void => {
        while (!answered && !socket.destroyed && bytesSent < limit) {
          bytesSent += chunk.length;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

describe('secrets', () => {
  it('never appear in the log, the journal, the dashboard or an error', async () => {
    const log = new PassThrough();
    let logged = '';
    log.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
    const app = await testServer(
      { logLevel: 'trace', adminToken: ADMIN_TOKEN, keys: [{ secretId: SECRET_ID, secretKey: SECRET_KEY, appId: APPID }, TEMP_KEY, FOREIGN_KEY] },
      { logStream: log },
    );
    const answers: string[] = [];
    const keep = (response: LightMyRequestResponse): void => {
      answers.push(JSON.stringify(response.headers), response.body);
    };
    try {
      const temp = { secretId: TEMP_KEY.secretId, secretKey: TEMP_KEY.secretKey };
      keep(await call(app, { method: 'POST', path: '/template', body: ocrBody('secret-ok') }));
      keep(await call(app, { method: 'GET', path: '/template', secretKey: 'WRONG' }));
      keep(await call(app, { method: 'GET', path: '/template', ...temp, headers: { 'x-cos-security-token': TEMP_KEY.token } }));
      keep(await call(app, { method: 'GET', path: '/template', ...temp, headers: { 'x-ci-security-token': 'WRONGTOKEN' } }));
      keep(await call(app, { method: 'GET', path: '/template', ...temp }));
      // The token signed as a header and as a parameter, with a wrong key: the mismatch answer
      // and the journal both show the server's HttpString.
      const start = Math.floor(Date.now() / 1000) - 1;
      const tokenHeaders = { host: 'localhost:80', 'x-cos-security-token': TEMP_KEY.token };
      const signedTokenHeader = signRequest({
        method: 'GET',
        path: '/template',
        headers: tokenHeaders,
        secretId: TEMP_KEY.secretId,
        secretKey: 'WRONG',
        start,
      });
      const mismatch = await app.inject({ method: 'GET', url: '/template', headers: { ...tokenHeaders, authorization: signedTokenHeader } });
      keep(mismatch);
      // A path with an encoded newline decodes to an HttpString with an extra line.
      const newlinePath = '/template/t1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n';
      const signedNewline = signRequest({ method: 'DELETE', path: newlinePath, headers: tokenHeaders, secretId: TEMP_KEY.secretId, secretKey: 'WRONG', start });
      keep(
        await app.inject({
          method: 'DELETE',
          url: '/template/t1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%0A',
          headers: { ...tokenHeaders, authorization: signedNewline },
        }),
      );
      const signedToken = signRequest({
        method: 'GET',
        path: '/template',
        query: { 'x-cos-security-token': TEMP_KEY.token },
        headers: { host: 'localhost:80' },
        secretId: TEMP_KEY.secretId,
        secretKey: 'WRONG',
        start,
      });
      keep(
        await app.inject({
          method: 'GET',
          url: `/template?x-cos-security-token=${TEMP_KEY.token}`,
          headers: { host: 'localhost:80', authorization: signedToken },
        }),
      );
      // The q-* query form with the token beside it.
      const queryForm = signRequest({
        method: 'GET',
        path: '/template',
        headers: { host: 'localhost:80' },
        secretId: TEMP_KEY.secretId,
        secretKey: TEMP_KEY.secretKey,
        start,
      });
      const queryString = queryForm
        .split('&')
        .map((part) => {
          const [name, value] = part.split(/=(.*)/s);
          return `${name}=${encodeURIComponent(value ?? '')}`;
        })
        .join('&');
      keep(await app.inject({ method: 'GET', url: `/template?${queryString}&x-cos-security-token=${TEMP_KEY.token}`, headers: { host: 'localhost:80' } }));
      keep(await call(app, { method: 'GET', path: '/template', host: FOREIGN_HOST }));
      keep(await app.inject({ method: 'GET', url: '/template', headers: { host: 'localhost:80', authorization: `Bearer ${ADMIN_TOKEN}` } }));
      // (Not kept: the answer to ?token= sets the cookie that carries the token, by design.)
      await app.inject({ method: 'GET', url: `/_emulator/requests?token=${ADMIN_TOKEN}` });
      keep(await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } }));
      // The admin door's refusals: the token rides in the cookie, and must not come back.
      keep(
        await app.inject({
          method: 'POST',
          url: '/_emulator/reset',
          headers: { origin: 'http://localhost:5173', 'sec-fetch-site': 'same-site', cookie: `cie_admin_token=${ADMIN_TOKEN}` },
        }),
      );
      keep(await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { host: 'evil.example', authorization: `Bearer ${ADMIN_TOKEN}` } }));

      const journal = await app.inject({ method: 'GET', url: '/_emulator/requests', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const dashboard = await app.inject({ method: 'GET', url: '/_emulator/', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(journal.statusCode).toBe(200);
      expect(dashboard.statusCode).toBe(200);
      const entries = (JSON.parse(journal.body) as { requests: { auth: { verdict: string; httpString?: string } }[] }).requests;
      expect(entries.length).toBeGreaterThanOrEqual(10);
      // The checks had something to look at: the journal holds a mismatch with its HttpString.
      expect(entries.some((entry) => entry.auth.verdict === 'SignatureDoesNotMatch' && (entry.auth.httpString ?? '').includes('x-cos-security-token'))).toBe(
        true,
      );
      expect(logged).toContain('"msg":"request"');

      for (const secret of SECRETS) {
        expect(logged, `the log holds ${secret}`).not.toContain(secret);
        expect(journal.body, `the journal holds ${secret}`).not.toContain(secret);
        expect(dashboard.body, `the dashboard holds ${secret}`).not.toContain(secret);
      }
      for (const secret of SECRETS) {
        for (const answer of answers) expect(answer, `an answer holds ${secret}`).not.toContain(secret);
      }
      // The mismatch answer still lets a client compare its strings: everything but the token is there.
      const formatString = (xml(mismatch.body) as { Error?: { FormatString?: string } }).Error?.FormatString ?? '';
      expect(errorOf(mismatch).code).toBe('SignatureDoesNotMatch');
      expect(formatString).toBe('get\n/template\n\nhost=localhost%3A80&x-cos-security-token=[redacted]\n');
    } finally {
      await app.close();
    }
  });
});
