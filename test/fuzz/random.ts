/**
 * A small seeded random source, so that every fuzz run can be replayed: the suite prints its
 * seed, and CIE_FUZZ_SEED=<seed> runs exactly the same cases again.
 */

/** mulberry32: 32 bits of state, good enough spread for choosing test cases, and fast. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  readonly #next: () => number;

  constructor(readonly seed: number) {
    this.#next = mulberry32(seed);
  }

  /** [0, 1) */
  float(): number {
    return this.#next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.#next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Picks by weight: `[[3, 'a'], [1, 'b']]` answers 'a' three times as often as 'b'. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.#next() * total;
    for (const [weight, value] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return (choices[choices.length - 1] as readonly [number, T])[1];
  }

  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string {
    const characters = [...alphabet];
    let text = '';
    for (let i = 0; i < length; i++) text += this.pick(characters);
    return text;
  }

  bytes(length: number): Buffer {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = this.int(0, 255);
    return bytes;
  }

  hex(length: number): string {
    return this.string(length, '0123456789abcdef');
  }
}

/** CIE_FUZZ_SEED when set (decimal or 0x hex), else a fresh one. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env['CIE_FUZZ_SEED'];
  if (given !== undefined && given.trim() !== '') {
    const seed = Number(given.trim());
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`CIE_FUZZ_SEED must be an integer from 0 to 4294967295, not "${given}"`);
    return seed;
  }
  return Math.floor(Math.random() * 0x1_0000_0000);
}
