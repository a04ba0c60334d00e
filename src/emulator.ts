import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ConfigError, envName, resolveConfig, type EmulatorConfig } from './config.js';
import { buildServer, type ServerDeps } from './server.js';

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** Where the pino log goes (default: stdout). */
  readonly logStream?: NodeJS.WritableStream;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:8080`: what to pass to the SDKs as the base of `Url`. */
  readonly url: string;
  readonly port: number;
  readonly config: EmulatorConfig;
  readonly app: FastifyInstance;
  /** Stops accepting requests, finishes those in flight, closes the database. */
  close(): Promise<void>;
}

/**
 * Starts the emulator in-process, for test runners (a vitest or jest globalSetup). Options are
 * the settings of the CLI in camelCase; environment variables are not read here.
 *
 *   const emulator = await startEmulator({ port: 0, db: ':memory:' });
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { logStream, ...settings } = options;
  const config = resolveConfig(settings);
  return listen(config, logStream === undefined ? {} : { logStream });
}

export async function listen(config: EmulatorConfig, deps: ServerDeps = {}): Promise<RunningEmulator> {
  const tls = readTls(config);
  const app = await buildServer(config, tls === undefined ? deps : { ...deps, tls });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `${tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { url, port, config, app, close: () => app.close() };
}

/** Reads the PEM files named by CIE_TLS_CERT / CIE_TLS_KEY. */
function readTls(config: EmulatorConfig): { cert: string; key: string } | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const read = (key: 'tlsCert' | 'tlsKey', file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${envName(key)}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  return { cert: read('tlsCert', config.tlsCert), key: read('tlsKey', config.tlsKey) };
}
