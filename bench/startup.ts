/**
 * Start-up time: from spawning a server to its first 200 from /_emulator/health, as a CI job or
 * compose healthcheck sees it, for three servers taking turns:
 *
 *   - bare Fastify (bench/ceiling-server.js), the yardstick: what Node and Fastify alone cost;
 *   - the emulator's CLI on a new database file with the shipped seeds;
 *   - the emulator's CLI on a database file holding 100,000 templates (`--stored`), the seeds too.
 *
 * Each run asks for health every 2 ms on a new connection, then stops the server with SIGTERM.
 * Besides the wall time, the server's CPU time up to that answer is read from the kernel (every
 * thread, /proc/<pid>/task/*\/schedstat): on a shared machine the wall time moves with the
 * neighbours' load, the CPU time much less. The ratio to bare Fastify is taken in each round
 * (three starts within a second or two of each other) and the median round is reported.
 *
 *   npm run build && npm run bench:startup [-- --runs 10 --stored 100000]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, processCpuNs } from './hostile.js';
import { cliArgs } from './cli.js';
import { freePort } from './net.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(ROOT, 'dist', 'main.js');
const BARE = join(ROOT, 'bench', 'ceiling-server.js');
const SEEDS = join(ROOT, 'fixtures', 'seed');
const POLL_MS = 2;
const GIVE_UP_MS = 30_000;

export interface StartupOptions {
  readonly runs: number;
  /** Templates in the stored case's database. */
  readonly stored: number;
  readonly log?: (line: string) => void;
}

export interface StartupCase {
  readonly name: string;
  readonly wallMs: readonly number[];
  readonly cpuMs: readonly number[];
  /** Wall time over bare Fastify's in the same round; empty for bare Fastify itself. */
  readonly ratios: readonly number[];
}

/** One health request, on a new connection each time (a refused connection is the common answer). */
function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/_emulator/health', agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
  });
}

/** Spawns `args`, waits for health, stops it: the wall and CPU milliseconds to the first 200. */
async function oneRun(args: (port: number) => string[], env: Record<string, string> = {}): Promise<{ wallMs: number; cpuMs: number }> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, args(port), { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    while (performance.now() - startedAt < GIVE_UP_MS) {
      if ((await healthStatus(port)) === 200) {
        const wallMs = performance.now() - startedAt;
        return { wallMs, cpuMs: processCpuNs(child.pid ?? 0) / 1e6 };
      }
      if (child.exitCode !== null) throw new Error(`${args(port).join(' ')} exited with ${child.exitCode} before it was healthy`);
      await sleep(POLL_MS);
    }
    throw new Error(`not healthy after ${GIVE_UP_MS} ms`);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
}

/** Fills a database file with `count` templates, in a process of its own (its heap is not ours). */
async function populateFile(file: string, count: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--populate', file, '--stored', String(count)], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`populating ${file} failed (${code})`);
}

export async function runStartup(options: StartupOptions): Promise<StartupCase[]> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'cie-bench-startup-'));
  try {
    const storedDb = join(dir, 'stored.db');
    options.log?.(`populating ${options.stored} templates`);
    await populateFile(storedDb, options.stored);
    let fresh = 0;
    const emulator = (db: () => string) => (port: number) => [...cliArgs(MAIN), '--port', String(port), '--db', db(), '--seed', SEEDS, '--log-level', 'warn'];
    const cases = [
      { name: 'bare Fastify (bench/ceiling-server.js)', args: () => [BARE] },
      { name: 'emulator, new database file, fixtures/seed', args: emulator(() => join(dir, `new-${fresh++}.db`)) },
      { name: `emulator, database of ${options.stored.toLocaleString('en')} templates, fixtures/seed`, args: emulator(() => storedDb) },
    ];
    const wall = cases.map((): number[] => []);
    const cpu = cases.map((): number[] => []);
    const ratios = cases.map((): number[] => []);
    // One start of each first, not counted: it warms the OS file cache, as a CI job's earlier steps do.
    for (const entry of cases) await oneRun(entry.args);
    for (let round = 0; round < options.runs; round++) {
      options.log?.(`round ${round + 1} of ${options.runs}`);
      const inRound: number[] = [];
      // The order turns each round, so no case always follows the same one.
      for (let turn = 0; turn < cases.length; turn++) {
        const index = (round + turn) % cases.length;
        const measured = await oneRun(cases[index]!.args);
        wall[index]!.push(measured.wallMs);
        cpu[index]!.push(measured.cpuMs);
        inRound[index] = measured.wallMs;
      }
      for (let index = 1; index < cases.length; index++) ratios[index]!.push(inRound[index]! / inRound[0]!);
    }
    return cases.map((entry, index) => ({ name: entry.name, wallMs: wall[index]!, cpuMs: cpu[index]!, ratios: ratios[index]! }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatStartup(cases: readonly StartupCase[], options: StartupOptions): string {
  const ms = (value: number): string => value.toFixed(0);
  const bare = cases[0]!;
  return [
    `start-up (spawn → /_emulator/health 200): ${options.runs} rounds, the three servers taking turns; ratio = the round's wall time over bare Fastify's, median round`,
    '',
    '| server | wall ms, median | min | max | CPU ms to health, median | ratio to bare Fastify (wall) | ratio (CPU) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...cases.map(
      (entry) =>
        `| ${entry.name} | ${ms(median(entry.wallMs))} | ${ms(Math.min(...entry.wallMs))} | ${ms(Math.max(...entry.wallMs))} | ${ms(median(entry.cpuMs))} | ${
          entry === bare ? '1' : median(entry.ratios).toFixed(2)
        } | ${(median(entry.cpuMs) / median(bare.cpuMs)).toFixed(2)} |`,
    ),
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '10' }, stored: { type: 'string', default: '100000' }, populate: { type: 'string' } },
  });
  const stored = Number(values.stored);
  if (values.populate !== undefined) {
    const { populate } = await import('./bench.js');
    populate(values.populate, stored);
  } else {
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
    const options: StartupOptions = { runs, stored, log: (line) => process.stderr.write(`bench:startup: ${line}\n`) };
    const load = (): string =>
      loadavg()
        .map((value) => value.toFixed(2))
        .join(' ');
    console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}, load average ${load()}`);
    const cases = await runStartup(options);
    console.log(formatStartup(cases, options));
    console.log(`\nload average at the end: ${load()}`);
  }
}
