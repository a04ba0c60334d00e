import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPID, testServer } from '../helpers.js';
import { codeOf, listAll, ocrCreate, send, templateIdOf, type HttpAnswer, type HttpCall } from './client.js';

/**
 * Many requests in flight at once, over real connections, against a file database (WAL and
 * group commit, as in production). Each test uses its own bucket, so they cannot disturb
 * one another.
 */

const dir = mkdtempSync(join(tmpdir(), 'cie-concurrency-'));
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  app = await testServer({ db: join(dir, 'concurrency.db') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const hostOf = (bucket: string): string => `${bucket}-${APPID}.ci.ap-guangzhou.myqcloud.com`;

const rename = (id: string, name: string, host: string): HttpCall => ({
  method: 'PUT',
  path: `/template/${id}`,
  host,
  body: `<Request><Tag>ImageOCR</Tag><Name>${name}</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>`,
});

async function created(name: string, host: string): Promise<string> {
  const answer = await send(port, ocrCreate(name, host));
  const id = templateIdOf(answer);
  if (answer.status !== 200 || id === undefined) throw new Error(`create ${name}: ${answer.status} ${answer.body}`);
  return id;
}

const outcome = (answer: HttpAnswer): string => (answer.status === 200 ? 'ok' : (codeOf(answer) ?? String(answer.status)));

function tally(answers: readonly HttpAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[outcome(answer)] = (counts[outcome(answer)] ?? 0) + 1;
  return counts;
}

describe('concurrent requests', () => {
  it('gives 1,000 concurrent creates with distinct names 1,000 distinct ids, all listed', { timeout: 60_000 }, async () => {
    const host = hostOf('thousand');
    const names = Array.from({ length: 1000 }, (_, i) => `c${i}`);
    const answers = await Promise.all(names.map((name) => send(port, ocrCreate(name, host))));
    expect(tally(answers)).toEqual({ ok: 1000 });
    const ids = answers.map((answer) => templateIdOf(answer) ?? '');
    expect(new Set(ids).size).toBe(1000);

    const listed = await listAll(port, host);
    expect(listed.size).toBe(1000);
    for (const [index, id] of ids.entries()) expect(listed.get(id)).toBe(names[index]);
    const page = await send(port, { method: 'GET', path: '/template', query: { pageSize: '1' }, host });
    expect(page.body).toContain('<TotalCount>1000</TotalCount>');
  });

  it('gives 100 concurrent creates of one name exactly one success and 99 TemplateNameDuplicate', async () => {
    const host = hostOf('samename');
    const answers = await Promise.all(Array.from({ length: 100 }, () => send(port, ocrCreate('contested', host))));
    expect(tally(answers)).toEqual({ ok: 1, TemplateNameDuplicate: 99 });
    for (const answer of answers.filter((candidate) => candidate.status !== 200)) expect(answer.status).toBe(400);
    const listed = await listAll(port, host);
    expect([...listed.values()]).toEqual(['contested']);
    expect([...listed.keys()]).toEqual([templateIdOf(answers.find((answer) => answer.status === 200) as HttpAnswer)]);
  });

  it('settles concurrent updates and deletes of one id consistently', async () => {
    const host = hostOf('updatedelete');
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => created(`ud${i}`, host)));
    const results = await Promise.all(
      ids.map(async (id, i) => {
        // Issued together: the order in which they reach the store is up to the server.
        const [update, remove, lateUpdate] = await Promise.all([
          send(port, rename(id, `renamed${i}`, host)),
          send(port, { method: 'DELETE', path: `/template/${id}`, host }),
          send(port, rename(id, `late${i}`, host)),
        ]);
        return { id, i, update, remove, lateUpdate };
      }),
    );
    for (const { update, remove, lateUpdate } of results) {
      // The template existed and one DELETE was sent: it succeeds. An update either came first or finds nothing.
      expect(outcome(remove)).toBe('ok');
      expect(['ok', 'TemplateNotFound']).toContain(outcome(update));
      expect(['ok', 'TemplateNotFound']).toContain(outcome(lateUpdate));
    }
    // Whatever the order, every id is gone, and so are the names an update gave it.
    expect((await listAll(port, host)).size).toBe(0);
    const reuse = await Promise.all(results.map(({ i }) => send(port, ocrCreate(`renamed${i}`, host))));
    expect(tally(reuse)).toEqual({ ok: ids.length });
  });

  it('lets exactly one of concurrent deletes of one id succeed', async () => {
    const host = hostOf('deletes');
    const id = await created('doomed', host);
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(port, { method: 'DELETE', path: `/template/${id}`, host })));
    expect(tally(answers)).toEqual({ ok: 1, TemplateNotFound: 19 });
    expect((await listAll(port, host)).size).toBe(0);
  });

  it('applies one of concurrent updates of one id, whole', async () => {
    const host = hostOf('updates');
    const id = await created('original', host);
    const names = Array.from({ length: 30 }, (_, i) => `version${i}`);
    const answers = await Promise.all(names.map((name) => send(port, rename(id, name, host))));
    expect(tally(answers)).toEqual({ ok: 30 });
    const listed = await listAll(port, host);
    expect(listed.size).toBe(1);
    // The name is one that an acknowledged update set, and its container came with it (Type fast).
    expect(names).toContain(listed.get(id));
    const page = await send(port, { method: 'GET', path: '/template', query: { ids: id }, host });
    expect(page.body).toContain('<Type>fast</Type>');
  });

  it('gives concurrent renames of two ids to one name exactly one success', async () => {
    const host = hostOf('renames');
    const [first, second] = await Promise.all([created('one', host), created('two', host)]);
    const answers = await Promise.all([send(port, rename(first, 'same', host)), send(port, rename(second, 'same', host))]);
    expect(tally(answers)).toEqual({ ok: 1, TemplateNameDuplicate: 1 });
    const names = [...(await listAll(port, host)).values()].sort();
    expect(names).toEqual(names.includes('one') ? ['one', 'same'] : ['same', 'two']);
  });

  it('answers describes consistently while creates are in flight', async () => {
    const host = hostOf('readers');
    const writes = Array.from({ length: 90 }, (_, i) => send(port, ocrCreate(`r${i}`, host)));
    const reads = Array.from({ length: 30 }, () => send(port, { method: 'GET', path: '/template', query: { pageSize: '100' }, host }));
    const [written, read] = await Promise.all([Promise.all(writes), Promise.all(reads)]);
    expect(tally(written)).toEqual({ ok: 90 });
    for (const answer of read) {
      expect(answer.status).toBe(200);
      // A page is one snapshot: its TotalCount is the number of templates it lists.
      const total = Number(/<TotalCount>(\d+)<\/TotalCount>/.exec(answer.body)?.[1]);
      expect(answer.body.split('<TemplateList>').length - 1).toBe(total);
    }
  });
});
