import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../db.js';
import type { GroupValue } from '../kinds/schema.js';
import type { WriteBatcher } from '../write-batcher.js';

/** The states of the docs; the emulator never pauses a job. */
export const JOB_STATES = ['Submitted', 'Running', 'Success', 'Failed', 'Pause', 'Cancel'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** How a job ends: Success, or what a fault (or a test) chose. */
export interface JobEnding {
  readonly state: 'Success' | 'Failed';
  readonly code: string;
  readonly message: string;
}

/** What a job's callback came to: the status, or why it was not sent or failed. */
export interface CallbackOutcome {
  readonly url: string;
  readonly at: string;
  /** `sent` with the HTTP status, or `refused` (host not allowed), `failed` (network), `skipped` (not a Url callback). */
  readonly result: 'sent' | 'refused' | 'failed' | 'skipped';
  readonly status?: number;
  readonly error?: string;
}

export interface StoredJob {
  readonly id: string;
  readonly bucket: string;
  /** The bucket's region, answered in `<Input>`. */
  readonly region: string;
  readonly tag: string;
  readonly queueId: string;
  readonly state: JobState;
  readonly code: string;
  readonly message: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly startedAt: number | undefined;
  readonly endedAt: number | undefined;
  /** When the job is due to start and to end; undefined when it is moved by hand (CIE_JOB_DURATION_MS=manual). */
  readonly runAt: number | undefined;
  readonly endAt: number | undefined;
  readonly ending: JobEnding | undefined;
  readonly templateName: string | undefined;
  /** The request as read: Input, Operation, QueueId, CallBack… */
  readonly data: GroupValue;
  readonly callback: CallbackOutcome | undefined;
}

export type NewJob = Omit<StoredJob, 'startedAt' | 'endedAt' | 'callback' | 'state' | 'code' | 'message'>;

export interface JobFilter {
  readonly bucket: string;
  /** undefined = every Tag. */
  readonly tag: string | undefined;
  readonly queueId: string | undefined;
  /** undefined = every state. */
  readonly states: readonly JobState[] | undefined;
  readonly inputObject: string | undefined;
  /** Milliseconds: created strictly after / before. */
  readonly createdAfter: number | undefined;
  readonly createdBefore: number | undefined;
  /** The emulator runs no workflows: a filter on one (or on a batch job) matches nothing. */
  readonly matchesNothing: boolean;
  readonly newestFirst: boolean;
  /** The position after which the page starts (the previous page's NextToken). */
  readonly after: number | undefined;
  readonly size: number;
}

export interface JobPage {
  readonly jobs: readonly StoredJob[];
  /** The position to continue from, or undefined on the last page. */
  readonly next: number | undefined;
}

export type CancelOutcome =
  | { readonly outcome: 'cancelled'; readonly job: StoredJob }
  | { readonly outcome: 'notFound' }
  | { readonly outcome: 'notSubmitted'; readonly state: JobState };

/** A move of a job's state, by its runner or by a test through /_emulator/jobs. */
export interface JobMove {
  readonly state: 'Running' | 'Success' | 'Failed';
  readonly code?: string;
  readonly message?: string;
}

/** A bucket's queue as UpdateMediaQueue left it. */
export interface QueueSettings {
  readonly name: string;
  readonly state: 'Active' | 'Paused';
  /** NotifyConfig as sent: Url, Type, Event, State, ResultFormat… */
  readonly notify: GroupValue;
  /** Unix seconds. */
  readonly updatedAt: number;
}

export type MoveOutcome =
  { readonly outcome: 'moved'; readonly job: StoredJob } | { readonly outcome: 'notFound' } | { readonly outcome: 'finished'; readonly state: JobState };

type JobRow = {
  seq: number;
  id: string;
  bucket: string;
  region: string;
  tag: string;
  queue_id: string;
  state: JobState;
  code: string;
  message: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  run_at: number | null;
  end_at: number | null;
  ending: string | null;
  template_name: string | null;
  data: string;
  callback: string | null;
};

const COLUMNS =
  'seq, id, bucket, region, tag, queue_id, state, code, message, created_at, started_at, ended_at, run_at, end_at, ending, template_name, data, callback';
const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function toJob(row: JobRow): StoredJob & { readonly seq: number } {
  return {
    seq: row.seq,
    id: row.id,
    bucket: row.bucket,
    region: row.region,
    tag: row.tag,
    queueId: row.queue_id,
    state: row.state,
    code: row.code,
    message: row.message,
    createdAt: row.created_at,
    startedAt: orUndefined(row.started_at),
    endedAt: orUndefined(row.ended_at),
    runAt: orUndefined(row.run_at),
    endAt: orUndefined(row.end_at),
    ending: row.ending === null ? undefined : (JSON.parse(row.ending) as JobEnding),
    templateName: orUndefined(row.template_name),
    data: JSON.parse(row.data) as GroupValue,
    callback: row.callback === null ? undefined : (JSON.parse(row.callback) as CallbackOutcome),
  };
}

const inputObjectOf = (data: GroupValue): string | null => {
  const input = data['Input'];
  const object = typeof input === 'object' && !Array.isArray(input) ? (input as GroupValue)['Object'] : undefined;
  return typeof object === 'string' ? object : null;
};

/** The jobs of every bucket. Writes go through the database's group commit; answers are facts, never wire errors. */
export class SqliteJobStore {
  readonly #db: SqliteDatabase;
  readonly #writes: WriteBatcher;
  readonly #insert: Statement;
  readonly #byId: Statement<[string], JobRow>;
  readonly #byBucketAndId: Statement<[string, string], JobRow>;
  readonly #unfinished: Statement<[], JobRow>;
  readonly #setState: Statement;
  readonly #setCallback: Statement;
  readonly #listStatements = new Map<string, Statement>();
  readonly #queue: Statement<[string], { name: string; state: 'Active' | 'Paused'; notify: string; updated_at: number }>;
  readonly #saveQueue: Statement;

  constructor(db: SqliteDatabase, writes: WriteBatcher) {
    this.#db = db;
    this.#writes = writes;
    this.#insert = db.prepare(
      `INSERT INTO jobs (id, bucket, region, tag, queue_id, state, code, message, created_at, run_at, end_at, ending, input_object, template_name, data)
       VALUES (@id, @bucket, @region, @tag, @queueId, 'Submitted', 'Success', '', @createdAt, @runAt, @endAt, @ending, @inputObject, @templateName, @data)`,
    );
    this.#byId = db.prepare<[string], JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = ?`);
    this.#byBucketAndId = db.prepare<[string, string], JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE bucket = ? AND id = ?`);
    this.#unfinished = db.prepare<[], JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE state IN ('Submitted', 'Running') ORDER BY seq`);
    this.#setState = db.prepare(
      `UPDATE jobs SET state = @state, code = @code, message = @message, started_at = coalesce(started_at, @startedAt), ended_at = @endedAt WHERE id = @id`,
    );
    this.#setCallback = db.prepare('UPDATE jobs SET callback = ? WHERE id = ?');
    this.#queue = db.prepare('SELECT name, state, notify, updated_at FROM queues WHERE bucket = ?');
    this.#saveQueue = db.prepare(
      `INSERT INTO queues (bucket, name, state, notify, updated_at) VALUES (@bucket, @name, @state, @notify, @updatedAt)
       ON CONFLICT (bucket) DO UPDATE SET name = excluded.name, state = excluded.state, notify = excluded.notify, updated_at = excluded.updated_at`,
    );
  }

  /** The bucket's queue settings, or undefined while they are the defaults. */
  queue(bucket: string): QueueSettings | undefined {
    const row = this.#queue.get(bucket);
    return row === undefined ? undefined : { name: row.name, state: row.state, notify: JSON.parse(row.notify) as GroupValue, updatedAt: row.updated_at };
  }

  saveQueue(bucket: string, settings: QueueSettings): Promise<void> {
    return this.#writes.enqueue(() => {
      this.#saveQueue.run({ bucket, name: settings.name, state: settings.state, notify: JSON.stringify(settings.notify), updatedAt: settings.updatedAt });
    });
  }

  /** Stores the jobs of one request together: all of them, or none. */
  create(jobs: readonly NewJob[]): Promise<StoredJob[]> {
    return this.#writes.enqueue(() =>
      jobs.map((job) => {
        this.#insert.run({
          id: job.id,
          bucket: job.bucket,
          region: job.region,
          tag: job.tag,
          queueId: job.queueId,
          createdAt: job.createdAt,
          runAt: job.runAt ?? null,
          endAt: job.endAt ?? null,
          ending: job.ending === undefined ? null : JSON.stringify(job.ending),
          inputObject: inputObjectOf(job.data),
          templateName: job.templateName ?? null,
          data: JSON.stringify(job.data),
        });
        return { ...job, state: 'Submitted' as const, code: 'Success', message: '', startedAt: undefined, endedAt: undefined, callback: undefined };
      }),
    );
  }

  /** The bucket's jobs among these ids, in the order asked. */
  get(bucket: string, ids: readonly string[]): StoredJob[] {
    return ids.flatMap((id) => {
      const row = this.#byBucketAndId.get(bucket, id);
      return row === undefined ? [] : [toJob(row)];
    });
  }

  /** A job of any bucket, by id (ids are random: /_emulator/jobs needs no bucket). */
  find(id: string): StoredJob | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toJob(row);
  }

  unfinished(): StoredJob[] {
    return this.#unfinished.all().map(toJob);
  }

  list(filter: JobFilter): JobPage {
    if (filter.matchesNothing) return { jobs: [], next: undefined };
    const conditions = ['bucket = @bucket'];
    if (filter.tag !== undefined) conditions.push('tag = @tag');
    if (filter.queueId !== undefined) conditions.push('queue_id = @queueId');
    if (filter.states !== undefined) conditions.push('state IN (SELECT value FROM json_each(@states))');
    if (filter.inputObject !== undefined) conditions.push('input_object = @inputObject');
    if (filter.createdAfter !== undefined) conditions.push('created_at > @createdAfter');
    if (filter.createdBefore !== undefined) conditions.push('created_at < @createdBefore');
    if (filter.after !== undefined) conditions.push(filter.newestFirst ? 'seq < @after' : 'seq > @after');
    const sql = `SELECT ${COLUMNS} FROM jobs WHERE ${conditions.join(' AND ')} ORDER BY seq ${filter.newestFirst ? 'DESC' : 'ASC'} LIMIT @limit`;
    let statement = this.#listStatements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#listStatements.set(sql, statement);
    }
    const rows = statement.all({
      bucket: filter.bucket,
      ...(filter.tag === undefined ? {} : { tag: filter.tag }),
      ...(filter.queueId === undefined ? {} : { queueId: filter.queueId }),
      ...(filter.states === undefined ? {} : { states: JSON.stringify(filter.states) }),
      ...(filter.inputObject === undefined ? {} : { inputObject: filter.inputObject }),
      ...(filter.createdAfter === undefined ? {} : { createdAfter: filter.createdAfter }),
      ...(filter.createdBefore === undefined ? {} : { createdBefore: filter.createdBefore }),
      ...(filter.after === undefined ? {} : { after: filter.after }),
      // One more than a page: whether there is a next one.
      limit: filter.size + 1,
    }) as JobRow[];
    const jobs = rows.slice(0, filter.size).map(toJob);
    return { jobs, next: rows.length > filter.size ? jobs.at(-1)?.seq : undefined };
  }

  /** The newest jobs of every bucket, for the dashboard. */
  newest(limit: number): StoredJob[] {
    return (this.#db.prepare(`SELECT ${COLUMNS} FROM jobs ORDER BY seq DESC LIMIT ?`).all(limit) as JobRow[]).map(toJob);
  }

  /** Cancels a job that has not started: a compare-and-set, so a job that starts meanwhile is not cancelled. */
  cancel(bucket: string, id: string, now: number): Promise<CancelOutcome> {
    return this.#writes.enqueue((): CancelOutcome => {
      const row = this.#byBucketAndId.get(bucket, id);
      if (row === undefined) return { outcome: 'notFound' };
      if (row.state !== 'Submitted') return { outcome: 'notSubmitted', state: row.state };
      this.#setState.run({ id, state: 'Cancel', code: 'Success', message: '', startedAt: null, endedAt: now });
      return { outcome: 'cancelled', job: toJob(this.#byId.get(id)!) };
    });
  }

  /** Moves a job forward: Submitted → Running → Success or Failed. A finished job stays as it is. */
  move(id: string, move: JobMove, now: number): Promise<MoveOutcome> {
    return this.#writes.enqueue((): MoveOutcome => {
      const row = this.#byId.get(id);
      if (row === undefined) return { outcome: 'notFound' };
      if (row.state !== 'Submitted' && row.state !== 'Running') return { outcome: 'finished', state: row.state };
      const ends = move.state !== 'Running';
      this.#setState.run({
        id,
        state: move.state,
        code: move.code ?? (move.state === 'Failed' ? 'InternalError' : 'Success'),
        message: move.message ?? (move.state === 'Failed' ? 'The job failed.' : ''),
        startedAt: now,
        endedAt: ends ? now : null,
      });
      return { outcome: 'moved', job: toJob(this.#byId.get(id)!) };
    });
  }

  recordCallback(id: string, outcome: CallbackOutcome): Promise<void> {
    return this.#writes.enqueue(() => {
      this.#setCallback.run(JSON.stringify(outcome), id);
    });
  }

  /** Removes every job, or one bucket's, and puts the queues back to their defaults. */
  reset(bucket: string | undefined): Promise<number> {
    return this.#writes.enqueue(() => {
      if (bucket === undefined) {
        this.#db.prepare('DELETE FROM queues').run();
        return this.#db.prepare('DELETE FROM jobs').run().changes;
      }
      this.#db.prepare('DELETE FROM queues WHERE bucket = ?').run(bucket);
      return this.#db.prepare('DELETE FROM jobs WHERE bucket = ?').run(bucket).changes;
    });
  }
}
