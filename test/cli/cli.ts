import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root, and the CLI as `npm test` builds it (npm run build: tsc, then the bundle). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** How long a child may take to start or stop on a busy 2-core CI machine before the test fails. */
const START_TIMEOUT_MS = 15_000;

/** One pino line of the emulator's stdout. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a child: this process's, without any CIE_* a developer may have exported
 * (the test says what it sets) and without NODE_OPTIONS (the CLI runs as a user runs it).
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('CIE_') && name !== 'NODE_OPTIONS') env[name] = value;
  }
  return { ...env, ...extra };
}

const running = new Set<ChildProcess>();

/** Each child leads its own process group (npx → sh → node): this kills the whole group. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Kills whatever a test left running; call it from afterAll/afterEach so no child outlives a failure. */
export function killAll(): void {
  for (const child of running) killGroup(child);
  running.clear();
}

export interface SpawnOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Default: node dist/main.js. */
  readonly command?: readonly [string, ...string[]];
  readonly cwd?: string;
}

function spawnCli(args: readonly string[], options: SpawnOptions): ChildProcess {
  const [command, ...prefix] = options.command ?? [process.execPath, MAIN];
  // detached: the child leads a process group, so killAll reaches its own children too (npx).
  const child = spawn(command, [...prefix, ...args], {
    cwd: options.cwd ?? ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text += chunk;
  });
  return () => text;
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const timer = setTimeout(() => killGroup(child), timeoutMs);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return { code, signal };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the CLI to its end: --help, or a configuration that must stop start-up. */
export async function runCli(args: readonly string[], options: SpawnOptions = {}): Promise<Exit> {
  const child = spawnCli(args, options);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const { code, signal } = await waitForExit(child, START_TIMEOUT_MS);
  // 'exit' can come before the pipes are drained.
  await Promise.all([
    child.stdout && !child.stdout.readableEnded ? once(child.stdout, 'end') : undefined,
    child.stderr && !child.stderr.readableEnded ? once(child.stderr, 'end') : undefined,
  ]);
  return { code, signal, stdout: stdout(), stderr: stderr() };
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** From the start-up line, `cloud-infinite-emulator ready at <url>`. */
  readonly url: string;
  readonly port: number;
  /** Every JSON line of stdout so far. */
  readonly lines: readonly LogLine[];
  stderr(): string;
  /** Resolves with the first line (already seen or to come) that matches. */
  waitForLine(matches: (line: LogLine) => boolean): Promise<LogLine>;
  /** Resolves when the process has exited (SIGKILL after the start timeout). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI and resolves once it has logged its URL. */
export async function startCli(args: readonly string[], options: SpawnOptions = {}): Promise<RunningCli> {
  const child = spawnCli(args, options);
  const stderr = collect(child.stderr);
  const lines: LogLine[] = [];
  const waiters: { matches: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });

  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { level: 0, msg: text };
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.matches(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });

  const waitForLine = (matches: (line: LogLine) => boolean): Promise<LogLine> => {
    const seen = lines.find(matches);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${START_TIMEOUT_MS} ms; stderr: ${stderr()}`)), START_TIMEOUT_MS);
      waiters.push({
        matches,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the emulator exited (${child.exitCode ?? child.signalCode}) before the line came; stderr: ${stderr()}`));
      });
    });
  };

  const ready = await waitForLine((line) => typeof line['url'] === 'string' && line.msg.includes('ready at'));
  const url = ready['url'] as string;
  return {
    child,
    url,
    port: Number(new URL(url).port),
    lines,
    stderr,
    waitForLine,
    exited: () => waitForExit(child, START_TIMEOUT_MS),
    stop: async (signal = 'SIGTERM') => {
      // To the whole group, as a terminal's Ctrl-C or `docker stop` reaches every process.
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, signal);
      return waitForExit(child, START_TIMEOUT_MS);
    },
  };
}
