import type { Statement } from 'better-sqlite3';
import { BoundedCache } from '../bounded-cache.js';
import type { SqliteDatabase } from '../db.js';
import type { WriteBatcher } from '../write-batcher.js';
import { newTemplateId } from '../ids.js';
import type { GroupValue } from '../kinds/schema.js';

export type Category = 'Custom' | 'Official';

export interface StoredTemplate {
  readonly id: string;
  readonly bucket: string;
  readonly tag: string;
  readonly name: string;
  readonly category: Category;
  readonly data: GroupValue;
  /** The data as stored: answers render from it through a cache without parsing it. */
  readonly dataJson: string;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TemplateContent {
  readonly tag: string;
  readonly name: string;
  readonly data: GroupValue;
}

export interface DescribeFilter {
  readonly bucket: string;
  readonly category: Category;
  /** undefined = every Tag. */
  readonly tag: string | undefined;
  readonly ids: readonly string[] | undefined;
  /** A literal, case-sensitive prefix. */
  readonly namePrefix: string | undefined;
  readonly pageNumber: number;
  readonly pageSize: number;
}

export interface DescribePage {
  readonly totalCount: number;
  readonly templates: readonly StoredTemplate[];
  readonly missingIds: readonly string[];
}

/** A template from a seed file: loaded at start and after every reset. */
export interface SeedRecord {
  readonly bucket: string;
  /** A fixed TemplateId, so tests can refer to it; undefined = a new random one. */
  readonly id: string | undefined;
  readonly content: TemplateContent;
}

export interface BucketSummary {
  readonly bucket: string;
  readonly count: number;
}

/**
 * What a write came to. The store answers facts, never wire errors: the routes decide what a
 * duplicate name or a missing id means to a client.
 */
export type CreateOutcome =
  | { readonly outcome: 'created'; readonly template: StoredTemplate }
  /** The bucket has a template of this Tag with this Name. */
  | { readonly outcome: 'duplicateName' }
  /** The bucket already has a template with this TemplateId (a seed's fixed id). */
  | { readonly outcome: 'idTaken' };

export type UpdateOutcome =
  | { readonly outcome: 'updated'; readonly template: StoredTemplate }
  | { readonly outcome: 'notFound' }
  | { readonly outcome: 'duplicateName' }
  /** The template has another Tag: an update replaces a template's data, never its kind. */
  | { readonly outcome: 'otherTag'; readonly storedTag: string };

export type RemoveOutcome = { readonly outcome: 'removed' } | { readonly outcome: 'notFound' };

/** What the routes, the seeds and the dashboard need from persistence. */
export interface TemplateStore {
  create(bucket: string, id: string, content: TemplateContent, now: number): Promise<CreateOutcome>;
  /** Replaces the Name and data of the template with this id, if its Tag is the content's. */
  update(bucket: string, id: string, content: TemplateContent, now: number): Promise<UpdateOutcome>;
  remove(bucket: string, id: string): Promise<RemoveOutcome>;
  /** Removes every template, or one bucket's, and inserts the seeds again, in one transaction. */
  reset(bucket: string | undefined, seeds: readonly SeedRecord[], now: number): Promise<{ removed: number; seeded: number }>;
  /**
   * At start: each seed replaces the template with its TemplateId (or, without one, its Tag and
   * Name) or is added, so restarting on the same file neither fails nor duplicates.
   */
  upsertSeeds(seeds: readonly SeedRecord[], now: number): void;
  /** The bucket's template with this id (a job names it). */
  find(bucket: string, id: string): StoredTemplate | undefined;
  describe(filter: DescribeFilter): DescribePage;
  buckets(): readonly BucketSummary[];
}

type TemplateRow = [id: string, bucket: string, tag: string, name: string, category: Category, data: string, createdAt: number, updatedAt: number];

const COLUMNS = 'id, bucket, tag, name, category, data, created_at, updated_at';
// Names only hold Han characters, ASCII letters, digits, _ - and *, so every name that starts
// with a prefix sorts below the prefix followed by the highest code point.
const PREFIX_CEILING = '\u{10FFFF}';

/** A row as read; its data is parsed only if someone asks (describe answers do not). */
class StoredRow implements StoredTemplate {
  #data: GroupValue | undefined;

