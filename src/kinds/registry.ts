import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { TemplateKind } from './schema.js';

/** Each file of catalog/ declares one kind; adding a kind is adding a file there. */
const CATALOG_DIR = fileURLToPath(new URL('./catalog/', import.meta.url));
const KIND_FILE = /^[a-z0-9-]+\.(?:js|ts)$/;

export class KindRegistry {
  readonly #byTag: ReadonlyMap<string, TemplateKind>;

  constructor(kinds: readonly TemplateKind[]) {
    const byTag = new Map<string, TemplateKind>();
    for (const kind of kinds) {
      if (byTag.has(kind.tag)) throw new Error(`template kind ${kind.tag} is declared twice`);
      byTag.set(kind.tag, kind);
    }
    this.#byTag = byTag;
  }

  get(tag: string): TemplateKind | undefined {
    return this.#byTag.get(tag);
  }

  get tags(): readonly string[] {
    return [...this.#byTag.keys()];
  }

  get kinds(): readonly TemplateKind[] {
    return [...this.#byTag.values()];
  }
}

export async function loadCatalog(dir: string = CATALOG_DIR): Promise<TemplateKind[]> {
  const files = readdirSync(dir)
    .filter((file) => KIND_FILE.test(file) && !file.endsWith('.d.ts'))
    .sort();
  const kinds: TemplateKind[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { default?: TemplateKind };
    if (module.default === undefined || typeof module.default.tag !== 'string') {
      throw new Error(`${file} in the kind catalog has no default export made with defineKind()`);
    }
    kinds.push(module.default);
  }
  return kinds;
}

export async function loadKindRegistry(): Promise<KindRegistry> {
  return new KindRegistry(await loadCatalog());
}
