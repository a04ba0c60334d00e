import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, testServer } from '../helpers.js';

/** The dashboard's jobs section: each job with its state, its failure and its callback's outcome. */

let app: FastifyInstance;
beforeAll(async () => {
  app = await testServer({ jobDurationMs: 'manual' });
});
afterAll(() => app.close());

const submit = async (callback: string): Promise<string> => {
  const body =
    '<Request><Tag>MediaInfo</Tag><Input><Object>in.mp4</Object></Input>' +
    `<Operation><UserData>dash</UserData></Operation>${callback === '' ? '' : `<CallBack>${callback}</CallBack>`}</Request>`;
  const response = await call(app, { method: 'POST', path: '/jobs', body });
  expect(response.statusCode, response.body).toBe(200);
  return /<JobId>(j[0-9a-f]{32})<\/JobId>/.exec(response.body)?.[1] ?? '';
};

const move = (id: string, state: string, extra: Record<string, string> = {}): Promise<unknown> =>
  app.inject({ method: 'POST', url: `/_emulator/jobs/${id}`, payload: { state, ...extra } });

describe('the jobs section', () => {
  it('shows each job with its state, a failure with its code, and a refused callback', async () => {
    const waiting = await submit('');
    const failed = await submit('http://8.8.8.8/hook');
    await move(failed, 'Failed', { code: 'MediaCorrupted', message: 'broken input' });
    // The callback is recorded once the job has ended: wait for its journal entry.
    for (let tries = 0; tries < 100; tries++) {
      const journal = (await app.inject({ url: '/_emulator/requests?limit=1' })).json<{ requests: { callback?: unknown }[] }>();
      if (journal.requests[0]?.callback !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const page = (await app.inject({ url: '/_emulator/' })).body;
    expect(page).toContain(`<tr class="job" data-job-id="${waiting}" data-state="Submitted">`);
    expect(page).toContain(`<tr class="job" data-job-id="${failed}" data-state="Failed">`);
    expect(page).toContain('<code>MediaCorrupted</code> broken input');
    expect(page).toMatch(
      /<td class="callback"><span class="verdict bad">refused<\/span> <span class="muted">8\.8\.8\.8 resolves to 8\.8\.8\.8, not loopback or a private network/,
    );
    expect(page).toContain('CIE_JOB_DURATION_MS=manual');
  });

  it('says when there is no job', async () => {
    const empty = await testServer();
    try {
      expect((await empty.inject({ url: '/_emulator/' })).body).toContain('No jobs yet.');
    } finally {
      await empty.close();
    }
  });
});
