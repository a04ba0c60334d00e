import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUCKET_ID } from '../config.js';
import { CiError } from '../errors.js';
import { TEMPLATE_ID } from '../ids.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { SeedRecord, TemplateStore } from '../templates/store.js';
import { readTemplateBody } from '../templates/validate.js';

/** A seed file that cannot be loaded stops start-up with this, naming the file and the reason. */
export class SeedError extends Error {
  constructor(
    readonly file: string,
    reason: string,
    what: 'seed file' | 'seed folder' = 'seed file',
  ) {
    super(`CIE_SEED: ${what} ${file}: ${reason}`);
    this.name = 'SeedError';
  }
}

export interface Seeds {
  readonly folder: string | undefined;
  readonly records: readonly SeedRecord[];
  applyAtStart(store: TemplateStore, now: number): void;
}

// Besides the kind's elements, a seed file may name its bucket and a fixed TemplateId. Seeds are
// written for the emulator, so they are read strictly: a typo there stops start-up.
const SEED_BODY = { strict: true, extraElements: ['Bucket', 'TemplateId'] } as const;

/**
 * Reads every `*.xml` file of the folder (sorted by name): one `<Request>` body each, validated
 * by the same rules as the API, with optional `<Bucket>` and `<TemplateId>`.
 */
export function loadSeeds(folder: string | undefined, kinds: KindRegistry, defaultBucket: string): Seeds {
  const records = folder === undefined ? [] : readSeedFolder(folder, kinds, defaultBucket);
  return {
    folder,
    records,
    applyAtStart: (store, now) => store.upsertSeeds(records, now),
  };
}

function readSeedFolder(folder: string, kinds: KindRegistry, defaultBucket: string): SeedRecord[] {
  let files: string[];
  try {
    // As the shell's `*.xml`: hidden files (editor swap files, macOS `._x.xml`) are not seeds.
    files = readdirSync(folder)
      .filter((file) => file.endsWith('.xml') && !file.startsWith('.'))
      .sort();
  } catch (error) {
    throw new SeedError(folder, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'seed folder');
  }
  const records: SeedRecord[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const path = join(folder, file);
    const record = readSeedFile(path, kinds, defaultBucket);
    for (const key of seedKeys(record)) {
      const other = seen.get(key);
      if (other !== undefined) throw new SeedError(path, `it repeats the ${key.split('\n')[0]} of ${other}`);
      seen.set(key, path);
    }
    records.push(record);
  }
  return records;
}

function seedKeys(record: SeedRecord): string[] {
  const keys = [`Tag and Name\n${record.bucket}\n${record.content.tag}\n${record.content.name}`];
  if (record.id !== undefined) keys.push(`TemplateId\n${record.bucket}\n${record.id}`);
  return keys;
}

function readSeedFile(path: string, kinds: KindRegistry, defaultBucket: string): SeedRecord {
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch (error) {
    throw new SeedError(path, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const { template, extras } = readTemplateBody(body, kinds, SEED_BODY);
    const bucket = extras.get('Bucket') ?? defaultBucket;
    const id = extras.get('TemplateId');
    if (!BUCKET_ID.test(bucket)) throw new SeedError(path, `Bucket "${bucket}" is not a bucket like examplebucket-1250000000`);
    if (id !== undefined && !TEMPLATE_ID.test(id)) throw new SeedError(path, `TemplateId "${id}" is not t1 followed by 32 lowercase hex characters`);
    return { bucket, id, content: { tag: template.tag, name: template.name, data: template.data } };
  } catch (error) {
    if (error instanceof CiError) throw new SeedError(path, `${error.code}: ${error.message}`);
    throw error;
  }
}
