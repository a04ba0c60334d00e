// The CLI as one file: dist/main.js, tsc's output, is replaced by a bundle of itself, the rest of
// dist and its dependencies (better-sqlite3 aside: a native module is loaded from node_modules).
// Loading about 70 ES modules of our own and Fastify's CommonJS tree took most of the start-up;
// one file starts in about 1.1× of bare Fastify instead of 1.6× (docs/performance.md). The other
// files of dist stay as they are, for `import { startEmulator } from 'cloud-infinite-emulator'`.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const BANNER = "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);";
// Run after tsc, never twice on its own output: a second banner would declare require again.
if (readFileSync('dist/main.js', 'utf8').includes(BANNER)) throw new Error('dist/main.js is already bundled: run tsc first (npm run build)');

await build({
  entryPoints: ['dist/main.js'],
  outfile: 'dist/main.js',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  // Fastify and its plugins are CommonJS and call require(): an ES module has none of its own.
  banner: { js: BANNER },
  legalComments: 'none',
  logLevel: 'warning',
});
// tsc's map describes the file the bundle replaced.
rmSync('dist/main.js.map', { force: true });
