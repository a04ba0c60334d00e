import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Storage } from '../src/storage.js';
import { signRequest } from '../src/signature.js';
import type { SeedRecord } from '../src/templates/store.js';
import { formatHostileReport, runHostileBench, type HostileOptions, type HostileResult } from './hostile.js';
export { formatHostileReport } from './hostile.js';
import { cliArgs } from './cli.js';
import { freePort } from './net.js';

/**
 * The benchmark: the emulator's CLI and a bare-Fastify ceiling, each in its own process, driven
 * by autocannon from this one. Every case is reported as a ratio to the ceiling measured in the
 * same run, because absolute numbers on a shared machine mean little.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET_ID = 'AKIDEXAMPLE';
const SECRET_KEY = 'SECRETKEYEXAMPLE';
const HOST = 'examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com';
const BUCKET = 'examplebucket-1250000000';

export interface BenchOptions {
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Templates stored for the two describe cases. */
  readonly smallStore: number;
  readonly largeStore: number;
  /** The hostile-bodies case (bench/hostile.ts); left out when undefined. */
  readonly hostile?: HostileOptions;
  readonly log?: (line: string) => void;
}

export interface CaseResult {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly total: number;
  ratio?: number;
  ceilingRequestsPerSecond?: number;
}

export interface BenchReport {
  readonly cases: CaseResult[];
  readonly hostile: HostileResult[] | undefined;
  readonly startupMs: number;
  readonly rssAfterMb: number;
  readonly options: BenchOptions;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  connections: 50,
  warmupSeconds: 2,
  durationSeconds: 8,
  smallStore: 10_000,
  largeStore: 100_000,
};

export const OCR_BODY = (name: string): string =>
  `<Request><Tag>ImageOCR</Tag><Name>${name}</Name><ImageOCR><Type>general</Type><LanguageType>zh</LanguageType><IsPdf>true</IsPdf><PdfPageNumber>2</PdfPageNumber><IsWord>true</IsWord></ImageOCR></Request>`;

// Names of one width give bodies of one length, so one signature (which covers content-length,
// not the body) serves every request of a case, as a real SDK's 15-minute signature would.
const fixedName = (prefix: string, n: number): string => `${prefix}${String(n).padStart(9, '0')}`;

function sign(method: string, path: string, headers: Record<string, string>, query: Record<string, string> = {}): string {
  return signRequest({ method, path, headers, query, secretId: SECRET_ID, secretKey: SECRET_KEY, start: Math.floor(Date.now() / 1000) - 1, expires: 3600 });
}

/** Signed like the Node SDK (host, content-type, content-length); autocannon sends the length itself. */
function bodyHeaders(method: string, path: string, body: string): Record<string, string> {
  const signed = { host: HOST, 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) };
  return { host: HOST, 'content-type': 'application/xml', authorization: sign(method, path, signed) };
}

interface Server {
  readonly url: string;
  readonly process: ChildProcess;
  readonly startupMs: number;
}

