/**
 * Server CPU per request of two or more builds of the emulator, side by side: how a change worth
 * a few microseconds is measured on a shared machine, where whole-bench req/s moves ±15 %.
 *
 *   npm run bench:ab -- [--requests 8000] [--rounds 15] [--cases ocr,transcode,describe,update] <variant>...
 *
 * A variant is a git revision (`HEAD`, `main`, `9b132ae`) or `.` (the working tree as it is),
 * optionally with a patch applied on top (`git apply`): `HEAD+/tmp/without-the-memo.patch`. Each is built
 * into a temporary folder (src, package.json and the tsconfigs; node_modules is linked) and run
 * as the real CLI, `node dist/main.js`, with its default `info` logging, like `npm run bench`.
 *
 * Each round, every variant after the first runs beside the first: two new servers (new
 * processes: one process's JIT can settle 10-20 % away from another's, so each round samples a
 * new pair), each loaded by its own autocannon at the same time (50 connections, the bench's
 * requests), a warm-up batch and then a measured batch of a fixed number of requests. The
 * server's CPU time (every thread, /proc/<pid>/task/*\/schedstat) is read before and after the
 * measured batch. Both servers of a pair share the machine's state of that moment, so their
 * difference is far steadier than either figure on a machine whose speed moves with its
 * neighbours' load; the report gives the median difference over the rounds, and its quartiles.
 * Name the first variant twice to see the noise floor (an A/A pair).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createCase, describeCase, OCR_BODY, populate, updateCase, type Request } from './bench.js';
import { BENCH_EXTRA_CREATES } from './bodies.js';
import { median, processCpuNs } from './hostile.js';
import { cliArgs } from './cli.js';
import { freePort } from './net.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STORED = 10_000;

export interface AbOptions {
  readonly requests: number;
  readonly rounds: number;
  readonly connections: number;
  readonly cases: readonly CaseName[];
  readonly log?: (line: string) => void;
  /** Called with each case's report as soon as it is measured. */
  readonly onCase?: (report: CaseReport) => void;
}

export type CaseName = 'ocr' | 'transcode' | 'describe' | 'update';
const CASE_NAMES: readonly CaseName[] = ['ocr', 'transcode', 'describe', 'update'];
const CASE_TITLES: Record<CaseName, string> = {
  ocr: 'signed create, ImageOCR',
  transcode: 'signed create, Transcode (doc example)',
  describe: `signed describe, 10 of ${STORED.toLocaleString('en')}`,
  update: `signed update, ${STORED.toLocaleString('en')} stored`,
};

export interface VariantResult {
  readonly variant: string;
  /** µs of server CPU per request, one per batch. */
  readonly perBatch: readonly number[];
  /** This variant's µs per request minus the first variant's in the batch beside it, one per round (none for the first). */
  readonly deltas: readonly number[];
  readonly non2xx: number;
}

export interface CaseReport {
  readonly name: CaseName;
  readonly variants: readonly VariantResult[];
}

const BUILD_PARTS = ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
const BUNDLER = 'scripts/bundle-cli.mjs';

/** Builds a variant into a folder of its own; answers the path of its main.js. */
export function buildVariant(variant: string, into: string): string {
  const [revision = '.', patch] = variant.split('+');
  mkdirSync(into, { recursive: true });
  if (revision === '.') {
    for (const part of [...BUILD_PARTS, BUNDLER]) cpSync(join(ROOT, part), join(into, part), { recursive: true });
  } else {
    // Revisions from before the CLI was bundled have no bundler to archive.
    const hasBundler = execFileSync('git', ['ls-tree', '--name-only', revision, BUNDLER], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    const archive = execFileSync('git', ['archive', '--format=tar', revision, ...BUILD_PARTS, ...(hasBundler ? [BUNDLER] : [])], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    execFileSync('tar', ['-x', '-C', into], { input: archive });
  }
  if (patch !== undefined) execFileSync('git', ['apply', isAbsolute(patch) ? patch : join(ROOT, patch)], { cwd: into });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(into, 'node_modules'));
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(into, 'tsconfig.build.json'),
      '--declaration',
      'false',
      '--sourceMap',
      'false',
      '--noUnusedLocals',
      'false',
      '--noUnusedParameters',
      'false',
    ],
    { stdio: 'inherit' },
  );
  // Built as npm run build builds it: the CLI bundled into one file, where the revision does that.
  if (existsSync(join(into, BUNDLER))) execFileSync(process.execPath, [BUNDLER], { cwd: into, stdio: 'inherit' });
  return join(into, 'dist', 'main.js');
}

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  readonly db: string;
}

