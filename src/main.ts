#!/usr/bin/env node
import { ConfigError, helpText, parseCommandLine, type EmulatorConfig } from './config.js';
import { SchemaTooNewError } from './db.js';
import { listen, type RunningEmulator } from './emulator.js';
import { SeedError } from './admin/seeds.js';

/** Finishing in-flight requests and closing the database must fit in this, as compose expects. */
const SHUTDOWN_DEADLINE_MS = 4500;

function fail(message: string): never {
  process.stderr.write(`cloud-infinite-emulator: ${message}\n`);
  process.exit(1);
}

function readConfig(): EmulatorConfig {
  try {
    const { help, config } = parseCommandLine(process.argv.slice(2), process.env);
    if (help) {
      process.stdout.write(`${helpText()}\n`);
      process.exit(0);
    }
    return config;
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

async function start(config: EmulatorConfig): Promise<RunningEmulator> {
  try {
    return await listen(config);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SeedError || error instanceof SchemaTooNewError) fail(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      fail(`cannot listen on ${config.host}:${config.port} (${code}); set CIE_PORT or --port`);
    }
    throw error;
  }
}

function stopOnSignals(emulator: RunningEmulator): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    emulator.app.log.info({ signal }, 'shutting down: finishing requests in flight');
    const deadline = setTimeout(() => emulator.app.server.closeAllConnections(), SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        emulator.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const config = readConfig();
const emulator = await start(config);
emulator.app.log.info(
  {
    url: emulator.url,
    db: config.db,
    secretIds: config.keys.map((key) => key.secretId),
    defaultBucket: config.defaultBucket,
    auth: config.auth,
    seed: config.seed ?? null,
  },
  `cloud-infinite-emulator ready at ${emulator.url}`,
);
stopOnSignals(emulator);
