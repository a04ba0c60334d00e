import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { killCli, startCli, type RunningCli } from './cli.js';
import { listAll, ocrCreate, send, templateIdOf } from './client.js';

/**
 * kill -9 of the real CLI in the middle of a stream of creates, three times on one file. Every
 * create that was answered 200 must be there after the restart, and the file must be sound.
 * (Creates in flight when the process died may or may not be there: they were never answered.)
 */

const ROUNDS = 3;
const WRITERS = 16;
const dir = mkdtempSync(join(tmpdir(), 'cie-crash-'));
const dbFile = join(dir, 'crash.db');
const running = new Set<RunningCli>();

afterAll(async () => {
  await Promise.all([...running].map((cli) => killCli(cli)));
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<RunningCli> {
  const cli = await startCli({ CIE_DB: dbFile });
  running.add(cli);
  return cli;
}

/** Creates from WRITERS concurrent connections until `killAt` are acknowledged, then kill -9. */
async function createsUntilKilled(cli: RunningCli, round: number, killAt: number, acknowledged: Map<string, string>, attempted: Set<string>): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: WRITERS });
  let acknowledgedThisRound = 0;
  let killed = false;
  let next = 0;
  const writer = async (): Promise<void> => {
    while (!killed) {
      const name = `k${round}n${next++}`;
      attempted.add(name);
      try {
        const answer = await send(cli.port, ocrCreate(name), agent);
        const id = templateIdOf(answer);
        if (answer.status !== 200 || id === undefined) throw new Error(`create ${name} answered ${answer.status}: ${answer.body}`);
        // Only a whole answer counts: send resolves once the response has ended.
        acknowledged.set(id, name);
        acknowledgedThisRound++;
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- another stream may have set it while this one awaited
        if (acknowledgedThisRound >= killAt && !killed) {
          killed = true;
          cli.child.kill('SIGKILL');
        }
      } catch (error) {
        // After the kill, requests in flight fail: that is the point. Before it, nothing may.
        if (!killed) throw error;
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: WRITERS }, writer));
  } finally {
    agent.destroy();
  }
  await cli.exited;
  running.delete(cli);
  return acknowledgedThisRound;
}

describe('kill -9 during creates', () => {
  it(`keeps every acknowledged create, ${ROUNDS} times over`, { timeout: 60_000 }, async () => {
    const acknowledged = new Map<string, string>();
    const attempted = new Set<string>();
    for (let round = 1; round <= ROUNDS; round++) {
      const server = await start();
      // A different moment each round: after 150, 250, 350 acknowledged creates.
      const count = await createsUntilKilled(server, round, 50 + 100 * round, acknowledged, attempted);
      expect(server.child.signalCode).toBe('SIGKILL');
      expect(count).toBeGreaterThanOrEqual(50 + 100 * round);

      const restarted = await start();
      try {
        const stored = await listAll(restarted.port);
        const lost = [...acknowledged].filter(([id, name]) => stored.get(id) !== name);
        expect(lost, `round ${round}: acknowledged creates missing after the restart`).toEqual([]);
        // Anything more is a create that committed but whose answer the kill cut off: it must be one that was sent.
        const foreign = [...stored.values()].filter((name) => !attempted.has(name));
        expect(foreign).toEqual([]);
        expect(stored.size - acknowledged.size).toBeLessThanOrEqual(WRITERS * round);

        // The restarted server takes writes again.
        const after = await send(restarted.port, ocrCreate(`after${round}`));
        expect(after.status).toBe(200);
        acknowledged.set(templateIdOf(after) ?? '', `after${round}`);
        attempted.add(`after${round}`);
      } finally {
        await killCli(restarted);
        running.delete(restarted);
      }

      // The emulator holds its file exclusively while it runs: the file is read after this
      // second kill, as the next round's start will find it.
      const db = new Database(dbFile);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        // The per-bucket counters (kept in each write's transaction) agree with the rows.
        const counted = db.prepare("SELECT coalesce(sum(n), 0) FROM template_counts WHERE bucket = 'examplebucket-1250000000'").pluck().get();
        const rows = db.prepare("SELECT count(*) FROM templates WHERE bucket = 'examplebucket-1250000000'").pluck().get();
        expect(counted).toBe(rows);
      } finally {
        db.close();
      }
    }
  });
});
