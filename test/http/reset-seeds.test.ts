import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SeedError } from '../../src/admin/seeds.js';
import { call, createOcr, DEFAULT_BUCKET, describeOf, ocrBody, testServer } from '../helpers.js';

/** Seeds (CIE_SEED) and the /_emulator/ API around them: health, reset, and CIE_ADMIN_TOKEN. */

const SHIPPED_SEEDS = fileURLToPath(new URL('../../fixtures/seed/', import.meta.url));
const OTHER_BUCKET = 'otherbucket-1250000000';
const OTHER_HOST = `${OTHER_BUCKET}.ci.ap-guangzhou.myqcloud.com`;
const GENERAL_ID = 't1000000000000000000000000000000a1';
const OTHER_ID = 't1000000000000000000000000000000b1';

const dir = mkdtempSync(join(tmpdir(), 'cie-seeds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let folderCount = 0;
/** A fresh seed folder holding these files. */
function seedFolder(files: Readonly<Record<string, string>>): string {
  const folder = join(dir, `seeds-${++folderCount}`);
  mkdirSync(folder);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(folder, name), body);
  return folder;
}

const seedBody = (name: string, extra = ''): string =>
  `<Request>${extra}<Tag>ImageOCR</Tag><Name>${name}</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>`;

const names = async (app: FastifyInstance, host?: string): Promise<string[]> => {
  const page = describeOf((await call(app, { method: 'GET', path: '/template', query: { pageSize: '100' }, ...(host === undefined ? {} : { host }) })).body);
  return page.TemplateList.map((template) => template.Name).sort();
};

const admin = (
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  options: { token?: string; json?: unknown } = {},
): Promise<LightMyRequestResponse> =>
  app.inject({
    method,
    url,
    headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    ...(options.json === undefined ? {} : { payload: options.json as Record<string, unknown> }),
  });

describe('the shipped example, fixtures/seed', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    app = await testServer({ seed: SHIPPED_SEEDS });
  });
  afterEach(() => app.close());

  it('is loaded at start: two templates in the default bucket, one in another, with their fixed ids', async () => {
    expect(await names(app)).toEqual(['seed-ocr-general', 'seed-ocr-pdf']);
    expect(await names(app, OTHER_HOST)).toEqual(['seed-ocr-fast']);
    const byId = describeOf((await call(app, { method: 'GET', path: '/template', query: { ids: GENERAL_ID } })).body);
    expect(byId.TemplateList[0]).toMatchObject({
      TemplateId: GENERAL_ID,
      BucketId: DEFAULT_BUCKET,
      ImageOCR: { Type: 'general', LanguageType: 'zh', IsPdf: 'false' },
    });
    const other = describeOf((await call(app, { method: 'GET', path: '/template', query: { ids: OTHER_ID }, host: OTHER_HOST })).body);
    expect(other.TemplateList[0]).toMatchObject({ TemplateId: OTHER_ID, BucketId: OTHER_BUCKET, ImageOCR: { Type: 'fast', EnableWordPolygon: 'true' } });
  });

  it('can be updated and deleted like any template', async () => {
    const update = await call(app, { method: 'PUT', path: `/template/${GENERAL_ID}`, body: ocrBody('renamed') });
    expect(update.statusCode).toBe(200);
    expect((await call(app, { method: 'DELETE', path: `/template/${GENERAL_ID}` })).statusCode).toBe(200);
    expect(await names(app)).toEqual(['seed-ocr-pdf']);
  });
});

describe('GET /_emulator/health', () => {
  it('answers ready, with no token even when CIE_ADMIN_TOKEN is set', async () => {
    const app = await testServer({ seed: SHIPPED_SEEDS, adminToken: 'tok' });
    const health = await admin(app, 'GET', '/_emulator/health');
    expect(health.statusCode).toBe(200);
    expect(health.headers['content-type']).toMatch(/^application\/json/);
    expect(health.json()).toMatchObject({ status: 'ready', auth: 'strict', defaultBucket: DEFAULT_BUCKET });
    await app.close();
  });
});

