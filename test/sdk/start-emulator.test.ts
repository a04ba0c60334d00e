import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SeedError } from '../../src/admin/seeds.js';
import { ConfigError, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/index.js';
import { ocrBody } from '../helpers.js';
import { newCos, quietLog, sdkOk } from './sdk.js';

/** startEmulator(options), as a vitest or jest globalSetup uses it: in-process, typed, closable. */

const dir = mkdtempSync(join(tmpdir(), 'cie-start-'));
const started: RunningEmulator[] = [];
afterAll(async () => {
  await Promise.all(started.map((emulator) => emulator.close().catch(() => undefined)));
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({ port: 0, db: ':memory:', logLevel: 'silent', logStream: quietLog(), ...options });
  started.push(emulator);
  return emulator;
}

async function createVia(emulator: RunningEmulator, name: string): Promise<string> {
  const data = await sdkOk(newCos(), { Method: 'POST', Key: 'template', Url: `${emulator.url}/template`, Body: ocrBody(name), ContentType: 'application/xml' });
  return (data.Response['Template'] as Record<string, string>)['TemplateId']!;
}

describe('startEmulator', () => {
  it('resolves to { url, port, close() } once it listens, ready for the SDK', async () => {
    const emulator = await start();
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(typeof emulator.close).toBe('function');
    expect((await fetch(`${emulator.url}/_emulator/health`)).status).toBe(200);
    expect(await createVia(emulator, 'in-process')).toMatch(/^t1[0-9a-f]{32}$/);
  });

  it('close() stops listening and resolves', async () => {
    const emulator = await startEmulator({ port: 0, db: ':memory:', logLevel: 'silent' });
    await emulator.close();
    await expect(fetch(`${emulator.url}/_emulator/health`)).rejects.toThrow();
  });

  it('runs several side by side on port 0, each with its own data', async () => {
    const [first, second] = await Promise.all([start(), start()]);
    expect(first.port).not.toBe(second.port);
    await createVia(first, 'only-in-first');
    await createVia(second, 'only-in-first');
  });

  it('takes the settings of the CLI in camelCase', async () => {
    const seeds = join(dir, 'seeds');
    mkdirSync(seeds);
    writeFileSync(join(seeds, 'one.xml'), '<Request><Tag>ImageOCR</Tag><Name>seeded</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>');
    const emulator = await start({ seed: seeds, defaultBucket: 'mine-1250000000', adminToken: 'tok', auth: 'off' });
    const health = (await (await fetch(`${emulator.url}/_emulator/health`)).json()) as Record<string, string>;
    expect(health).toMatchObject({ status: 'ready', defaultBucket: 'mine-1250000000', auth: 'off' });
    expect((await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' })).status).toBe(401);
    const reset = await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST', headers: { authorization: 'Bearer tok' } });
    expect(await reset.json()).toMatchObject({ removed: 1, seeded: 1 });
    // auth: off: an unsigned request goes through.
    expect((await fetch(`${emulator.url}/template`)).status).toBe(200);
  });

  it('keeps a file database across a close and a new start', async () => {
    const db = join(dir, 'kept.db');
    const first = await startEmulator({ port: 0, db, logLevel: 'silent' });
    const id = await createVia(first, 'kept');
    await first.close();
    const second = await start({ db });
    const data = await sdkOk(newCos(), { Method: 'GET', Key: 'template', Url: `${second.url}/template`, Query: { ids: id } });
    expect(data.Response['TotalCount']).toBe('1');
  });

  it('reads no environment variable: options and defaults only', async () => {
    process.env['CIE_DEFAULT_BUCKET'] = 'fromenv-1250000000';
    try {
      const emulator = await start();
      expect(emulator.config.defaultBucket).toBe('examplebucket-1250000000');
    } finally {
      delete process.env['CIE_DEFAULT_BUCKET'];
    }
  });

  it('rejects with a ConfigError or a SeedError that says what to fix', async () => {
    await expect(startEmulator({ port: 70000, logLevel: 'silent' })).rejects.toThrow(ConfigError);
    await expect(startEmulator({ port: 0, db: ':memory:', seed: join(dir, 'missing'), logLevel: 'silent' })).rejects.toThrow(SeedError);
  });
});

describe('the built package (dist/, what `import … from "cloud-infinite-emulator"` loads)', () => {
  it('exports startEmulator with its types', async () => {
    const entry = (await import(new URL('../../dist/index.js', import.meta.url).href)) as { startEmulator: typeof startEmulator };
    const emulator = await entry.startEmulator({ port: 0, db: ':memory:', logLevel: 'silent' });
    started.push(emulator);
    expect((await fetch(`${emulator.url}/_emulator/health`)).status).toBe(200);
    const types = readFileSync(new URL('../../dist/index.d.ts', import.meta.url), 'utf8');
    expect(types).toMatch(/startEmulator/);
    expect(types).toMatch(/RunningEmulator/);
  });
});
