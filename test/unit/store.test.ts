import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/api/resources.js';
import { DatabaseInUseError, openDatabase, ownerFile, SchemaTooNewError, schemaVersion } from '../../src/db.js';
import { Storage } from '../../src/storage.js';
import { describeSql, type DescribeShape, type SeedRecord, type SqliteTemplateStore } from '../../src/templates/store.js';
import { Random } from '../fuzz/random.js';

const SCHEMA_VERSION = MIGRATIONS.length;

/** A store on its own database, and how to close it. */
function openStore(file: string): { store: SqliteTemplateStore; close: () => void } {
  const storage = Storage.open(file);
  return { store: storage.templates, close: () => storage.close() };
}

const dir = mkdtempSync(join(tmpdir(), 'cie-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const content = (name: string) => ({ tag: 'ImageOCR', name, data: { ImageOCR: { Type: 'general' } } });
const filter = { bucket: 'b-1', category: 'Custom' as const, tag: undefined, ids: undefined, namePrefix: undefined, pageNumber: 1, pageSize: 10 };

describe('describe queries', () => {
  const shapes: DescribeShape[] = [];
  for (const byTag of [false, true]) for (const byIds of [false, true]) for (const byName of [false, true]) shapes.push({ byTag, byIds, byName });

  it.each(shapes.map((shape) => [JSON.stringify(shape), shape] as const))('%s pages through an index, never sorting or scanning the table', (_label, shape) => {
    const db = openDatabase(':memory:', MIGRATIONS);
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
    const { store, close } = openStore(':memory:');
    const ids = ['a', 'b', 'c'].map((_name, i) => `t1${String(i).repeat(32)}`);
    await Promise.all(['a', 'b', 'c'].map((name, i) => store.create('b-1', ids[i]!, content(name), 1)));
    await store.remove('b-1', ids[0]!);
    expect(store.describe(filter).totalCount).toBe(2);
    await store.reset('b-1', [], 1);
    expect(store.describe(filter).totalCount).toBe(0);
    expect(store.buckets()).toEqual([]);
    close();
  });
});

describe('write outcomes', () => {
  const id = (digit: number): string => `t1${String(digit).repeat(32)}`;

  it('answers what a write came to, never a wire error', async () => {
    const { store, close } = openStore(':memory:');
    expect(await store.create('b-1', id(1), content('one'), 1)).toMatchObject({ outcome: 'created', template: { id: id(1), name: 'one', createdAt: 1 } });
    expect(await store.create('b-1', id(2), content('one'), 1)).toEqual({ outcome: 'duplicateName' });
    expect(await store.create('b-1', id(1), content('two'), 1)).toEqual({ outcome: 'idTaken' });
    expect(await store.update('b-1', id(1), content('renamed'), 2)).toMatchObject({
      outcome: 'updated',
      template: { name: 'renamed', createdAt: 1, updatedAt: 2 },
    });
    expect(await store.update('b-1', id(9), content('x'), 2)).toEqual({ outcome: 'notFound' });
    expect(await store.update('b-1', id(1), { ...content('x'), tag: 'Snapshot' }, 2)).toEqual({ outcome: 'otherTag', storedTag: 'ImageOCR' });
    await store.create('b-1', id(3), content('three'), 1);
    expect(await store.update('b-1', id(1), content('three'), 2)).toEqual({ outcome: 'duplicateName' });
    expect(await store.remove('b-1', id(1))).toEqual({ outcome: 'removed' });
    expect(await store.remove('b-1', id(1))).toEqual({ outcome: 'notFound' });
    expect(await store.remove('b-2', id(3))).toEqual({ outcome: 'notFound' });
    close();
  });
});

describe('group commit', () => {
  it('commits the writes of one tick together and refuses only the clashing one', async () => {
    const { store, close } = openStore(join(dir, 'batch.db'));
    const results = await Promise.all([
      store.create('b-1', `t1${'1'.repeat(32)}`, content('same'), 1),
      store.create('b-1', `t1${'2'.repeat(32)}`, content('same'), 1),
      store.create('b-1', `t1${'3'.repeat(32)}`, content('other'), 1),
    ]);
    expect(results.map((result) => result.outcome)).toEqual(['created', 'duplicateName', 'created']);
    expect(store.describe(filter).totalCount).toBe(2);
    close();
  });
});

describe('schema versions', () => {
  it('creates a new file at the current version', () => {
    const db = openDatabase(join(dir, 'new.db'), MIGRATIONS);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('migrates a version-1 file, keeping its templates and filling the counters', () => {
    const file = join(dir, 'old.db');
    const old = openDatabase(file, MIGRATIONS, 1);
    old.prepare("INSERT INTO templates (id, bucket, tag, name, data, created_at, updated_at) VALUES ('t1a', 'b-1', 'ImageOCR', 'kept', '{}', 1, 1)").run();
    expect(schemaVersion(old)).toBe(1);
    old.close();

    const { store, close } = openStore(file);
    expect(store.describe(filter)).toMatchObject({ totalCount: 1, templates: [expect.objectContaining({ id: 't1a', name: 'kept' })] });
    close();
  });

  it('refuses a file from a newer release without touching it', () => {
    const file = join(dir, 'future.db');
    const future = new Database(file);
    future.exec('CREATE TABLE mystery (x)');
    future.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    future.close();
    expect(() => openDatabase(file, MIGRATIONS)).toThrow(SchemaTooNewError);
    const after = new Database(file);
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'templates'").get()).toBeUndefined();
    after.close();
  });
});

describe('describe answers kept until the next write', () => {
  it('answers the same page object until a write, then reads again', async () => {
    const { store, close } = openStore(':memory:');
    await store.create('b-1', `t1${'1'.repeat(32)}`, content('first'), 1);
    const before = store.describe(filter);
    expect(store.describe(filter)).toBe(before);
    await store.create('b-1', `t1${'2'.repeat(32)}`, content('second'), 2);
    const after = store.describe(filter);
    expect(after).not.toBe(before);
    expect(after.templates.map((template) => template.name)).toEqual(['second', 'first']);
    close();
  });

  it.each([
    ['an update', async (store: SqliteTemplateStore) => store.update('b-1', `t1${'1'.repeat(32)}`, content('renamed'), 2)],
    ['a delete', async (store: SqliteTemplateStore) => store.remove('b-1', `t1${'1'.repeat(32)}`)],
    ['a reset', async (store: SqliteTemplateStore) => store.reset('b-1', [], 2)],
    ['seeds', async (store: SqliteTemplateStore) => store.upsertSeeds([{ bucket: 'b-1', id: undefined, content: content('seeded') }], 2)],
    ['a refused write', async (store: SqliteTemplateStore) => store.create('b-1', `t1${'3'.repeat(32)}`, content('first'), 2)],
  ])('reads again after %s', async (_what, write) => {
    const { store, close } = openStore(':memory:');
    await store.create('b-1', `t1${'1'.repeat(32)}`, content('first'), 1);
    const before = store.describe(filter);
    await write(store);
    expect(store.describe(filter)).not.toBe(before);
    close();
  });

  it('keeps filters apart, a "*" prefix included', async () => {
    const { store, close } = openStore(':memory:');
    await store.create('b-1', `t1${'1'.repeat(32)}`, content('plain'), 1);
    expect(store.describe(filter).totalCount).toBe(1);
    expect(store.describe({ ...filter, namePrefix: '*' }).totalCount).toBe(0);
    expect(store.describe({ ...filter, ids: ['*'] }).totalCount).toBe(0);
    expect(store.describe({ ...filter, bucket: 'b-2' }).totalCount).toBe(0);
    close();
  });
});

describe('the counters TotalCount reads', () => {
  const BUCKETS = ['b-1', 'b-2', 'b-3'];
  const TAGS = ['ImageOCR', 'Snapshot', 'Transcode'];
  const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

  /**
   * Every count the counters answer (a bucket, a bucket and Tag, the dashboard's buckets), and the
   * same count made by counting rows: a name prefix of '' matches every name, and a count with a
   * name filter reads the table.
   */
  function counts(store: SqliteTemplateStore): { fromCounters: unknown; fromRows: unknown } {
    const fromCounters: Record<string, number> = {};
    const fromRows: Record<string, number> = {};
    for (const bucket of BUCKETS) {
      for (const tag of [undefined, ...TAGS]) {
        const key = `${bucket} ${tag ?? 'All'}`;
        fromCounters[key] = store.describe({ ...filter, bucket, tag }).totalCount;
        fromRows[key] = store.describe({ ...filter, bucket, tag, namePrefix: '' }).totalCount;
      }
    }
    const buckets = Object.fromEntries(store.buckets().map(({ bucket, count }) => [bucket, count]));
    const rowsPerBucket = Object.fromEntries(BUCKETS.map((bucket) => [bucket, fromRows[`${bucket} All`]]).filter(([, count]) => count !== 0));
    return { fromCounters: { ...fromCounters, buckets }, fromRows: { ...fromRows, buckets: rowsPerBucket } };
  }

  it.each([1, 2, 3, 4, 5])('equal count(*) through random creates, updates, deletes, resets and seeds, several writes a commit (seed %i)', async (seed) => {
    const random = new Random(seed);
    const { store, close } = openStore(':memory:');
    const ids: [string, string][] = [];
    const newId = (): string => `t1${random.hex(32)}`;
    const someId = (): [string, string] => (ids.length > 0 && random.chance(0.8) ? random.pick(ids) : [random.pick(BUCKETS), newId()]);
    const someContent = () => ({ tag: random.pick(TAGS), name: random.pick(NAMES), data: { X: { Y: random.hex(2) } } });
    const seeds = (): SeedRecord[] =>
      Array.from({ length: random.int(0, 3) }, () => ({
        bucket: random.pick(BUCKETS),
        id: random.chance(0.5) ? newId() : undefined,
        content: { ...someContent(), name: `seed-${random.hex(4)}` },
      }));
    for (let step = 0; step < 60; step++) {
      // The writes of one tick share a commit; a refused one (a duplicate name) must leave the counters as they were.
      const writes = Array.from({ length: random.int(1, 6) }, () => {
        const roll = random.float();
        if (roll < 0.45) {
          const id = newId();
          const bucket = random.pick(BUCKETS);
          ids.push([bucket, id]);
          return store.create(bucket, id, someContent(), step);
        }
        if (roll < 0.65) {
          const [bucket, id] = someId();
          return store.update(bucket, id, someContent(), step);
        }
        if (roll < 0.85) {
          const [bucket, id] = someId();
          return store.remove(bucket, id);
        }
        if (roll < 0.95) return store.reset(random.chance(0.5) ? random.pick(BUCKETS) : undefined, seeds(), step);
        return Promise.resolve(store.upsertSeeds(seeds(), step));
      });
      await Promise.all(writes);
      const { fromCounters, fromRows } = counts(store);
      expect(fromCounters, `after step ${step}`).toEqual(fromRows);
    }
    close();
  });
});

describe('one file, one holder', () => {
  it('refuses a second connection to a held file, naming this process as the holder', () => {
    const file = join(dir, 'held.db');
    const first = Storage.open(file);
    first.listeningAt('http://127.0.0.1:9999');
    expect(JSON.parse(readFileSync(ownerFile(file), 'utf8'))).toEqual({ pid: process.pid, url: 'http://127.0.0.1:9999' });
    expect(() => Storage.open(file)).toThrow(DatabaseInUseError);
    expect(() => Storage.open(file)).toThrow(`is in use by another emulator (pid ${process.pid}, http://127.0.0.1:9999)`);
    first.close();
    expect(existsSync(ownerFile(file))).toBe(false);
    Storage.open(file).close();
  });

  it('keeps :memory: databases apart, each its own', () => {
    const a = Storage.open(':memory:');
    const b = Storage.open(':memory:');
    a.close();
    b.close();
  });

  it('refuses schema steps that are not numbered 1, 2, 3, …', () => {
    const step = (version: number) => ({ version, resource: 'probe', sql: 'SELECT 1' });
    expect(() => openDatabase(':memory:', [step(1), step(3)])).toThrow(/schema step 2 is numbered 3 \(probe\)/);
    expect(() => openDatabase(':memory:', [step(1), step(1)])).toThrow(/schema step 2 is numbered 1/);
  });
});
