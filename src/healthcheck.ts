#!/usr/bin/env node
/**
 * The container's HEALTHCHECK (and compose's): exits 0 when `GET /_emulator/health` answers 200,
 * 1 otherwise. Node rather than curl, because the slim image has no curl. It reads the same
 * environment as the emulator (CIE_PORT, CIE_HOST, CIE_TLS_*), so it follows any port or HTTPS
 * the container is configured with.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseCommandLine, reachableHost } from './config.js';

const HEALTH_PATH = '/_emulator/health';
const TIMEOUT_MS = 3000;

function exit(healthy: boolean, reason: string): never {
  if (!healthy) process.stderr.write(`unhealthy: ${reason}\n`);
  process.exit(healthy ? 0 : 1);
}

let target: { host: string; port: number; https: boolean };
try {
  const parsed = parseCommandLine([], process.env);
  if (parsed.help) exit(false, 'no configuration');
  const { host, port, tlsCert } = parsed.config;
  target = { host: reachableHost(host), port, https: tlsCert !== undefined };
} catch (error) {
  exit(false, error instanceof Error ? error.message : String(error));
}

const send = target.https ? httpsRequest : httpRequest;
const request = send(
  {
    host: target.host,
    port: target.port,
    path: HEALTH_PATH,
    method: 'GET',
    timeout: TIMEOUT_MS,
    // A probe of our own process on loopback: the certificate's name does not matter here.
    rejectUnauthorized: false,
  },
  (response) => {
    response.resume();
    exit(response.statusCode === 200, `${HEALTH_PATH} answered ${response.statusCode ?? 'nothing'}`);
  },
);
request.on('timeout', () => exit(false, `no answer within ${TIMEOUT_MS} ms`));
request.on('error', (error) => exit(false, error.message));
request.end();
