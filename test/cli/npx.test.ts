import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, MAIN, ROOT, startCli } from './cli.js';

/**
 * `npx cloud-infinite-emulator`, from the project's own folder. npm resolves a command that
 * names the current package's bin by linking the package into its npx cache and running the bin
 * from there: the package.json "bin" entry, the shebang and the built dist/main.js all take part.
 *
 * So that it works offline and fast on a clean CI clone (after `npm ci` and the build): a fresh
 * cache folder (no state from earlier runs), offline (nothing is fetched: the package is a link),
 * and no scripts (linking would otherwise run `prepare`, i.e. a second full tsc build, ~9 s).
 */

const cache = mkdtempSync(join(tmpdir(), 'cie-npx-cache-'));
afterAll(() => {
  killAll();
  rmSync(cache, { recursive: true, force: true });
});

const NPM_ENV = {
  npm_config_cache: cache,
  npm_config_offline: 'true',
  npm_config_ignore_scripts: 'true',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

describe('the bin entry', () => {
  it('is dist/main.js, which starts with a node shebang', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(join(ROOT, manifest.bin['cloud-infinite-emulator']!)).toBe(MAIN);
    expect(readFileSync(MAIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env -S node --max-semi-space-size=4');
  });

  it('runs as `npx cloud-infinite-emulator --port 0`: ready, healthy, and exits 0 on SIGTERM', async () => {
    const cli = await startCli(['--port', '0', '--db', ':memory:'], { command: ['npx', '--no-install', 'cloud-infinite-emulator'], env: NPM_ENV });
    const health = await fetch(`${cli.url}/_emulator/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ready' });

    // npx runs the emulator as its grandchild; the signal goes to the emulator, as `kill <pid>`
    // would, and npx then ends with the emulator's own exit code.
    const ready = await cli.waitForLine((line) => line.msg.includes('ready at'));
    expect(ready['pid']).not.toBe(cli.child.pid);
    process.kill(ready['pid'] as number, 'SIGTERM');
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    expect(cli.lines.map((line) => line.msg)).toContain('stopped');
  });
});
