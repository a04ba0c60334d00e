/**
 * Start-up time: from spawning the CLI to the first 200 from /_emulator/health, as a CI job or
 * compose healthcheck sees it. Each run starts `node dist/main.js` on a fresh database file with
 * the shipped seeds, asks for health every few milliseconds, then stops it with SIGTERM.
 *
 *   npm run build && node --import tsx bench/startup.ts [--runs 10]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from './net.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(ROOT, 'dist', 'main.js');
const SEEDS = join(ROOT, 'fixtures', 'seed');
const POLL_MS = 2;
const GIVE_UP_MS = 30_000;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);

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

async function oneRun(dir: string, index: number): Promise<number> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, [MAIN, '--port', String(port), '--db', join(dir, `run-${index}.db`), '--seed', SEEDS, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    while (performance.now() - startedAt < GIVE_UP_MS) {
      if ((await healthStatus(port)) === 200) return performance.now() - startedAt;
      if (child.exitCode !== null) throw new Error(`the emulator exited with ${child.exitCode} before it was healthy`);
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

const dir = mkdtempSync(join(tmpdir(), 'cie-bench-startup-'));
try {
  // One run first that is not counted: it warms the OS file cache, as a CI job's earlier steps do.
  await oneRun(dir, 0);
  const times: number[] = [];
  for (let index = 1; index <= runs; index++) times.push(await oneRun(dir, index));
  const sorted = [...times].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const ms = (value: number): string => `${value.toFixed(0)} ms`;
  console.log(`cloud-infinite-emulator start-up (spawn → /_emulator/health 200), node ${process.version}, ${runs} runs, new file database, fixtures/seed`);
  console.log(`  runs:   ${times.map(ms).join(', ')}`);
  console.log(`  median: ${ms(median)}   min: ${ms(sorted[0]!)}   max: ${ms(sorted.at(-1)!)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
