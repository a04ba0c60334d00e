import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { startQuiet } from '../sdk/sdk.js';
import { makeCertificate, type Certificate } from '../tls.js';
import { childEnv, ROOT } from './cli.js';

/** dist/healthcheck.js, the command of the image's HEALTHCHECK and of compose's healthcheck, run for real. */

const HEALTHCHECK = fileURLToPath(new URL('../../dist/healthcheck.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cie-healthcheck-'));

let plain: RunningEmulator;
let secure: RunningEmulator;
let certificate: Certificate;
let unhealthy: Server;
let unhealthyPort: number;
let closedPort: number;

beforeAll(async () => {
  certificate = makeCertificate(dir);
  [plain, secure] = await Promise.all([
    startQuiet({ adminToken: 'not-needed-for-health' }),
    startQuiet({ tlsCert: certificate.certFile, tlsKey: certificate.keyFile }),
  ]);
  // Something listening that is not a ready emulator.
  unhealthy = createServer((_request, response) => response.writeHead(503).end());
  await new Promise<void>((resolve) => unhealthy.listen(0, '127.0.0.1', resolve));
  unhealthyPort = (unhealthy.address() as { port: number }).port;
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  await Promise.all([plain.close(), secure.close(), new Promise((resolve) => unhealthy.close(resolve))]);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the healthcheck with the container's kind of environment: settings only as CIE_* variables. */
function healthcheck(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HEALTHCHECK], { cwd: ROOT, env: childEnv(env), timeout: 10_000 }, (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stderr });
    });
  });
}

describe('the healthcheck command', () => {
  it('exits 0 for a ready emulator on CIE_PORT, even with CIE_ADMIN_TOKEN set', async () => {
    expect(await healthcheck({ CIE_PORT: String(plain.port), CIE_ADMIN_TOKEN: 'not-needed-for-health' })).toEqual({ code: 0, stderr: '' });
  });

  it("reaches an emulator bound to 0.0.0.0 (the container's CIE_HOST) on loopback", async () => {
    expect(await healthcheck({ CIE_PORT: String(plain.port), CIE_HOST: '0.0.0.0' })).toEqual({ code: 0, stderr: '' });
  });

  it('speaks HTTPS when CIE_TLS_CERT and CIE_TLS_KEY are set, with a self-signed certificate', async () => {
    const env = { CIE_PORT: String(secure.port), CIE_TLS_CERT: certificate.certFile, CIE_TLS_KEY: certificate.keyFile };
    expect(await healthcheck(env)).toEqual({ code: 0, stderr: '' });
  });

  it('exits 1 when nothing listens', async () => {
    const result = await healthcheck({ CIE_PORT: String(closedPort) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^unhealthy: connect ECONNREFUSED/);
  });

  it('exits 1 when the health path does not answer 200', async () => {
    expect(await healthcheck({ CIE_PORT: String(unhealthyPort) })).toEqual({ code: 1, stderr: 'unhealthy: /_emulator/health answered 503\n' });
  });

  it('exits 1 with the reason when the environment is not a valid configuration', async () => {
    const result = await healthcheck({ CIE_PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^unhealthy: CIE_PORT \(environment\): /);
  });
});