describe('POST /_emulator/reset', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    app = await testServer({ seed: SHIPPED_SEEDS });
  });
  afterEach(() => app.close());

  it('removes every template of every bucket, reloads the seeds and clears the faults; the journal stays', async () => {
    await createOcr(app, 'mine-1');
    await createOcr(app, 'mine-2');
    await createOcr(app, 'theirs', { host: OTHER_HOST });
    const other = await createOcr(app, 'elsewhere', { host: 'third-1250000000.ci.ap-beijing.myqcloud.com' });
    const fault = await admin(app, 'POST', '/_emulator/faults', { json: { match: { path: '/template/none' }, times: 5 } });
    expect(fault.statusCode).toBe(201);
    const journalBefore = (await admin(app, 'GET', '/_emulator/requests')).json<{ requests: unknown[] }>();

    const reset = await admin(app, 'POST', '/_emulator/reset');
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toEqual({ reset: 'all', removed: 7, seeded: 3, jobsRemoved: 0, faultsCleared: true });

    expect(await names(app)).toEqual(['seed-ocr-general', 'seed-ocr-pdf']);
    expect(await names(app, OTHER_HOST)).toEqual(['seed-ocr-fast']);
    expect(await names(app, 'third-1250000000.ci.ap-beijing.myqcloud.com')).toEqual([]);
    expect((await call(app, { method: 'DELETE', path: `/template/${other.TemplateId}`, host: 'third-1250000000.ci.ap-beijing.myqcloud.com' })).statusCode).toBe(
      404,
    );
    expect((await admin(app, 'GET', '/_emulator/faults')).json()).toEqual({ faults: [] });
    const journalAfter = (await admin(app, 'GET', '/_emulator/requests')).json<{ requests: unknown[] }>();
    expect(journalAfter.requests.length).toBeGreaterThanOrEqual(journalBefore.requests.length);
  });

  it('gives a seed without TemplateId a new id at each reset, and keeps a fixed one', async () => {
    const idOf = async (name: string): Promise<string> =>
      describeOf((await call(app, { method: 'GET', path: '/template', query: { name } })).body).TemplateList[0]!.TemplateId;
    const before = await idOf('seed-ocr-pdf');
    await admin(app, 'POST', '/_emulator/reset');
    expect(await idOf('seed-ocr-pdf')).not.toBe(before);
    expect(await idOf('seed-ocr-general')).toBe(GENERAL_ID);
  });

  it('with ?bucket= resets that bucket only, reloading its own seeds and leaving the faults', async () => {
    await createOcr(app, 'mine');
    await createOcr(app, 'theirs-1', { host: OTHER_HOST });
    await createOcr(app, 'theirs-2', { host: OTHER_HOST });
    await admin(app, 'POST', '/_emulator/faults', { json: { match: { path: '/template/none' } } });

    const reset = await admin(app, 'POST', `/_emulator/reset?bucket=${OTHER_BUCKET}`);
    expect(reset.json()).toEqual({ reset: OTHER_BUCKET, removed: 3, seeded: 1, jobsRemoved: 0, faultsCleared: false });
    expect(await names(app, OTHER_HOST)).toEqual(['seed-ocr-fast']);
    expect(await names(app)).toEqual(['mine', 'seed-ocr-general', 'seed-ocr-pdf']);
    expect((await admin(app, 'GET', '/_emulator/faults')).json<{ faults: unknown[] }>().faults).toHaveLength(1);
  });

  it('with ?bucket= of a bucket that has no seeds, empties it', async () => {
    const host = 'empty-1250000000.ci.ap-guangzhou.myqcloud.com';
    await createOcr(app, 'gone', { host });
    expect((await admin(app, 'POST', '/_emulator/reset?bucket=empty-1250000000')).json()).toMatchObject({ removed: 1, seeded: 0 });
    expect(await names(app, host)).toEqual([]);
    expect(await names(app)).toEqual(['seed-ocr-general', 'seed-ocr-pdf']);
  });

  it('refuses a ?bucket= that is not a bucket name, changing nothing', async () => {
    const reset = await admin(app, 'POST', '/_emulator/reset?bucket=Not_A_Bucket');
    expect(reset.statusCode).toBe(400);
    expect(reset.json()).toMatchObject({ error: 'InvalidBucket' });
    expect(await names(app)).toEqual(['seed-ocr-general', 'seed-ocr-pdf']);
  });

  it("frees the seeds' names, so creating them again after a reset without seeds works", async () => {
    const unseeded = await testServer();
    await createOcr(unseeded, 'seed-ocr-general');
    expect((await admin(unseeded, 'POST', '/_emulator/reset')).json()).toEqual({ reset: 'all', removed: 1, seeded: 0, jobsRemoved: 0, faultsCleared: true });
    await createOcr(unseeded, 'seed-ocr-general');
    await unseeded.close();
  });
});