async function startServer(main: string, db: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, cliArgs(main), { env: { ...process.env, CIE_DB: db, CIE_PORT: String(port), CIE_LOG_LEVEL: 'info' }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${main} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/_emulator/health`)).status === 200) return { url, child, db };
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 10));
  }
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((done) => server.child.once('exit', done));
  server.child.kill('SIGTERM');
  await exited;
}

/** One batch of `amount` requests; answers the server's CPU nanoseconds and the non-2xx count. */
async function batch(server: Server, amount: number, connections: number, next: () => Request): Promise<{ ns: number; non2xx: number }> {
  const pid = server.child.pid ?? 0;
  const before = processCpuNs(pid);
  const result = await autocannon({
    url: server.url,
    connections,
    amount,
    requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, ...next() }) }],
  } as autocannon.Options);
  return { ns: processCpuNs(pid) - before, non2xx: result.non2xx + result.errors + result.timeouts };
}

function requestsOf(name: CaseName, variantIndex: number): () => Request {
  switch (name) {
    case 'ocr':
      return createCase(`ab${variantIndex}o`, OCR_BODY);
    case 'transcode':
      return createCase(`ab${variantIndex}t`, BENCH_EXTRA_CREATES[0]!.body);
    case 'describe':
      return describeCase();
    case 'update':
      return updateCase(STORED);
  }
}

export async function runAb(variants: readonly string[], options: AbOptions): Promise<CaseReport[]> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cie-bench-ab-'));
  const running = new Set<Server>();
  try {
    const mains = variants.map((variant, index) => {
      log(`building ${variant}`);
      return buildVariant(variant, join(dir, `variant-${index}`));
    });
    const stored = join(dir, 'stored.db');
    if (options.cases.some((name) => name === 'describe' || name === 'update')) {
      log(`populating ${STORED} templates`);
      populate(stored, STORED);
    }
    let serial = 0;
    const start = async (main: string, name: CaseName): Promise<Server> => {
      const db = join(dir, `server-${serial++}.db`);
      if (name === 'describe' || name === 'update') copyFileSync(stored, db);
      const server = await startServer(main, db);
      running.add(server);
      return server;
    };
    const stop = async (server: Server): Promise<void> => {
      await stopServer(server);
      running.delete(server);
      for (const suffix of ['', '-wal', '-shm', '.owner']) rmSync(`${server.db}${suffix}`, { force: true });
    };
    const reports: CaseReport[] = [];
    for (const name of options.cases) {
      log(`${CASE_TITLES[name]}: ${options.rounds} rounds`);
      const perBatch = mains.map((): number[] => []);
      const deltas = mains.map((): number[] => []);
      const non2xx = mains.map(() => 0);
      /** New servers of these variants, a warm-up batch, then one measured batch, all side by side. */
      const measure = async (indexes: readonly number[]): Promise<number[]> => {
        const servers = await Promise.all(indexes.map((index) => start(mains[index]!, name)));
        try {
          const next = indexes.map((index) => requestsOf(name, index));
          await Promise.all(servers.map((server, side) => batch(server, options.requests, options.connections, next[side]!)));
          const measured = await Promise.all(servers.map((server, side) => batch(server, options.requests, options.connections, next[side]!)));
          return measured.map(({ ns, non2xx: refused }, side) => {
            const index = indexes[side]!;
            non2xx[index]! += refused;
            perBatch[index]!.push(ns / options.requests / 1000);
            return ns / options.requests / 1000;
          });
        } finally {
          await Promise.all(servers.map(stop));
        }
      };
      for (let round = 0; round < options.rounds; round++) {
        if (round > 0) log(`  round ${round + 1} of ${options.rounds}`);
        if (mains.length === 1) await measure([0]);
        // Each variant beside a new server of the first, the pairs in a turning order.
        for (let turn = 1; turn < mains.length; turn++) {
          const index = 1 + ((round + turn - 1) % (mains.length - 1));
          // Which one is started and loaded first swaps each round.
          const [first, other] = round % 2 === 0 ? await measure([0, index]) : (await measure([index, 0])).reverse();
          deltas[index]!.push(other! - first!);
        }
      }
      const report: CaseReport = {
        name,
        variants: variants.map((variant, index) => ({ variant, perBatch: perBatch[index]!, deltas: deltas[index]!, non2xx: non2xx[index]! })),
      };
      reports.push(report);
      options.onCase?.(report);
    }
    return reports;
  } finally {
    await Promise.all([...running].map(stopServer));
    rmSync(dir, { recursive: true, force: true });
  }
}

export const abHeading = (options: AbOptions): string =>
  `server CPU per request: ${options.rounds} rounds; in each, every variant beside the first, both on new servers, loaded at once (a warm-up batch, then a measured batch of ${options.requests} requests, ${options.connections} connections each)`;

const quartiles = (values: readonly number[]): [number, number] => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
  return [at(0.25), at(0.75)];
};
const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;

export function formatCase(report: CaseReport): string {
  const lines = [
    `${CASE_TITLES[report.name]}`,
    '',
    '| variant | µs/request (median batch) | Δ vs first, µs (median pair) | Δ quartiles | non-2xx |',
    '| --- | ---: | ---: | --- | ---: |',
  ];
  for (const [index, variant] of report.variants.entries()) {
    const [low, high] = index === 0 ? [0, 0] : quartiles(variant.deltas);
    lines.push(
      `| ${variant.variant} | ${median(variant.perBatch).toFixed(1)} | ${index === 0 ? '' : signed(median(variant.deltas))} | ${index === 0 ? '' : `${signed(low)} … ${signed(high)}`} | ${variant.non2xx} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      requests: { type: 'string', default: '8000' },
      rounds: { type: 'string', default: '15' },
      connections: { type: 'string', default: '50' },
      cases: { type: 'string', default: CASE_NAMES.join(',') },
    },
  });
  const cases = values.cases.split(',').map((name) => name.trim());
  const unknown = cases.filter((name) => !(CASE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(', ')}; the cases are ${CASE_NAMES.join(', ')}`);
  if (positionals.length < 1) throw new Error('name at least one variant: a git revision, or . for the working tree');
  const options: AbOptions = {
    requests: Number(values.requests),
    rounds: Number(values.rounds),
    connections: Number(values.connections),
    cases: cases as CaseName[],
    log: (line) => process.stderr.write(`bench:ab: ${line}\n`),
  };
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  process.stdout.write(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}, load average ${load()}\n`);
  process.stdout.write(`${abHeading(options)}\n`);
  await runAb(positionals, { ...options, onCase: (report) => process.stdout.write(`\n${formatCase(report)}\n\nload average: ${load()}\n`) });
}
