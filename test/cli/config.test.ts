import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, expect as globalExpect, it, type ExpectStatic } from 'vitest';
import { ENV_NAMES, flagName, SETTING_KEYS } from '../../src/config.js';
import { killAll, runCli, startCli, type Exit } from './cli.js';

/** The real CLI, `node dist/main.js`, as a child process: what a user sees at start. */

const dir = mkdtempSync(join(tmpdir(), 'cie-cli-config-'));
afterAll(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** A start-up refusal: exit code 1, nothing on stdout, one line on stderr. */
function expectRefusal(exit: Exit, message: RegExp, expect: ExpectStatic = globalExpect): void {
  expect(exit.code, exit.stderr).toBe(1);
  expect(exit.stdout).toBe('');
  expect(exit.stderr.endsWith('\n')).toBe(true);
  expect(exit.stderr.trimEnd().split('\n'), exit.stderr).toHaveLength(1);
  expect(exit.stderr).toMatch(new RegExp(`^cloud-infinite-emulator: ${message.source}`));
}

describe('--help', () => {
  it('lists every flag with its variable and default, and exits 0 without starting', async () => {
    const exit = await runCli(['--help'], { env: { CIE_PORT: 'not-a-port' } });
    expect(exit.code).toBe(0);
    expect(exit.stderr).toBe('');
    for (const key of SETTING_KEYS) expect(exit.stdout).toMatch(new RegExp(`--${flagName(key)} +CIE_\\w+ .*\\(default: [^)]+\\)`));
    for (const name of ENV_NAMES) expect(exit.stdout).toContain(name);
    expect(exit.stdout).toContain('(default: 8080)');
    expect(exit.stdout).toContain('(default: ./data/ci-emulator.db)');
  });
});

describe('a bad value stops start-up with exit code 1 and a one-line message naming the variable', () => {
  // Run side by side: each is a short-lived process, and together they fit in one start-up time.
  const cases: readonly (readonly [label: string, args: readonly string[], env: Record<string, string>, message: RegExp])[] = [
    ['a port out of range (flag)', ['--port', '65536'], {}, /CIE_PORT \(--port\): "65536" is not a port/],
    ['a port out of range (variable)', [], { CIE_PORT: '99999' }, /CIE_PORT \(environment\): "99999" is not a port/],
    [
      'a malformed CIE_KEYS entry',
      [],
      { CIE_KEYS: 'AKIDEXAMPLE:SECRETKEYEXAMPLE:1250000000,AKIDBROKEN' },
      /CIE_KEYS \(environment\): entry 2 is not SecretId:SecretKey:APPID\[:Token\]/,
    ],
    ['an unknown CIE_AUTH', [], { CIE_AUTH: 'lenient' }, /CIE_AUTH \(environment\): "lenient" is not one of strict, off/],
    ['a bad --default-bucket', ['--default-bucket', 'nobucket'], {}, /CIE_DEFAULT_BUCKET \(--default-bucket\): /],
    ['an unknown flag', ['--prot', '8080'], {}, /Unknown option '--prot'.*--help/],
    ['half of the TLS pair', [], { CIE_TLS_CERT: join(dir, 'cert.pem') }, /CIE_TLS_KEY: HTTPS needs both CIE_TLS_CERT and CIE_TLS_KEY/],
    [
      'TLS files that do not exist',
      ['--tls-cert', join(dir, 'none.pem'), '--tls-key', join(dir, 'none.key')],
      {},
      /CIE_TLS_CERT: cannot read .*none\.pem \(ENOENT\)/,
    ],
    ['a CIE_DB that is a folder', ['--port', '0', '--db', dir], {}, /CIE_DB: cannot open /],
  ];

  it.concurrent.for(cases)('%s', async ([, args, env, message], { expect: localExpect }) => {
    expectRefusal(await runCli(args, { env }), message, localExpect);
  });

  it('a port already in use names CIE_PORT', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      expectRefusal(
        await runCli(['--port', String(port), '--db', ':memory:']),
        new RegExp(`CIE_PORT, CIE_HOST: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`),
      );
    } finally {
      taken.close();
    }
  });
});

describe('a successful start', () => {
  it('logs the URL, the database path, the SecretIds (not the secrets) and the default bucket; a flag wins over the environment', async () => {
    const db = join(dir, 'sub', 'emulator.db');
    const cli = await startCli(['--port', '0', '--default-bucket', 'flagbucket-1250000009', '--db', db], {
      env: {
        CIE_DEFAULT_BUCKET: 'envbucket-1250000009',
        CIE_KEYS: 'AKIDONE:SECRETONE:1250000009,AKIDTWO:SECRETTWO:1250000009:TOKENTWO',
        CIE_REGION: 'ap-beijing',
        CIE_PROT: '9000',
      },
    });
    try {
      const ready = await cli.waitForLine((line) => line.msg.includes('ready at'));
      expect(ready).toMatchObject({ url: `http://127.0.0.1:${cli.port}`, db, secretIds: ['AKIDONE', 'AKIDTWO'], defaultBucket: 'flagbucket-1250000009' });
      expect(cli.port).toBeGreaterThan(0);
      const warning = await cli.waitForLine((line) => line.msg.includes('CIE_PROT'));
      expect(warning.level).toBe(40);

      const health = (await (await fetch(`${cli.url}/_emulator/health`)).json()) as { status: string; defaultBucket: string };
      expect(health).toMatchObject({ status: 'ready', defaultBucket: 'flagbucket-1250000009' });
      const everything = cli.lines.map((line) => JSON.stringify(line)).join('\n');
      for (const secret of ['SECRETONE', 'SECRETTWO', 'TOKENTWO']) expect(everything).not.toContain(secret);
      expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      killAll();
    }
  });

  it('prints the start-up line whatever the log level (it tells the port), logs a relative --db absolute', async () => {
    const cli = await startCli(['--port', '0', '--db', 'relative/x.db', '--log-level', 'warn'], { cwd: dir });
    try {
      const ready = await cli.waitForLine((line) => line.msg.includes('ready at'));
      expect(ready['db']).toBe(join(dir, 'relative', 'x.db'));
      expect((await fetch(`${cli.url}/_emulator/health`)).status).toBe(200);
      expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      // At warn, neither the request nor the shutdown lines (info) are written.
      expect(cli.lines.map((line) => line.msg)).toEqual([ready.msg]);
    } finally {
      killAll();
    }
  });
});
