import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * One step of the schema. Each resource declares its own, numbered in one sequence shared by
 * all resources (`PRAGMA user_version` records how many have run). A release only ever appends
 * steps, so any older file can be brought forward, and a file from a newer release is refused
 * rather than damaged.
 */
export interface Migration {
  readonly version: number;
  /** Which resource the step belongs to, for the messages. */
  readonly resource: string;
  readonly sql: string;
}

/** A file the emulator will not touch; the message says why and what to do. */
export class UnusableDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableDatabaseError';
  }
}

export class SchemaTooNewError extends UnusableDatabaseError {
  constructor(file: string, version: number, known: number) {
    super(
      `${file} has schema version ${version}, written by a newer cloud-infinite-emulator; ` +
        `this one knows versions up to ${known}. Upgrade the emulator or point CIE_DB at another file.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Another process holds the file: one emulator per database file. */
export class DatabaseInUseError extends UnusableDatabaseError {
  constructor(file: string, owner: DatabaseOwner | undefined) {
    const holder = owner === undefined ? 'another process' : `another emulator (pid ${owner.pid}${owner.url === undefined ? '' : `, ${owner.url}`})`;
    const share = owner?.url === undefined ? "share the first emulator's URL" : `share ${owner.url}`;
    super(`CIE_DB: ${file} is in use by ${holder}. Point CIE_DB at another file, use :memory:, or ${share} instead of starting a second emulator.`);
    this.name = 'DatabaseInUseError';
  }
}

/** Who holds a database file: written beside it for the message a second process gets. */
export interface DatabaseOwner {
  readonly pid: number;
  readonly url?: string;
}

/** `data/ci-emulator.db` → `data/ci-emulator.db.owner`: informational; the lock is SQLite's. */
export const ownerFile = (file: string): string => `${file}.owner`;

/**
 * Opens (creating if needed), locks and migrates the database. The lock is SQLite's exclusive
 * locking mode, which holds the file's OS lock until the connection closes; the OS releases it
 * when the process dies, so kill -9 never leaves a stale lock. A second process, or a second
 * connection in this one, is refused with DatabaseInUseError. `upTo` exists for migration tests.
 */
export function openDatabase(file: string, migrations: readonly Migration[], upTo: number = migrations.length): SqliteDatabase {
  checkSequence(migrations);
  const inMemory = file === ':memory:';
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  // No busy wait: a held file is refused at once, not after a timeout.
  const db = new Database(file, { timeout: 0 });
  try {
    if (!inMemory) lockExclusively(db, file);
    // Before any write (even the switch to WAL changes the file's header): a file this release
    // cannot use is left exactly as it was.
    checkOwnership(db, file, migrations.length);
    configure(db, inMemory);
    migrate(db, migrations, upTo);
    if (!inMemory) writeOwner(file, { pid: process.pid });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Records the URL of the emulator that holds the file, for a second one's message. */
export function recordOwnerUrl(file: string, url: string): void {
  if (file !== ':memory:') writeOwner(file, { pid: process.pid, url });
}

/** Closes the database and removes the owner note, if it is still this process's. */
export function closeDatabase(db: SqliteDatabase): void {
  if (!db.open) return;
  const file = db.memory ? undefined : db.name;
  db.close();
  if (file !== undefined && readOwner(file)?.pid === process.pid) rmSync(ownerFile(file), { force: true });
}

function lockExclusively(db: SqliteDatabase, file: string): void {
  // Set before the first read and before WAL: the WAL index then lives in this process's
  // memory, and the locks, once taken, are never released while the connection is open.
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DatabaseInUseError(resolve(file), readOwner(file));
    throw error;
  }
}

function writeOwner(file: string, owner: DatabaseOwner): void {
  try {
    writeFileSync(ownerFile(file), `${JSON.stringify(owner)}\n`);
  } catch {
    // The note only improves a message; a read-only folder must not stop the emulator.
  }
}

function readOwner(file: string): DatabaseOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(ownerFile(file), 'utf8')) as Partial<DatabaseOwner>;
    if (typeof owner.pid !== 'number') return undefined;
    return typeof owner.url === 'string' ? { pid: owner.pid, url: owner.url } : { pid: owner.pid };
  } catch {
    return undefined;
  }
}

/** The steps must be numbered 1, 2, 3, … with no gap and no number used twice. */
function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`schema step ${index + 1} is numbered ${migration.version} (${migration.resource}): number each resource's steps after the last one`);
    }
  });
}

function checkOwnership(db: SqliteDatabase, file: string, known: number): void {
  const version = schemaVersion(db);
  if (version > known) throw new SchemaTooNewError(file, version, known);
  const tables = db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() as number;
  if (version === 0 && tables > 0) {
    throw new UnusableDatabaseError(
      `${file} is an SQLite database that the emulator did not write (it has tables but no schema version); point CIE_DB at another file.`,
    );
  }
}

function configure(db: SqliteDatabase, inMemory: boolean): void {
  if (!inMemory) db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before any answer is sent, so an acknowledged write survives an
  // OS crash too. Writes are grouped per event-loop tick (see templates/store.ts) to pay one
  // fsync for many requests.
  db.pragma('synchronous = FULL');
}

function migrate(db: SqliteDatabase, migrations: readonly Migration[], upTo: number): void {
  const version = schemaVersion(db);
  if (version >= upTo) return;
  db.transaction(() => {
    for (const migration of migrations.slice(version, upTo)) db.exec(migration.sql);
    db.pragma(`user_version = ${upTo}`);
  })();
}

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}
