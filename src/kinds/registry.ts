import { CATALOG } from './catalog/index.js';
import type { TemplateKind } from './schema.js';

/** The kinds a server knows, by Tag. */
export class KindRegistry {
  readonly #byTag: ReadonlyMap<string, TemplateKind>;

  constructor(kinds: readonly TemplateKind[] = CATALOG) {
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