async function waitForHealth(url: string, child: ChildProcess, started: number): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/_emulator/health`);
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function startProcess(args: readonly string[], env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port), CIE_PORT: String(port) }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const startupMs = await waitForHealth(url, child, started);
  return { url, process: child, startupMs };
}

async function stop(server: Server): Promise<void> {
  if (server.process.exitCode !== null || server.process.signalCode !== null) return;
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await exited;
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

export function populate(dbFile: string, count: number): void {
  const storage = Storage.open(dbFile);
  const store = storage.templates;
  const records: SeedRecord[] = [];
  const data = { ImageOCR: { Type: 'general', LanguageType: 'zh', IsPdf: 'true', PdfPageNumber: '2', IsWord: 'true', EnableWordPolygon: 'false' } };
  for (let i = 0; i < count; i++) {
    records.push({ bucket: BUCKET, id: `t1${i.toString(16).padStart(32, '0')}`, content: { tag: 'ImageOCR', name: fixedName('stored', i), data } });
  }
  store.upsertSeeds(records, Math.floor(Date.now() / 1000));
  storage.close();
}

export type Request = { method: string; path: string; headers: Record<string, string>; body?: string };

async function load(name: string, url: string, options: BenchOptions, next: () => Request): Promise<CaseResult> {
  const run = (seconds: number) =>
    autocannon({
      url,
      connections: options.connections,
      duration: seconds,
      requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, ...next() }) }],
    });
  if (options.warmupSeconds > 0) await run(options.warmupSeconds);
  const result = await run(options.durationSeconds);
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

export function createCase(prefix: string, makeBody: (name: string) => string): () => Request {
  let n = 0;
  const headers = bodyHeaders('POST', '/template', makeBody(fixedName(prefix, 0)));
  return () => ({ method: 'POST', path: '/template', headers, body: makeBody(fixedName(prefix, n++)) });
}

export function describeCase(): () => Request {
  const query = { pageNumber: '1', pageSize: '10' };
  const headers = { host: HOST, authorization: sign('GET', '/template', { host: HOST }, query) };
  const request = { method: 'GET', path: '/template?pageNumber=1&pageSize=10', headers };
  return () => request;
}

/** Updates go round-robin over stored templates, each keeping its own name. */
export function updateCase(count: number): () => Request {
  const requests: Request[] = [];
  for (let i = 0; i < Math.min(count, 1000); i++) {
    const path = `/template/t1${i.toString(16).padStart(32, '0')}`;
    const body = OCR_BODY(fixedName('stored', i)).replace('<Type>general</Type>', '<Type>fast</Type>');
    requests.push({ method: 'PUT', path, headers: bodyHeaders('PUT', path, body), body });
  }
  let n = 0;
  return () => requests[n++ % requests.length]!;
}

export interface ExtraCreateCase {
  readonly name: string;
  readonly body: (name: string) => string;
}

/**
 * Each case is measured right after a run of the ceiling, and its ratio is to that run: on a
 * shared machine the speed available drifts over two minutes, and a ratio of two neighbouring
 * runs drifts far less than one of runs a minute apart.
 */
export async function runBench(options: BenchOptions = DEFAULT_OPTIONS, extraCreates: readonly ExtraCreateCase[] = []): Promise<BenchReport> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'cie-bench-'));
  const cases: CaseResult[] = [];
  const emulatorEnv = (db: string): Record<string, string> => ({ CIE_DB: db, CIE_LOG_LEVEL: 'info' });
  let startupMs = 0;
  let rssAfterMb = 0;
  let hostile: HostileResult[] | undefined;
  const servers: Server[] = [];
  try {
    const ceiling = await startProcess(['bench/ceiling-server.js'], {});
    servers.push(ceiling);
    const ceilingCreate = createCase('ceil', OCR_BODY);
    const measure = async (name: string, url: string, next: () => Request): Promise<void> => {
      log(`${name} (and the ceiling before it)`);
      const before = await load('ceiling: bare Fastify, fixed create answer', ceiling.url, options, ceilingCreate);
      const result = await load(name, url, options, next);
      result.ratio = Math.round((result.requestsPerSecond / Math.max(before.requestsPerSecond, 1)) * 100) / 100;
      result.ceilingRequestsPerSecond = before.requestsPerSecond;
      cases.push(result);
    };

    log(`populating ${options.smallStore} and ${options.largeStore} templates`);
    const smallDb = join(dir, 'small.db');
    const largeDb = join(dir, 'large.db');
    populate(smallDb, options.smallStore);
    populate(largeDb, options.largeStore);

    const creating = await startProcess(cliArgs(join(ROOT, 'dist', 'main.js')), emulatorEnv(join(dir, 'creates.db')));
    servers.push(creating);
    startupMs = creating.startupMs;
    await measure('signed create, ImageOCR, distinct names', creating.url, createCase('ocr', OCR_BODY));
    for (const extra of extraCreates) {
      await measure(`signed create, ${extra.name}, distinct names`, creating.url, createCase(extra.name.slice(0, 4).toLowerCase(), extra.body));
    }
    rssAfterMb = rssMb(creating.process.pid);
    await stop(creating);

    const small = await startProcess(cliArgs(join(ROOT, 'dist', 'main.js')), emulatorEnv(smallDb));
    servers.push(small);
    await measure(`signed describe, 10 of ${options.smallStore}`, small.url, describeCase());
    await measure('signed update', small.url, updateCase(options.smallStore));
    rssAfterMb = Math.max(rssAfterMb, rssMb(small.process.pid));
    await stop(small);

    const large = await startProcess(cliArgs(join(ROOT, 'dist', 'main.js')), emulatorEnv(largeDb));
    servers.push(large);
    await measure(`signed describe, 10 of ${options.largeStore}`, large.url, describeCase());
    rssAfterMb = Math.max(rssAfterMb, rssMb(large.process.pid));
    await stop(large);
    if (options.hostile !== undefined) hostile = await runHostileCase({ ...options.hostile, log });
  } finally {
    await Promise.all(servers.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
  return { cases, hostile, startupMs: Math.round(startupMs), rssAfterMb, options };
}

/**
 * The hostile-bodies case on its own processes: a ceiling server and the emulator's CLI with a
 * file database and its default logging, as a user runs it (`npm run bench -- --hostile` runs
 * only this).
 */
export async function runHostileCase(options: HostileOptions): Promise<HostileResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cie-bench-hostile-'));
  const servers: Server[] = [];
  try {
    const bare = await startProcess(['bench/ceiling-server.js'], {});
    servers.push(bare);
    const emulator = await startProcess(cliArgs(join(ROOT, 'dist', 'main.js')), { CIE_DB: join(dir, 'hostile.db'), CIE_LOG_LEVEL: 'info' });
    servers.push(emulator);
    const target = (server: Server): { port: number; pid: number } => ({ port: Number(new URL(server.url).port), pid: server.process.pid ?? 0 });
    return await runHostileBench(target(bare), target(emulator), options);
  } finally {
    await Promise.all(servers.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatReport(report: BenchReport): string {
  const rows = report.cases.map(
    (result) =>
      `| ${result.name} | ${result.requestsPerSecond} | ${result.ceilingRequestsPerSecond ?? ''} | ${result.ratio?.toFixed(2)} | ${result.p50} | ${result.p99} | ${result.non2xx + result.errors} |`,
  );
  return [
    `connections ${report.options.connections}, warm-up ${report.options.warmupSeconds} s, ${report.options.durationSeconds} s per run; each case right after its own ceiling run`,
    '',
    '| case | req/s | ceiling req/s (run just before) | ratio | p50 ms | p99 ms | non-2xx + errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `start-up to health 200: ${report.startupMs} ms; emulator RSS after its cases: ${report.rssAfterMb} MB (the largest of the three processes)`,
    ...(report.hostile === undefined || report.options.hostile === undefined ? [] : ['', formatHostileReport(report.hostile, report.options.hostile)]),
  ].join('\n');
}
