import type { ExtraCreateCase } from './bench.js';

/** Create bodies of other kinds, measured besides ImageOCR's (the Transcode doc example). */
export const BENCH_EXTRA_CREATES: readonly ExtraCreateCase[] = [];
