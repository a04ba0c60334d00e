import type { Migration } from '../db.js';

/** The jobs' table, step 4 of the schema (see db.ts). */
export const JOB_MIGRATIONS: readonly Migration[] = [
  {
    version: 4,
    resource: 'jobs',
    // Times in milliseconds: a job lives for CIE_JOB_DURATION_MS (200 ms by default). `run_at`
    // and `end_at` are when it is due to start and to end (NULL when tests move it by hand),
    // `ending` the outcome a fault chose for it, `callback` what its callback came to.
    sql: `CREATE TABLE jobs (
       seq          INTEGER PRIMARY KEY,
       id           TEXT    NOT NULL,
       bucket       TEXT    NOT NULL,
       region       TEXT    NOT NULL,
       tag          TEXT    NOT NULL,
       queue_id     TEXT    NOT NULL,
       state        TEXT    NOT NULL,
       code         TEXT    NOT NULL,
       message      TEXT    NOT NULL,
       created_at   INTEGER NOT NULL,
       started_at   INTEGER,
       ended_at     INTEGER,
       run_at       INTEGER,
       end_at       INTEGER,
       ending       TEXT,
       input_object TEXT,
       template_name TEXT,
       data         TEXT    NOT NULL,
       callback     TEXT
     );
     CREATE UNIQUE INDEX jobs_id ON jobs (id);
     -- A bucket's queue once UpdateMediaQueue has changed it; until then, the defaults.
     CREATE TABLE queues (
       bucket     TEXT    PRIMARY KEY,
       name       TEXT    NOT NULL,
       state      TEXT    NOT NULL,
       notify     TEXT    NOT NULL,
       updated_at INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX jobs_by_bucket ON jobs (bucket, seq);
     CREATE INDEX jobs_by_tag ON jobs (bucket, tag, seq);
     CREATE INDEX jobs_unfinished ON jobs (state) WHERE state IN ('Submitted', 'Running');`,
  },
];
