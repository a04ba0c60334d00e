import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which .ci/run installs with apt-get (npm browsers cannot be downloaded here). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_MISSING = !existsSync(CHROMIUM_PATH);
/** Set by .ci/run: there a missing browser fails the suite instead of skipping it. */
export const BROWSER_REQUIRED = process.env['CIE_REQUIRE_BROWSER'] === '1';
export const INSTALL_HINT = `browser tests skipped: ${CHROMIUM_PATH} is missing; install it with \`apt-get update && apt-get install -y --no-install-recommends chromium\` (CIE_REQUIRE_BROWSER=1 makes this a failure)`;

// Without the background-networking flags Chromium dials Google services, and this closed
// network refuses those connections (slowly); QUIC would try UDP for the same.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS, timeout: 15_000 });
}

const SDK_BUNDLE = fileURLToPath(new URL('../../node_modules/cos-js-sdk-v5/dist/cos-js-sdk-v5.js', import.meta.url));

export interface StaticSite {
  /** `http://127.0.0.1:<port>`: another origin than the emulator's. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * A tiny static server for the test page: `/` is the given HTML, `/cos-js-sdk-v5.js` the SDK's
 * browser bundle. Being on another port than the emulator makes every SDK call cross-origin.
 */
export async function serveStaticSite(pageHtml: string): Promise<StaticSite> {
  const sdk = readFileSync(SDK_BUNDLE);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(pageHtml);
    } else if (path === '/cos-js-sdk-v5.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(sdk);
    } else {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
