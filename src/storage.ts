import { resolve } from 'node:path';
import { MIGRATIONS } from './api/resources.js';
import { ConfigError, envName } from './config.js';
import { closeDatabase, openDatabase, recordOwnerUrl, UnusableDatabaseError, type SqliteDatabase } from './db.js';
import { SqliteJobStore } from './jobs/store.js';
import { SqliteTemplateStore } from './templates/store.js';
import { WriteBatcher } from './write-batcher.js';

/**
 * The database file and the stores of every resource on it. The emulator opens it once; who
 * opens it closes it (a Storage handed to buildServer stays open when the server closes).
 */
export class Storage {
  readonly templates: SqliteTemplateStore;
  readonly jobs: SqliteJobStore;
  readonly #writes: WriteBatcher;

  private constructor(private readonly db: SqliteDatabase) {
    this.#writes = new WriteBatcher(db);
    this.templates = new SqliteTemplateStore(db, this.#writes);
    this.jobs = new SqliteJobStore(db, this.#writes);
  }

  /** Opens, locks and migrates the file (or `:memory:`); throws what openDatabase throws. */
  static open(file: string): Storage {
    return new Storage(openDatabase(file, MIGRATIONS));
  }

  /** Tells a second emulator started on this file where the first one listens. */
  listeningAt(url: string): void {
    if (!this.db.memory) recordOwnerUrl(this.db.name, url);
  }

  close(): void {
    this.#writes.flush();
    closeDatabase(this.db);
  }
}

/**
 * Opens CIE_DB for the emulator. A file that cannot be opened (a folder, no permission, not
 * SQLite) becomes a ConfigError naming CIE_DB; a file from a newer release, or one another
 * emulator holds, keeps its own message.
 */
export function openStorage(file: string): Storage {
  try {
    return Storage.open(file);
  } catch (error) {
    if (error instanceof UnusableDatabaseError || error instanceof ConfigError) throw error;
    const { code, message } = error as NodeJS.ErrnoException;
    const location = file === ':memory:' ? file : resolve(file);
    throw new ConfigError(`${envName('db')}: cannot open ${location} (${code ?? 'error'}: ${message})`);
  }
}