describe('seeds across restarts on the same database file', () => {
  it('replaces each seeded template rather than adding a copy, and keeps the other templates', async () => {
    const db = join(dir, 'restart.db');
    const folder = seedFolder({ 'fixed.xml': seedBody('fixed', `<TemplateId>${GENERAL_ID}</TemplateId>`), 'named.xml': seedBody('named') });
    const first = await testServer({ db, seed: folder });
    await createOcr(first, 'user-made');
    const named = describeOf((await call(first, { method: 'GET', path: '/template', query: { name: 'named' } })).body).TemplateList[0]!;
    // A change to a seeded template is undone by the next start: seeds are the fixture's truth.
    await call(first, {
      method: 'PUT',
      path: `/template/${GENERAL_ID}`,
      body: '<Request><Tag>ImageOCR</Tag><Name>fixed</Name><ImageOCR><Type>accurate</Type></ImageOCR></Request>',
    });
    await first.close();

    const second = await testServer({ db, seed: folder });
    expect(await names(second)).toEqual(['fixed', 'named', 'user-made']);
    const page = describeOf((await call(second, { method: 'GET', path: '/template', query: { ids: `${GENERAL_ID},${named.TemplateId}` } })).body);
    expect(page.TemplateList.map((template) => [template.TemplateId, (template['ImageOCR'] as { Type: string }).Type]).sort()).toEqual(
      [
        [GENERAL_ID, 'fast'],
        [named.TemplateId, 'fast'],
      ].sort(),
    );
    await second.close();
  });
});

