import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ocrBody, signedHeaders } from '../helpers.js';
import { killAll, startCli, type RunningCli } from './cli.js';

/** SIGTERM and SIGINT on the real CLI: in-flight requests finish, the database closes, exit 0 within 5 s. */

const dir = mkdtempSync(join(tmpdir(), 'cie-shutdown-'));
afterEach(() => killAll());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Kept-alive connections, as the SDKs use: the emulator must still close them to exit. */
const keepAlive = new Agent({ keepAlive: true });
afterAll(() => keepAlive.destroy());

/**
 * A create whose body is sent in two parts, the second only when the test says so. `sent`
 * resolves once the headers and the first part are handed to the kernel.
 */
function slowCreate(cli: RunningCli, name: string): { request: ClientRequest; sent: Promise<void>; finish: () => void; response: Promise<IncomingMessage> } {
  const body = ocrBody(name);
  const headers = signedHeaders({ method: 'POST', path: '/template', body, host: `127.0.0.1:${cli.port}` });
  const request = httpRequest({ host: '127.0.0.1', port: cli.port, method: 'POST', path: '/template', headers, agent: keepAlive });
  const response = once(request, 'response').then(([message]) => message as IncomingMessage);
  // A stalled request is cut at the drain deadline: that error is the expected outcome there, and
  // the tests that expect an answer await `response` and see it.
  response.catch(() => undefined);
  const sent = new Promise<void>((resolve) => request.write(body.slice(0, 25), () => resolve()));
  return { request, sent, finish: () => request.end(body.slice(25)), response };
}

async function readBody(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) text += String(chunk);
  return text;
}

/**
 * Resolves once the emulator has read what an earlier connection had already sent: the new
 * connection is accepted after the earlier one, so its answer comes from a later turn of the
 * emulator's event loop, or from the same turn after the earlier bytes were read.
 */
async function roundTrip(cli: RunningCli): Promise<void> {
  const response = await fetch(`${cli.url}/_emulator/health`);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

/** Whether a new TCP connection to the port is refused. */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

const templatesIn = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT name FROM templates ORDER BY name').pluck().all() as string[];
  } finally {
    db.close();
  }
};

describe('SIGTERM', () => {
  it('during a create whose body is streamed slowly: the request completes, the process exits 0, the data is on disk', async () => {
    const db = join(dir, 'sigterm.db');
    const cli = await startCli(['--port', '0', '--db', db]);
    const create = slowCreate(cli, 'streamed-slowly');
    await create.sent;
    await roundTrip(cli);

    const signalledAt = Date.now();
    cli.child.kill('SIGTERM');
    const shuttingDown = await cli.waitForLine((line) => line.msg.startsWith('shutting down'));
    expect(shuttingDown['accepting']).toBe(false);
    expect(await connectionRefused(cli.port)).toBe(true);

    create.finish();
    const response = await create.response;
    expect(response.statusCode).toBe(200);
    expect(await readBody(response)).toContain('<Name>streamed-slowly</Name>');
    // The kept-alive connection is closed after its answer, so the exit does not wait for it.
    expect(response.headers.connection).toBe('close');

    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(5000);
    expect(cli.lines.map((line) => line.msg)).toContain('stopped');
    expect(cli.lines.some((line) => line.msg.includes('drain deadline'))).toBe(false);
    // Closed, not abandoned: SQLite folds the WAL back into the file and removes it on close.
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(templatesIn(db)).toEqual(['streamed-slowly']);
  });

  it('with a request that never finishes: its connection is cut at the deadline and the process still exits 0 within 5 s', async () => {
    const db = join(dir, 'stalled.db');
    const cli = await startCli(['--port', '0', '--db', db]);
    const stalled = slowCreate(cli, 'never-finished');
    await stalled.sent;
    await roundTrip(cli);

    const signalledAt = Date.now();
    cli.child.kill('SIGTERM');
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(5000);
    expect(cli.lines.some((line) => line.msg.includes('drain deadline'))).toBe(true);
    expect(stalled.request.destroyed || stalled.request.socket?.destroyed).toBe(true);
    expect(templatesIn(db)).toEqual([]);
  });
});

describe('SIGINT (Ctrl-C)', () => {
  it('when idle, with a kept-alive connection open: exits 0 at once', async () => {
    const db = join(dir, 'sigint.db');
    const cli = await startCli(['--port', '0', '--db', db]);
    const create = slowCreate(cli, 'finished-before');
    create.finish();
    const response = await create.response;
    await readBody(response);
    expect(response.headers.connection).toBe('keep-alive');

    const signalledAt = Date.now();
    cli.child.kill('SIGINT');
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(2000);
    expect(templatesIn(db)).toEqual(['finished-before']);
  });

  it('a second time: cuts the connections still open instead of waiting, and still exits 0', async () => {
    const cli = await startCli(['--port', '0', '--db', join(dir, 'twice.db')]);
    await slowCreate(cli, 'cut-short').sent;
    await roundTrip(cli);

    const signalledAt = Date.now();
    cli.child.kill('SIGINT');
    await cli.waitForLine((line) => line.msg.startsWith('shutting down'));
    cli.child.kill('SIGINT');
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(2000);
    expect(cli.lines.some((line) => line.msg.startsWith('second signal'))).toBe(true);
  });
});
