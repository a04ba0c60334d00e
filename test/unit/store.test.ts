import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, SCHEMA_VERSION, SchemaTooNewError, schemaVersion } from '../../src/db.js';
import { describeSql, SqliteTemplateStore, type DescribeShape } from '../../src/templates/store.js';

const dir = mkdtempSync(join(tmpdir(), 'cie-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const content = (name: string) => ({ tag: 'ImageOCR', name, data: { ImageOCR: { Type: 'general' } } });
const filter = { bucket: 'b-1', category: 'Custom' as const, tag: undefined, ids: undefined, namePrefix: undefined, pageNumber: 1, pageSize: 10 };

describe('describe queries', () => {
  const shapes: DescribeShape[] = [];
  for (const byTag of [false, true]) for (const byIds of [false, true]) for (const byName of [false, true]) shapes.push({ byTag, byIds, byName });

  it.each(shapes.map((shape) => [JSON.stringify(shape), shape] as const))('%s pages through an index, never sorting or scanning the table', (_label, shape) => {
    const db = openDatabase(':memory:');
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${describeSql(shape).page}`)
      .all({ bucket: 'b', category: 'Custom', tag: 'ImageOCR', ids: '[]', prefix: 'a', ceiling: 'b', limit: 10, offset: 0 }) as { detail: string }[];
    const details = plan.map((row) => row.detail).join('\n');
    expect(details).not.toMatch(/SCAN templates(?! USING)/);
    if (shape.byIds) expect(details).toContain('USING INDEX templates_id');
    else if (shape.byName) expect(details).toContain('USING INDEX templates_by_name');
    else expect(details).toMatch(/USING INDEX templates_newest\S* \(bucket=\? AND category=\?( AND tag=\?)?\)$/);
    db.close();
  });

  it('counts an unfiltered page from the counters, not the table', () => {
    expect(describeSql({ byTag: false, byIds: false, byName: false }).count).toContain('FROM template_counts');
    expect(describeSql({ byTag: true, byIds: false, byName: false }).count).toContain('FROM template_counts');
    expect(describeSql({ byTag: false, byIds: false, byName: true }).count).toContain('FROM templates');
  });

  it('keeps the counters right through inserts, deletes and a reset', async () => {
    const store = new SqliteTemplateStore(openDatabase(':memory:'));
    const created = await Promise.all(['a', 'b', 'c'].map((name, i) => store.create('b-1', `t1${String(i).repeat(32)}`, content(name), 1)));
    await store.remove('b-1', created[0]!.id);
    expect(store.describe(filter).totalCount).toBe(2);
    await store.reset('b-1', [], 1);
    expect(store.describe(filter).totalCount).toBe(0);
    expect(store.buckets()).toEqual([]);
    store.close();
  });
});

describe('group commit', () => {
  it('commits the writes of one tick together and fails only the bad one', async () => {
    const store = new SqliteTemplateStore(openDatabase(join(dir, 'batch.db')));
    const results = await Promise.allSettled([
      store.create('b-1', `t1${'1'.repeat(32)}`, content('same'), 1),
      store.create('b-1', `t1${'2'.repeat(32)}`, content('same'), 1),
      store.create('b-1', `t1${'3'.repeat(32)}`, content('other'), 1),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.describe(filter).totalCount).toBe(2);
    store.close();
  });
});

describe('schema versions', () => {
  it('creates a new file at the current version', () => {
    const db = openDatabase(join(dir, 'new.db'));
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('migrates a version-1 file, keeping its templates and filling the counters', () => {
    const file = join(dir, 'old.db');
    const old = openDatabase(file, 1);
    old.prepare("INSERT INTO templates (id, bucket, tag, name, data, created_at, updated_at) VALUES ('t1a', 'b-1', 'ImageOCR', 'kept', '{}', 1, 1)").run();
    expect(schemaVersion(old)).toBe(1);
    old.close();

    const store = new SqliteTemplateStore(openDatabase(file));
    expect(store.describe(filter)).toMatchObject({ totalCount: 1, templates: [expect.objectContaining({ id: 't1a', name: 'kept' })] });
    store.close();
  });

  it('refuses a file from a newer release without touching it', () => {
    const file = join(dir, 'future.db');
    const future = new Database(file);
    future.exec('CREATE TABLE mystery (x)');
    future.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    future.close();
    expect(() => openDatabase(file)).toThrow(SchemaTooNewError);
    const after = new Database(file);
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'templates'").get()).toBeUndefined();
    after.close();
  });
});

describe('describe answers kept until the next write', () => {
  it('answers the same page object until a write, then reads again', async () => {
    const store = new SqliteTemplateStore(openDatabase(':memory:'));
    await store.create('b-1', `t1${'1'.repeat(32)}`, content('first'), 1);
    const before = store.describe(filter);
    expect(store.describe(filter)).toBe(before);
    await store.create('b-1', `t1${'2'.repeat(32)}`, content('second'), 2);
    const after = store.describe(filter);
    expect(after).not.toBe(before);
    expect(after.templates.map((template) => template.name)).toEqual(['second', 'first']);
    store.close();
  });

  it.each([
    ['an update', async (store: SqliteTemplateStore) => store.update('b-1', `t1${'1'.repeat(32)}`, content('renamed'), 2)],
    ['a delete', async (store: SqliteTemplateStore) => store.remove('b-1', `t1${'1'.repeat(32)}`)],
    ['a reset', async (store: SqliteTemplateStore) => store.reset('b-1', [], 2)],
    ['seeds', async (store: SqliteTemplateStore) => store.upsertSeeds([{ bucket: 'b-1', id: undefined, content: content('seeded') }], 2)],
    ['a refused write', async (store: SqliteTemplateStore) => store.create('b-1', `t1${'3'.repeat(32)}`, content('first'), 2).catch(() => undefined)],
  ])('reads again after %s', async (_what, write) => {
    const store = new SqliteTemplateStore(openDatabase(':memory:'));
    await store.create('b-1', `t1${'1'.repeat(32)}`, content('first'), 1);
    const before = store.describe(filter);
    await write(store);
    expect(store.describe(filter)).not.toBe(before);
    store.close();
  });

  it('keeps filters apart, a "*" prefix included', async () => {
    const store = new SqliteTemplateStore(openDatabase(':memory:'));
    await store.create('b-1', `t1${'1'.repeat(32)}`, content('plain'), 1);
    expect(store.describe(filter).totalCount).toBe(1);
    expect(store.describe({ ...filter, namePrefix: '*' }).totalCount).toBe(0);
    expect(store.describe({ ...filter, ids: ['*'] }).totalCount).toBe(0);
    expect(store.describe({ ...filter, bucket: 'b-2' }).totalCount).toBe(0);
    store.close();
  });
});
