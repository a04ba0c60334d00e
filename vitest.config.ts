import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The CPU-heavy suites (fuzz, crash, bench smoke) each spawn servers; two at a time fits the 2-core CI.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
