/**
 * A memo that forgets everything once it holds `limit` entries. Every cache of the emulator is
 * keyed by something clients choose (signatures, origins, filters), so none may grow without
 * bound; emptying at once is cheaper per request than tracking recency, and a refill costs only
 * the work the cache saves.
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): V {
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
