import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/api/resources.js';
import { openDatabase, ownerFile } from '../../src/db.js';
import { nowSeconds, signedHeaders } from '../helpers.js';
import { killAll, runCli, startCli } from './cli.js';
import { freePort } from '../../bench/net.js';

/** Start-up of the real CLI: seeds before health, a bad seed file, the database's schema version, one process per file. */

const SCHEMA_VERSION = MIGRATIONS.length;

const dir = mkdtempSync(join(tmpdir(), 'cie-startup-'));
afterEach(() => killAll());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

async function describeTotal(url: string, port: number): Promise<string> {
  const headers = signedHeaders({ method: 'GET', path: '/template', host: `127.0.0.1:${port}`, signedAt: nowSeconds() - 1 });
  const body = await (await fetch(`${url}/template`, { headers })).text();
  return /<TotalCount>(\d+)<\/TotalCount>/.exec(body)?.[1] ?? body;
}

describe('CIE_SEED', () => {
  it('is loaded before health first answers 200: the first ready emulator already has every seed', async () => {
    const seeds = join(dir, 'many-seeds');
    mkdirSync(seeds);
    for (let index = 0; index < 60; index++) {
      writeFileSync(
        join(seeds, `seed-${String(index).padStart(2, '0')}.xml`),
        `<Request><Tag>ImageOCR</Tag><Name>seed-${index}</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>`,
      );
    }
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const pending = startCli(['--port', String(port), '--db', join(dir, 'seeded.db'), '--seed', seeds, '--log-level', 'warn']);
    pending.catch(() => undefined);
    // As a healthcheck does: ask until the answer is 200 (a refused connection has no event to wait for).
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = await fetch(`${url}/_emulator/health`).then(
        (response) => response.status,
        () => 0,
      );
      if (status !== 200) await sleep(5);
    }
    expect(status).toBe(200);
    expect(await describeTotal(url, port)).toBe('60');
    await pending;
  });

  it('with a bad file stops start-up with exit code 1, naming the file and the reason', async () => {
    const seeds = join(dir, 'bad-seeds');
    mkdirSync(seeds);
    writeFileSync(join(seeds, 'a-good.xml'), '<Request><Tag>ImageOCR</Tag><Name>good</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>');
    writeFileSync(join(seeds, 'b-bad.xml'), '<Request><Tag>ImageOCR</Tag><Name>bad</Name><ImageOCR><Type>blurry</Type></ImageOCR></Request>');
    const exit = await runCli(['--port', '0', '--db', ':memory:'], { env: { CIE_SEED: seeds } });
    expect(exit.code).toBe(1);
    expect(exit.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(exit.stderr).toMatch(new RegExp(`^cloud-infinite-emulator: CIE_SEED: seed file ${join(seeds, 'b-bad.xml')}: InvalidArgument: .*blurry`));
  });

  it('loads the shipped fixtures/seed', async () => {
    const cli = await startCli(['--port', '0', '--db', ':memory:', '--seed', 'fixtures/seed', '--log-level', 'warn']);
    expect(await describeTotal(cli.url, cli.port)).toBe('2');
    expect(await cli.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('the schema version of CIE_DB', () => {
  it('migrates an older file and keeps its templates', async () => {
    const file = join(dir, 'old.db');
    const old = openDatabase(file, MIGRATIONS, 1);
    old
      .prepare(
        "INSERT INTO templates (id, bucket, tag, name, data, created_at, updated_at) VALUES ('t1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'examplebucket-1250000000', 'ImageOCR', 'from-v1', ?, 1, 1)",
      )
      .run(JSON.stringify({ ImageOCR: { Type: 'general' } }));
    old.close();

    const cli = await startCli(['--port', '0', '--db', file, '--log-level', 'warn']);
    expect(await describeTotal(cli.url, cli.port)).toBe('1');
    expect(await cli.stop()).toEqual({ code: 0, signal: null });
    const migrated = new Database(file, { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    migrated.close();
  });

  it('refuses a file from a newer release with exit code 1 and a clear message, leaving it byte for byte as it was', async () => {
    const file = join(dir, 'future.db');
    const future = new Database(file);
    future.exec("CREATE TABLE templates_v9 (id TEXT); INSERT INTO templates_v9 VALUES ('x')");
    future.pragma(`user_version = ${SCHEMA_VERSION + 7}`);
    future.close();
    const before = sha256(file);

    const exit = await runCli(['--port', '0', '--db', file]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(
      `cloud-infinite-emulator: ${file} has schema version ${SCHEMA_VERSION + 7}, written by a newer cloud-infinite-emulator; ` +
        `this one knows versions up to ${SCHEMA_VERSION}. Upgrade the emulator or point CIE_DB at another file.\n`,
    );
    expect(sha256(file)).toBe(before);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('refuses an SQLite file that the emulator did not write, leaving it as it was', async () => {
    const file = join(dir, 'someone-else.db');
    const other = new Database(file);
    other.exec('CREATE TABLE invoices (id INTEGER)');
    other.close();
    const before = sha256(file);

    const exit = await runCli(['--port', '0', '--db', file]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^cloud-infinite-emulator: .*someone-else\.db is an SQLite database that the emulator did not write/);
    expect(sha256(file)).toBe(before);
  });

  it('refuses a file that is not SQLite at all, naming CIE_DB', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'these are not the bytes of a database, but they are long enough to look like a header to SQLite.\n'.repeat(10));
    const before = sha256(file);
    const exit = await runCli(['--port', '0', '--db', file]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^cloud-infinite-emulator: CIE_DB: cannot open .*notes\.txt \(SQLITE_NOTADB: /);
    expect(sha256(file)).toBe(before);
  });
});

describe('one database file, one process', () => {
  it('refuses a second emulator on a file the first one holds, naming the file, the pid and what to do', async () => {
    const file = join(dir, 'shared.db');
    const first = await startCli(['--port', '0', '--db', file, '--log-level', 'warn']);
    const second = await runCli(['--port', '0', '--db', file]);
    expect(second.code).toBe(1);
    expect(second.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(second.stderr).toBe(
      `cloud-infinite-emulator: CIE_DB: ${file} is in use by another emulator (pid ${first.child.pid}, ${first.url}). ` +
        `Point CIE_DB at another file, use :memory:, or share ${first.url} instead of starting a second emulator.\n`,
    );
    // The first one is untouched and still serves.
    expect(await describeTotal(first.url, first.port)).toBe('0');
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(ownerFile(file))).toBe(false);
  });

  it('leaves no stale lock after kill -9: the next emulator starts on the file', async () => {
    const file = join(dir, 'killed.db');
    const first = await startCli(['--port', '0', '--db', file, '--log-level', 'warn']);
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // The dead one's note is still there; the lock is not.
    expect(existsSync(ownerFile(file))).toBe(true);
    const next = await startCli(['--port', '0', '--db', file, '--log-level', 'warn']);
    expect(await describeTotal(next.url, next.port)).toBe('0');
    expect(await next.stop()).toEqual({ code: 0, signal: null });
  });

  it('lets every emulator run on :memory:', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => startCli(['--port', '0', '--db', ':memory:', '--log-level', 'warn'])));
    expect(await describeTotal(a!.url, a!.port)).toBe('0');
    expect(await describeTotal(b!.url, b!.port)).toBe('0');
    await Promise.all([a!.stop(), b!.stop()]);
  });
});