  constructor(
    readonly id: string,
    readonly bucket: string,
    readonly tag: string,
    readonly name: string,
    readonly category: Category,
    readonly dataJson: string,
    readonly createdAt: number,
    readonly updatedAt: number,
    data?: GroupValue,
  ) {
    this.#data = data;
  }

  get data(): GroupValue {
    this.#data ??= JSON.parse(this.dataJson) as GroupValue;
    return this.#data;
  }
}

const toTemplate = (row: TemplateRow): StoredTemplate => new StoredRow(...row);

const PAGE_CACHE_LIMIT = 256;
const pageKey = (filter: DescribeFilter): string =>
  JSON.stringify([filter.bucket, filter.category, filter.tag ?? null, filter.ids ?? null, filter.namePrefix ?? null, filter.pageNumber, filter.pageSize]);

const isUniqueViolation = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE';

const NOT_FOUND = { outcome: 'notFound' } as const;
const DUPLICATE_NAME = { outcome: 'duplicateName' } as const;

/** A seed that cannot be stored (its fixed TemplateId or its Name is taken): a bug in the seed set. */
export class SeedConflictError extends Error {}

export interface DescribeShape {
  readonly byTag: boolean;
  readonly byIds: boolean;
  readonly byName: boolean;
}

export const describeShape = (filter: DescribeFilter): DescribeShape => ({
  byTag: filter.tag !== undefined,
  byIds: filter.ids !== undefined,
  byName: filter.namePrefix !== undefined,
});

/**
 * The SQL of a describe. Pages walk an index in (created_at, seq) order, and an unfiltered count
 * reads the per-bucket counters, so the cost of a page does not grow with the number stored.
 */
export function describeSql(shape: DescribeShape): { page: string; count: string } {
  const conditions = ['bucket = @bucket', 'category = @category'];
  if (shape.byTag) conditions.push('tag = @tag');
  if (shape.byIds) conditions.push('id IN (SELECT value FROM json_each(@ids))');
  if (shape.byName) conditions.push('name >= @prefix AND name < @ceiling');
  const where = conditions.join(' AND ');
  // With ids, look each one up rather than walk the bucket's whole list in date order.
  const source = shape.byIds ? 'templates INDEXED BY templates_id' : 'templates';
  const count =
    shape.byIds || shape.byName
      ? `SELECT count(*) FROM ${source} WHERE ${where}`
      : `SELECT coalesce(sum(n), 0) FROM template_counts WHERE bucket = @bucket AND category = @category${shape.byTag ? ' AND tag = @tag' : ''}`;
  return {
    page: `SELECT ${COLUMNS} FROM ${source} WHERE ${where} ORDER BY created_at DESC, seq DESC LIMIT @limit OFFSET @offset`,
    count,
  };
}

export class SqliteTemplateStore implements TemplateStore {
  readonly #db: SqliteDatabase;
  readonly #writes: WriteBatcher;
  readonly #insert: Statement;
  readonly #selectOne: Statement<[string, string], TemplateRow>;
  readonly #selectByName: Statement<[string, string, string], TemplateRow>;
  readonly #update: Statement;
  readonly #delete: Statement<[string, string], { tag: string; category: Category }>;
  readonly #countUp: Statement;
  readonly #countAdd: Statement;
  readonly #countDown: Statement;
  readonly #existingIds: Statement<[string, string], { id: string }>;
  readonly #buckets: Statement<[], BucketSummary>;
  readonly #describeStatements = new Map<string, { page: Statement; count: Statement }>();
  /**
   * Describe answers, kept until the next write. This store is the only writer of its file
   * (the emulator owns it), so a page read after the last write is still exact; every write
   * goes through #write or upsertSeeds, which drop them all.
   */
  readonly #pages = new BoundedCache<string, DescribePage>(PAGE_CACHE_LIMIT);

