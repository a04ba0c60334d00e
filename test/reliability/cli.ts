import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The real CLI, `node dist/main.js`, as a child process (`npm test` builds dist/ first). */

export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface RunningCli {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

/** Starts the CLI with only the given CIE_* variables (none inherited) and waits until it listens. */
export async function startCli(variables: Readonly<Record<string, string>>): Promise<RunningCli> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build it with npm run build (npm test does)`);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('CIE_')) env[name] = value;
  const child = spawn(process.execPath, [CLI], {
    env: { ...env, CIE_PORT: '0', CIE_HOST: '127.0.0.1', CIE_LOG_LEVEL: 'info', ...variables },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the CLI did not start within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    const check = (): void => {
      // The start-up line names the URL it listens on (the port was 0: any free one).
      const match = /https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited before it was ready (${child.exitCode ?? child.signalCode}):\n${output}`));
    });
  });
  return { child, port, output: () => output, exited };
}

/** Ends the process if it still runs: kill -9, then waits for its exit. */
export async function killCli(cli: RunningCli | undefined): Promise<void> {
  if (cli === undefined) return;
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  await cli.exited;
}