describe('a seed folder', () => {
  it('loads *.xml files only, skipping hidden ones and other extensions', async () => {
    const folder = seedFolder({ 'a.xml': seedBody('from-a'), 'notes.txt': 'not xml', '.editor-swap.xml': '<broken', 'b.XML.bak': '<broken' });
    const app = await testServer({ seed: folder });
    expect(await names(app)).toEqual(['from-a']);
    await app.close();
  });

  it('may be empty', async () => {
    const app = await testServer({ seed: seedFolder({}) });
    expect(await names(app)).toEqual([]);
    await app.close();
  });

  const badSeeds: readonly (readonly [label: string, files: Record<string, string>, file: string, reason: RegExp])[] = [
    ['XML that is not well-formed', { 'ok.xml': seedBody('ok'), 'bad.xml': '<Request><Tag>ImageOCR</Tag>' }, 'bad.xml', /InvalidContent/],
    ['an empty file', { 'empty.xml': '' }, 'empty.xml', /MissingContent/],
    ['a root other than <Request>', { 'root.xml': '<Template><Tag>ImageOCR</Tag></Template>' }, 'root.xml', /InvalidContent/],
    ['a name CI refuses', { 'name.xml': seedBody('bad name') }, 'name.xml', /InvalidArgument: Name "bad name"/],
    [
      'a field the kind does not know',
      { 'field.xml': '<Request><Tag>ImageOCR</Tag><Name>n</Name><ImageOCR><Typo>x</Typo></ImageOCR></Request>' },
      'field.xml',
      /InvalidArgument: .*Typo/,
    ],
    ['an unknown Tag', { 'tag.xml': '<Request><Tag>Nope</Tag><Name>n</Name></Request>' }, 'tag.xml', /Tag "Nope" is not a template kind/],
    [
      'a malformed TemplateId',
      { 'id.xml': seedBody('n', '<TemplateId>t1XYZ</TemplateId>') },
      'id.xml',
      /TemplateId "t1XYZ" is not t1 followed by 32 lowercase hex/,
    ],
    ['a malformed Bucket', { 'bucket.xml': seedBody('n', '<Bucket>nobucket</Bucket>') }, 'bucket.xml', /Bucket "nobucket" is not a bucket/],
    ['a name another file already seeds', { 'a.xml': seedBody('twin'), 'b.xml': seedBody('twin') }, 'b.xml', /repeats the Tag and Name of .*a\.xml/],
    [
      'a TemplateId another file already seeds',
      { 'a.xml': seedBody('one', `<TemplateId>${GENERAL_ID}</TemplateId>`), 'b.xml': seedBody('two', `<TemplateId>${GENERAL_ID}</TemplateId>`) },
      'b.xml',
      /repeats the TemplateId of .*a\.xml/,
    ],
  ];

  it.each(badSeeds)('with %s stops start-up, naming the file and the reason', async (_label, files, file, reason) => {
    const folder = seedFolder(files);
    const error = await testServer({ seed: folder }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(SeedError);
    expect((error as SeedError).message).toContain(`CIE_SEED: seed file ${join(folder, file)}: `);
    expect((error as SeedError).message).toMatch(reason);
  });

  it('that does not exist stops start-up too', async () => {
    await expect(testServer({ seed: join(dir, 'no-such-folder') })).rejects.toThrow(/^CIE_SEED: seed folder .*no-such-folder: it cannot be read \(ENOENT\)$/);
  });

  it('is reloaded by reset exactly as it was at start, so the same ids come back', async () => {
    const app = await testServer({ seed: seedFolder({ 'x.xml': seedBody('x', `<TemplateId>${OTHER_ID}</TemplateId>`) }) });
    await call(app, { method: 'DELETE', path: `/template/${OTHER_ID}` });
    expect((await admin(app, 'POST', '/_emulator/reset')).json()).toMatchObject({ removed: 0, seeded: 1 });
    expect((await call(app, { method: 'GET', path: '/template', query: { ids: OTHER_ID } })).body).toContain(`<TemplateId>${OTHER_ID}</TemplateId>`);
    await app.close();
  });
});

describe('CIE_ADMIN_TOKEN', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    app = await testServer({ adminToken: 'let-me-in', seed: SHIPPED_SEEDS });
  });
  afterEach(() => app.close());

  it.each([
    ['POST', '/_emulator/reset'],
    ['GET', '/_emulator/requests'],
    ['DELETE', '/_emulator/requests'],
    ['GET', '/_emulator/faults'],
    ['POST', '/_emulator/faults'],
    ['DELETE', '/_emulator/faults'],
    ['GET', '/_emulator/'],
  ] as const)('protects %s %s: 401 JSON without the token or with a wrong one', async (method, url) => {
    for (const token of [undefined, 'let-me-out', 'let-me-in-too']) {
      const response = await admin(app, method, url, token === undefined ? {} : { token });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'Unauthorized' });
    }
  });

  it('lets a reset through with Authorization: Bearer <token>, and refused ones changed nothing', async () => {
    await createOcr(app, 'kept-until-reset');
    expect((await admin(app, 'POST', '/_emulator/reset')).statusCode).toBe(401);
    expect(await names(app)).toContain('kept-until-reset');
    const reset = await admin(app, 'POST', '/_emulator/reset', { token: 'let-me-in' });
    expect(reset.statusCode).toBe(200);
    expect(await names(app)).toEqual(['seed-ocr-general', 'seed-ocr-pdf']);
  });

  it('does not touch the CI API, which q-sign protects', async () => {
    expect((await call(app, { method: 'GET', path: '/template' })).statusCode).toBe(200);
  });
});
