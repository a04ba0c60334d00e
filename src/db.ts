import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * The schema, one entry per version; `PRAGMA user_version` records how many have run. A release
 * only ever appends an entry, so any older file can be brought forward, and a file from a newer
 * release is refused rather than damaged.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: templates, unique per bucket + Tag + name, listed newest first.
  `CREATE TABLE templates (
     seq        INTEGER PRIMARY KEY,
     id         TEXT    NOT NULL,
     bucket     TEXT    NOT NULL,
     tag        TEXT    NOT NULL,
     name       TEXT    NOT NULL,
     category   TEXT    NOT NULL DEFAULT 'Custom',
     data       TEXT    NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX templates_id ON templates (bucket, id);
   CREATE UNIQUE INDEX templates_name ON templates (bucket, tag, name);
   CREATE INDEX templates_newest ON templates (bucket, category, created_at DESC, seq DESC);
   CREATE INDEX templates_newest_by_tag ON templates (bucket, category, tag, created_at DESC, seq DESC);
   CREATE INDEX templates_by_name ON templates (bucket, category, name);`,
  // 2: counters kept in the same transaction as each write, so TotalCount does not scan.
  `CREATE TABLE template_counts (
     bucket   TEXT    NOT NULL,
     category TEXT    NOT NULL,
     tag      TEXT    NOT NULL,
     n        INTEGER NOT NULL,
     PRIMARY KEY (bucket, category, tag)
   ) WITHOUT ROWID;
   INSERT INTO template_counts (bucket, category, tag, n)
     SELECT bucket, category, tag, count(*) FROM templates GROUP BY bucket, category, tag;
   CREATE TRIGGER template_counts_insert AFTER INSERT ON templates BEGIN
     INSERT INTO template_counts (bucket, category, tag, n) VALUES (new.bucket, new.category, new.tag, 1)
       ON CONFLICT (bucket, category, tag) DO UPDATE SET n = n + 1;
   END;
   CREATE TRIGGER template_counts_delete AFTER DELETE ON templates BEGIN
     UPDATE template_counts SET n = n - 1
       WHERE bucket = old.bucket AND category = old.category AND tag = old.tag;
   END;`,
  // 3: the store keeps the counters itself, in the same transaction as each write: SQLite runs
  // the triggers' upsert at about twice the cost of the insert it follows.
  `DROP TRIGGER template_counts_insert;
   DROP TRIGGER template_counts_delete;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** A file the emulator will not touch; the message says why and what to do. */
export class UnusableDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableDatabaseError';
  }
}

export class SchemaTooNewError extends UnusableDatabaseError {
  constructor(file: string, version: number) {
    super(
      `${file} has schema version ${version}, written by a newer cloud-infinite-emulator; ` +
        `this one knows versions up to ${SCHEMA_VERSION}. Upgrade the emulator or point CIE_DB at another file.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Opens (creating if needed) and migrates the database. `upTo` exists for migration tests. */
export function openDatabase(file: string, upTo: number = SCHEMA_VERSION): SqliteDatabase {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // Before any write (even the switch to WAL changes the file's header): a file this release
    // cannot use is left exactly as it was.
    checkOwnership(db, file);
    configure(db, file);
    migrate(db, file, upTo);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function checkOwnership(db: SqliteDatabase, file: string): void {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) throw new SchemaTooNewError(file, version);
  const tables = db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() as number;
  if (version === 0 && tables > 0) {
    throw new UnusableDatabaseError(
      `${file} is an SQLite database that the emulator did not write (it has tables but no schema version); point CIE_DB at another file.`,
    );
  }
}

function configure(db: SqliteDatabase, file: string): void {
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before any answer is sent, so an acknowledged write survives an
  // OS crash too. Writes are grouped per event-loop tick (see templates/store.ts) to pay one
  // fsync for many requests.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
}

function migrate(db: SqliteDatabase, file: string, upTo: number): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new SchemaTooNewError(file, version);
  if (version >= upTo) return;
  db.transaction(() => {
    for (let next = version; next < upTo; next++) {
      db.exec(MIGRATIONS[next] ?? '');
    }
    db.pragma(`user_version = ${upTo}`);
  })();
}

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}
