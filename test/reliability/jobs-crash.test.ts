import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { inLifeOrder, jobBody, jobsOf, until, type JobXml } from '../jobs.js';
import { killCli, startCli, type RunningCli } from './cli.js';
import { send } from './client.js';

/**
 * kill -9 of the real CLI while jobs run (CIE_JOB_DURATION_MS=3000). Every job whose create was
 * answered is there after a restart on the same file, and ends: at its own time, kept with the
 * job, whatever the restarted process's CIE_JOB_DURATION_MS (an hour here, so a job that ends
 * within the test's deadline can only have kept its time). A job already past its end finishes
 * as soon as the emulator is back.
 */

const LIFE_MS = 3000;
const AN_HOUR = String(3_600_000);
const dir = mkdtempSync(join(tmpdir(), 'cie-jobs-crash-'));
const dbFile = join(dir, 'jobs.db');
const running = new Set<RunningCli>();
/** Processes sent SIGKILL: a request cut by the kill fails, which is the point. */
const killed = new Set<RunningCli>();

afterAll(async () => {
  await Promise.all([...running].map((cli) => killCli(cli)));
  rmSync(dir, { recursive: true, force: true });
});

async function start(durationMs: string): Promise<RunningCli> {
  const cli = await startCli({ CIE_DB: dbFile, CIE_JOB_DURATION_MS: durationMs, CIE_LOG_LEVEL: 'warn' });
  running.add(cli);
  return cli;
}

async function kill(cli: RunningCli): Promise<void> {
  killed.add(cli);
  cli.child.kill('SIGKILL');
  await cli.exited;
  running.delete(cli);
  expect(cli.child.signalCode).toBe('SIGKILL');
}

/** POST /jobs over a real connection; the JobId once the answer has ended, or undefined when the kill cut it. */
async function submitOver(cli: RunningCli, input: string): Promise<string | undefined> {
  try {
    const answer = await send(cli.port, { method: 'POST', path: '/jobs', body: jobBody({ input }) });
    if (answer.status !== 200) throw new Error(`POST /jobs answered ${answer.status}: ${answer.body}`);
    return jobsOf(answer.body).jobs[0]?.JobId;
  } catch (error) {
    if (killed.has(cli)) return undefined;
    throw error;
  }
}

async function describeAll(cli: RunningCli, ids: readonly string[]): Promise<{ jobs: readonly JobXml[]; missing: readonly string[] }> {
  const answer = await send(cli.port, { method: 'GET', path: `/jobs/${ids.join(',')}` });
  expect(answer.status).toBe(200);
  const { jobs, nonExist } = jobsOf(answer.body);
  return { jobs, missing: nonExist };
}

/** Polls until every job has succeeded; answers the states each went through. */
async function untilAllSucceed(cli: RunningCli, ids: readonly string[]): Promise<Map<string, string[]>> {
  const states = new Map<string, string[]>(ids.map((id) => [id, []]));
  await until(
    () => describeAll(cli, ids),
    ({ jobs }) => {
      for (const job of jobs) {
        const seen = states.get(job.JobId)!;
        if (seen.at(-1) !== job.State) seen.push(job.State);
      }
      return jobs.length === ids.length && jobs.every((job) => job.State === 'Success');
    },
    'every acknowledged job succeeds after the restart',
    15_000,
  );
  return states;
}

describe('kill -9 while jobs run', () => {
  it('keeps every acknowledged job, which ends at its own time after the restart; jobs past their end finish at once', { timeout: 90_000 }, async () => {
    // 1. Jobs acknowledged one by one, then more in flight when the process is killed.
    const first = await start(String(LIFE_MS));
    const acknowledged: string[] = [];
    for (let index = 0; index < 6; index++) acknowledged.push((await submitOver(first, `in/acked-${index}.mp4`))!);
    const inFlight = Array.from({ length: 6 }, (_, index) => submitOver(first, `in/in-flight-${index}.mp4`));
    const killing = kill(first);
    for (const id of await Promise.all(inFlight)) if (id !== undefined) acknowledged.push(id);
    await killing;
    expect(acknowledged.every((id) => /^j[0-9a-f]{32}$/.test(id))).toBe(true);

    // 2. Back at once, with an hour per new job: every acknowledged job is there, and each ends
    //    by the time it was given at its creation, never going back a state.
    const second = await start(AN_HOUR);
    const { jobs, missing } = await describeAll(second, acknowledged);
    expect(missing).toEqual([]);
    expect(jobs.map((job) => job.JobId)).toEqual(acknowledged);
    for (const job of jobs) expect(['Submitted', 'Running', 'Success']).toContain(job.State);
    const states = await untilAllSucceed(second, acknowledged);
    for (const [id, seen] of states) expect(inLifeOrder(seen), `${id}: ${seen.join(' → ')}`).toBe(true);
    // A job made now lives an hour: it is still Submitted when the process dies.
    const hourLong = (await submitOver(second, 'in/hour-long.mp4'))!;
    await kill(second);

    // 3. Jobs killed and left down past their end.
    const third = await start(String(LIFE_MS));
    const late: string[] = [];
    for (let index = 0; index < 3; index++) late.push((await submitOver(third, `in/late-${index}.mp4`))!);
    const lastCreated = Date.now();
    await kill(third);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastCreated + LIFE_MS + 500 - Date.now())));

    // 4. They finish as soon as the emulator is back (an hour is what a new job would get);
    //    the hour-long job keeps its hour.
    const fourth = await start(AN_HOUR);
    const back = await describeAll(fourth, [...late, hourLong]);
    expect(back.missing).toEqual([]);
    await untilAllSucceed(fourth, late);
    const [stillWaiting] = (await describeAll(fourth, [hourLong])).jobs;
    expect(stillWaiting).toMatchObject({ JobId: hourLong, State: 'Submitted' });
    // Every job ended once: StartTime and EndTime are set, and Progress is 100.
    for (const job of (await describeAll(fourth, [...acknowledged, ...late])).jobs) {
      expect(job).toMatchObject({ State: 'Success', Progress: '100' });
      expect(job.StartTime).not.toBe('-');
      expect(job.EndTime).not.toBe('-');
    }
    await kill(fourth);

    const db = new Database(dbFile);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const unfinished = db.prepare("SELECT id FROM jobs WHERE state IN ('Submitted', 'Running')").pluck().all();
      expect(unfinished).toEqual([hourLong]);
    } finally {
      db.close();
    }
  });
});
