import type { ExtraCreateCase } from './bench.js';
import transcode from '../src/kinds/catalog/transcode.js';

/** Create bodies of other kinds, measured besides ImageOCR's: the Transcode doc example. */
export const BENCH_EXTRA_CREATES: readonly ExtraCreateCase[] = [
  { name: 'Transcode', body: (name) => transcode.example.replace('<Name>TemplateName</Name>', `<Name>${name}</Name>`) },
];
