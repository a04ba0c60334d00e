#!/usr/bin/env -S node --max-semi-space-size=4
// A young generation of 4 MiB semispaces instead of V8's 16: the RSS after a bench run falls from
// about 134 to 110 MB, at no CPU cost the bench can measure (docs/performance.md). `npm start`,
// the image's CMD and the bench run the CLI with the same flag.
import { resolve } from 'node:path';
import { ConfigError, helpText, modeName, parseCommandLine, type EmulatorConfig } from './config.js';
import type { RunningEmulator } from './emulator.js';

/**
 * Shutdown must end within 5 s (the contract; `docker stop` and compose allow 10 s before
 * SIGKILL). Requests in flight get until DRAIN_DEADLINE_MS, then their connections are cut so the
 * database can still be closed cleanly; if closing hangs anyway, EXIT_DEADLINE_MS ends the process.
 */
const DRAIN_DEADLINE_MS = 4000;
const EXIT_DEADLINE_MS = 4800;

function fail(message: string): never {
  process.stderr.write(`cloud-infinite-emulator: ${message}\n`);
  process.exit(1);
}

function readConfig(): { config: EmulatorConfig; unknownVariables: readonly string[] } {
  try {
    const parsed = parseCommandLine(process.argv.slice(2), process.env);
    if (parsed.help) {
      process.stdout.write(`${helpText()}\n`);
      process.exit(0);
    }
    return parsed;
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

async function start(config: EmulatorConfig): Promise<RunningEmulator> {
  // Loaded only now: --help and a bad value answer at once, without loading Fastify and SQLite.
  const [{ listen }, { SeedError }, { UnusableDatabaseError }] = await Promise.all([import('./emulator.js'), import('./admin/seeds.js'), import('./db.js')]);
  try {
    return await listen(config);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SeedError || error instanceof UnusableDatabaseError) fail(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      fail(`CIE_PORT, CIE_HOST: cannot listen on ${config.host}:${config.port} (${code}); choose another with --port or --host`);
    }
    throw error;
  }
}

/** Installs the SIGTERM/SIGINT handlers; returns the stop function for a signal that came earlier. */
function stopOnSignals(emulator: RunningEmulator): (signal: NodeJS.Signals) => void {
  const { log, server } = emulator.app;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C: don't wait for slow clients, but still close the database properly.
      log.warn({ signal }, 'second signal: cutting the connections still open');
      server.closeAllConnections();
      return;
    }
    stopping = true;
    const closed = emulator.close();
    // Fastify closes the listening socket within this turn of the event loop (nextTicks and
    // microtasks only), so by setImmediate it is closed: the line below is true when it is read.
    const announced = new Promise<void>((resolve) =>
      setImmediate(() => {
        log.info({ signal, accepting: server.listening }, 'shutting down: no new connections, finishing the requests in flight');
        resolve();
      }),
    );
    setTimeout(() => {
      log.warn('requests still in flight after the drain deadline: cutting their connections');
      server.closeAllConnections();
    }, DRAIN_DEADLINE_MS).unref();
    setTimeout(() => {
      log.error('shutdown did not finish in time: exiting without closing the database');
      process.exit(1);
    }, EXIT_DEADLINE_MS).unref();
    Promise.all([closed, announced]).then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return stop;
}

const { config, unknownVariables } = readConfig();
// A signal during start-up (a `docker stop` right after `docker run`) is kept, and acted on as
// soon as there is something to stop, rather than killing the process mid-write.
let earlySignal: NodeJS.Signals | undefined;
const rememberSignal = (signal: NodeJS.Signals): void => {
  earlySignal ??= signal;
};
process.on('SIGTERM', rememberSignal);
process.on('SIGINT', rememberSignal);
const emulator = await start(config);
process.off('SIGTERM', rememberSignal);
process.off('SIGINT', rememberSignal);
const stop = stopOnSignals(emulator);
if (unknownVariables.length > 0) {
  emulator.app.log.warn({ unknownVariables }, `ignoring ${unknownVariables.join(', ')}: not a setting of the emulator (see --help)`);
}
// Printed whatever CIE_LOG_LEVEL says (even silent): it is the only place that tells where the
// emulator listens when --port 0 picked the port. The keys' SecretIds only: never a secret.
emulator.app.log.child({}, { level: 'info' }).info(
  {
    url: emulator.url,
    db: config.db === ':memory:' ? config.db : resolve(config.db),
    secretIds: config.keys.map((key) => key.secretId),
    defaultBucket: config.defaultBucket,
    auth: config.auth,
    mode: modeName(config.strict),
    seed: config.seed === undefined ? null : resolve(config.seed),
    adminToken: config.adminToken !== undefined,
  },
  `cloud-infinite-emulator ready at ${emulator.url} (${modeName(config.strict)} mode)`,
);
if (earlySignal !== undefined) stop(earlySignal);