  constructor(db: SqliteDatabase, writes: WriteBatcher) {
    this.#db = db;
    this.#writes = writes;
    this.#insert = db.prepare(
      `INSERT INTO templates (id, bucket, tag, name, category, data, created_at, updated_at)
       VALUES (@id, @bucket, @tag, @name, 'Custom', @data, @now, @now)`,
    );
    this.#selectOne = db.prepare<[string, string], TemplateRow>(`SELECT ${COLUMNS} FROM templates WHERE bucket = ? AND id = ?`).raw(true);
    this.#selectByName = db
      .prepare<[string, string, string], TemplateRow>(`SELECT ${COLUMNS} FROM templates WHERE bucket = ? AND tag = ? AND name = ?`)
      .raw(true);
    this.#update = db.prepare(`UPDATE templates SET name = @name, data = @data, updated_at = @now WHERE bucket = @bucket AND id = @id`);
    this.#delete = db.prepare('DELETE FROM templates WHERE bucket = ? AND id = ? RETURNING tag, category');
    this.#countUp = db.prepare('UPDATE template_counts SET n = n + 1 WHERE bucket = @bucket AND category = @category AND tag = @tag');
    this.#countAdd = db.prepare('INSERT INTO template_counts (bucket, category, tag, n) VALUES (@bucket, @category, @tag, 1)');
    this.#countDown = db.prepare('UPDATE template_counts SET n = n - 1 WHERE bucket = @bucket AND category = @category AND tag = @tag');
    this.#existingIds = db.prepare('SELECT id FROM templates WHERE bucket = ? AND id IN (SELECT value FROM json_each(?))');
    this.#buckets = db.prepare('SELECT bucket, sum(n) AS count FROM template_counts GROUP BY bucket HAVING sum(n) > 0 ORDER BY bucket');
  }

