import { describe, expect, it } from 'vitest';
import { runAb } from '../../bench/ab.js';
import { runBench } from '../../bench/bench.js';
import { BENCH_EXTRA_CREATES } from '../../bench/bodies.js';
import { HOSTILE_SHAPES } from '../../bench/hostile.js';
import { runStartup } from '../../bench/startup.js';
import { BODY_LIMIT } from '../../src/server.js';

/** Not a benchmark: a one-second run of every case, so `npm run bench` cannot rot. */
describe('npm run bench', () => {
  it('runs every case with only 2xx answers', { timeout: 120_000 }, async () => {
    const report = await runBench(
      { connections: 4, warmupSeconds: 0, durationSeconds: 1, smallStore: 200, largeStore: 500, hostile: { requestsPerRound: 1, rounds: 1, warmup: 0 } },
      BENCH_EXTRA_CREATES,
    );
    expect(report.cases.map((result) => result.name)).toEqual([
      'signed create, ImageOCR, distinct names',
      ...BENCH_EXTRA_CREATES.map((extra) => `signed create, ${extra.name}, distinct names`),
      'signed describe, 10 of 200',
      'signed update',
      'signed describe, 10 of 500',
    ]);
    for (const result of report.cases) {
      expect(result.total, result.name).toBeGreaterThan(0);
      expect(result.non2xx + result.errors, result.name).toBe(0);
      expect(result.ratio, result.name).toBeGreaterThan(0);
      expect(result.ceilingRequestsPerSecond, result.name).toBeGreaterThan(0);
    }
    expect(report.startupMs).toBeGreaterThan(0);
    // The hostile bodies: each within the body limit, received by bare Fastify, refused by the emulator with a 400.
    expect(report.hostile?.map((result) => result.name)).toEqual(HOSTILE_SHAPES.map((shape) => shape.name));
    for (const result of report.hostile ?? []) {
      expect(result.bytes, result.name).toBeLessThanOrEqual(BODY_LIMIT);
      expect(result.bytes, result.name).toBeGreaterThan(BODY_LIMIT - 8 * 1024);
      expect(result.bareStatus, result.name).toBe(200);
      expect(result.emulatorAnswer, result.name).toMatch(/^400 (InvalidContent|InvalidArgument)$/);
      expect(result.bareCpuMs, result.name).toBeGreaterThan(0);
      expect(result.emulatorCpuMs, result.name).toBeGreaterThan(0);
    }
    expect(report.rssAfterMb).toBeGreaterThan(0);
  });
});

describe('npm run bench:startup', () => {
  it('starts bare Fastify and the emulator, on a new database and on a stored one', { timeout: 120_000 }, async () => {
    const cases = await runStartup({ runs: 1, stored: 300 });
    expect(cases.map((entry) => entry.name)).toEqual([
      'bare Fastify (bench/ceiling-server.js)',
      'emulator, new database file, fixtures/seed',
      'emulator, database of 300 templates, fixtures/seed',
    ]);
    for (const entry of cases) {
      expect(entry.wallMs, entry.name).toHaveLength(1);
      expect(entry.cpuMs[0], entry.name).toBeGreaterThan(0);
    }
    expect(cases.slice(1).map((entry) => entry.ratios.length)).toEqual([1, 1]);
  });
});

describe('npm run bench:ab', () => {
  it('builds a variant and measures its CPU per request', { timeout: 120_000 }, async () => {
    const [report] = await runAb(['.'], { requests: 20, rounds: 1, connections: 2, cases: ['ocr'] });
    expect(report?.variants.map((variant) => variant.variant)).toEqual(['.']);
    expect(report?.variants[0]?.perBatch[0]).toBeGreaterThan(0);
    expect(report?.variants[0]?.non2xx).toBe(0);
  });
});
