import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { ConfigError, envName, reachableHost, resolveConfig, type EmulatorConfig } from './config.js';
import { buildServer, type ServerDeps } from './server.js';

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** Where the pino log goes (default: stdout). */
  readonly logStream?: NodeJS.WritableStream;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:8080`: what to pass to the SDKs as the base of `Url`. */
  readonly url: string;
  /** The port listened on: the one picked by the system when `port` was 0. */
  readonly port: number;
  readonly config: EmulatorConfig;
  readonly app: FastifyInstance;
  /** Stops accepting requests, finishes those in flight, closes the database. */
  close(): Promise<void>;
}

/**
 * Starts the emulator in-process, for test runners (a vitest or jest globalSetup). Options are
 * the settings of the CLI in camelCase; environment variables are not read here. Rejects with a
 * ConfigError, a SeedError or an UnusableDatabaseError (a file from a newer release, or not the
 * emulator's), whose message says what to fix.
 *
 *   const emulator = await startEmulator({ port: 0, db: ':memory:' });
 *   // … emulator.url, then
 *   await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { logStream, ...settings } = options;
  const config = resolveConfig(settings);
  return listen(config, logStream === undefined ? {} : { logStream });
}

/** Builds the server for a checked configuration and listens; the CLI and startEmulator share it. */
export async function listen(config: EmulatorConfig, deps: ServerDeps = {}): Promise<RunningEmulator> {
  const tls = readTls(config);
  const app = await buildServer(config, { ...deps, ...(tls === undefined ? {} : { tls }) });
  closeConnectionsWhenClosing(app);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = reachableHost(config.host);
  const url = `${tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  app.storage.listeningAt(url);
  return { url, port, config, app, close: () => app.close() };
}

/**
 * close() waits for every connection to end. Fastify closes the idle ones when close() starts,
 * but a keep-alive connection busy with a request would stay open after its answer (SDKs keep
 * connections alive) and hold the process until a deadline. So once closing has begun, every
 * answer says `Connection: close`, and Node ends the connection as soon as it is written.
 */
function closeConnectionsWhenClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('Connection', 'close');
    done(null, payload);
  });
}

/** Reads the PEM files named by CIE_TLS_CERT / CIE_TLS_KEY and checks that they make a pair. */
function readTls(config: EmulatorConfig): { cert: string; key: string } | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const read = (key: 'tlsCert' | 'tlsKey', file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${envName(key)}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const pair = { cert: read('tlsCert', config.tlsCert), key: read('tlsKey', config.tlsKey) };
  // Checked here so that a wrong file is a one-line message naming the variables, not a stack
  // trace from deep inside the HTTPS server.
  try {
    createSecureContext(pair);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`CIE_TLS_CERT, CIE_TLS_KEY: ${config.tlsCert} and ${config.tlsKey} are not a PEM certificate and its private key (${reason})`);
  }
  return pair;
}