  /** Every queued write: it runs in the next group commit, and forgets the kept describe pages. */
  #write<T>(run: () => T): Promise<T> {
    return this.#writes.enqueue(() => {
      this.#pages.clear();
      return run();
    });
  }

  create(bucket: string, id: string, content: TemplateContent, now: number): Promise<CreateOutcome> {
    return this.#write(() => this.#insertRow(bucket, id, content, now));
  }

  #insertRow(bucket: string, id: string, content: TemplateContent, now: number): CreateOutcome {
    const dataJson = JSON.stringify(content.data);
    try {
      this.#insert.run({ id, bucket, tag: content.tag, name: content.name, data: dataJson, now });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return this.#selectOne.get(bucket, id) === undefined ? DUPLICATE_NAME : { outcome: 'idTaken' };
    }
    const counter = { bucket, category: 'Custom', tag: content.tag };
    if (this.#countUp.run(counter).changes === 0) this.#countAdd.run(counter);
    return { outcome: 'created', template: new StoredRow(id, bucket, content.tag, content.name, 'Custom', dataJson, now, now, content.data) };
  }

  update(bucket: string, id: string, content: TemplateContent, now: number): Promise<UpdateOutcome> {
    return this.#write((): UpdateOutcome => {
      const existing = this.#selectOne.get(bucket, id);
      if (existing === undefined) return NOT_FOUND;
      const [, , storedTag, , category, , createdAt] = existing;
      if (storedTag !== content.tag) return { outcome: 'otherTag', storedTag };
      const dataJson = JSON.stringify(content.data);
      try {
        this.#update.run({ bucket, id, name: content.name, data: dataJson, now });
      } catch (error) {
        if (isUniqueViolation(error)) return DUPLICATE_NAME;
        throw error;
      }
      return { outcome: 'updated', template: new StoredRow(id, bucket, storedTag, content.name, category, dataJson, createdAt, now, content.data) };
    });
  }

  remove(bucket: string, id: string): Promise<RemoveOutcome> {
    return this.#write((): RemoveOutcome => (this.#deleteRow(bucket, id) ? { outcome: 'removed' } : NOT_FOUND));
  }

  reset(bucket: string | undefined, seeds: readonly SeedRecord[], now: number): Promise<{ removed: number; seeded: number }> {
    // Like every queued write, this runs in a savepoint of its own: all of it happens, or none.
    return this.#write(() => {
      const removed =
        bucket === undefined
          ? this.#db.prepare('DELETE FROM templates').run().changes
          : this.#db.prepare('DELETE FROM templates WHERE bucket = ?').run(bucket).changes;
      if (bucket === undefined) this.#db.prepare('DELETE FROM template_counts').run();
      else this.#db.prepare('DELETE FROM template_counts WHERE bucket = ?').run(bucket);
      const refill = seeds.filter((seed) => bucket === undefined || seed.bucket === bucket);
      for (const seed of refill) this.#insertSeed(seed, seed.id ?? newTemplateId(), now);
      return { removed, seeded: refill.length };
    });
  }

  upsertSeeds(seeds: readonly SeedRecord[], now: number): void {
    if (seeds.length === 0) return;
    this.#pages.clear();
    this.#db.transaction(() => {
      for (const seed of seeds) {
        const sameName = this.#selectByName.get(seed.bucket, seed.content.tag, seed.content.name);
        const sameNameId = sameName?.[0];
        const id = seed.id ?? sameNameId ?? newTemplateId();
        this.#deleteRow(seed.bucket, id);
        if (sameNameId !== undefined) this.#deleteRow(seed.bucket, sameNameId);
        this.#insertSeed(seed, id, now);
      }
    })();
  }

  /** Seeds were checked for clashes among themselves when read: a clash here is a bug. */
  #insertSeed(seed: SeedRecord, id: string, now: number): void {
    const inserted = this.#insertRow(seed.bucket, id, seed.content, now);
    if (inserted.outcome !== 'created')
      throw new SeedConflictError(`seed ${seed.content.tag} ${seed.content.name} (${id}) in ${seed.bucket}: ${inserted.outcome}`);
  }

  /** Answers whether a row was there; its counter goes down in the same transaction. */
  #deleteRow(bucket: string, id: string): boolean {
    const deleted = this.#delete.get(bucket, id);
    if (deleted === undefined) return false;
    this.#countDown.run({ bucket, category: deleted.category, tag: deleted.tag });
    return true;
  }

  find(bucket: string, id: string): StoredTemplate | undefined {
    const row = this.#selectOne.get(bucket, id);
    return row === undefined ? undefined : toTemplate(row);
  }

  describe(filter: DescribeFilter): DescribePage {
    const key = pageKey(filter);
    return this.#pages.get(key) ?? this.#pages.set(key, this.#describeFromSql(filter));
  }

  #describeFromSql(filter: DescribeFilter): DescribePage {
    const statements = this.#describeStatementsFor(filter);
    const idsJson = filter.ids === undefined ? undefined : JSON.stringify(filter.ids);
    const params = {
      bucket: filter.bucket,
      category: filter.category,
      ...(filter.tag === undefined ? {} : { tag: filter.tag }),
      ...(idsJson === undefined ? {} : { ids: idsJson }),
      ...(filter.namePrefix === undefined ? {} : { prefix: filter.namePrefix, ceiling: filter.namePrefix + PREFIX_CEILING }),
    };
    const totalCount = Number((statements.count.get(params) as number | bigint | null) ?? 0);
    const offset = (filter.pageNumber - 1) * filter.pageSize;
    const rows = offset >= totalCount ? [] : (statements.page.all({ ...params, limit: filter.pageSize, offset }) as unknown as TemplateRow[]);
    return { totalCount, templates: rows.map(toTemplate), missingIds: this.#missingIds(filter.bucket, filter.ids, idsJson) };
  }

  #missingIds(bucket: string, ids: readonly string[] | undefined, idsJson: string | undefined): string[] {
    if (ids === undefined || idsJson === undefined) return [];
    const existing = new Set(this.#existingIds.all(bucket, idsJson).map((row) => row.id));
    return [...new Set(ids)].filter((id) => !existing.has(id));
  }

  #describeStatementsFor(filter: DescribeFilter): { page: Statement; count: Statement } {
    const shape = describeShape(filter);
    const key = `${shape.byTag}${shape.byIds}${shape.byName}`;
    const cached = this.#describeStatements.get(key);
    if (cached !== undefined) return cached;
    const sql = describeSql(shape);
    const statements = { page: this.#db.prepare(sql.page).raw(true), count: this.#db.prepare(sql.count).pluck(true) };
    this.#describeStatements.set(key, statements);
    return statements;
  }

  buckets(): readonly BucketSummary[] {
    return this.#buckets.all();
  }
}
