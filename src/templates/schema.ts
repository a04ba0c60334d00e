import type { Migration } from '../db.js';

/** The templates' tables, steps 1–3 of the schema (see db.ts). */
export const TEMPLATE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    resource: 'templates',
    // Templates, unique per bucket + Tag + name, listed newest first.
    sql: `CREATE TABLE templates (
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
  },
  {
    version: 2,
    resource: 'templates',
    // Counters kept in the same transaction as each write, so TotalCount does not scan.
    sql: `CREATE TABLE template_counts (
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
  },
  {
    version: 3,
    resource: 'templates',
    // The store keeps the counters itself, in the same transaction as each write: SQLite runs
    // the triggers' upsert at about twice the cost of the insert it follows.
    sql: `DROP TRIGGER template_counts_insert;
     DROP TRIGGER template_counts_delete;`,
  },
];
