import type { SqliteDatabase } from './db.js';

interface PendingWrite {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit, shared by every store of a database: the writes that arrive during one event-loop tick run in one transaction, and
 * none is answered before that transaction's COMMIT returns (synchronous = FULL). Each write runs
 * in a savepoint of its own, so one that fails (a duplicate name) leaves nothing half done and
 * the others in the batch intact.
 */
export class WriteBatcher {
  #pending: PendingWrite[] = [];
  #scheduled = false;
  readonly #isolated: (run: () => unknown) => unknown;

  constructor(private readonly db: SqliteDatabase) {
    // Inside the batch's BEGIN, better-sqlite3 makes this a SAVEPOINT … RELEASE / ROLLBACK TO.
    this.#isolated = db.transaction((run: () => unknown) => run());
  }

  enqueue<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const write of batch) {
        try {
          outcomes.push({ ok: true, value: this.#isolated(write.run) });
        } catch (error) {
          outcomes.push({ ok: false, value: error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.value);
    });
  }
}
