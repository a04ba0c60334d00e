import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_NAMES, parseCommandLine } from '../../src/config.js';

/**
 * What matters in the Dockerfile, .dockerignore and docker-compose.yml, checked by matching their
 * text, without a Docker engine; the image itself was checked by hand (README, "Docker and
 * compose"). dist/ is built by `npm test` before vitest.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

const dockerfile = read('Dockerfile');
/** A stage's instructions, one a line: continuation lines joined, comments and blank lines dropped. */
const instructions = (stage: string): string[] =>
  stage
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => /^[A-Z]+ /.test(line));
const [build = [], runtime = []] = dockerfile
  .split(/^(?=FROM )/m)
  .filter((stage) => stage.startsWith('FROM '))
  .map(instructions);
const find = (stage: string[], keyword: string): string[] => stage.filter((line) => line.startsWith(`${keyword} `));
const copySources = (stage: string[]): string[] =>
  find(stage, 'COPY').flatMap((line) =>
    line
      .split(' ')
      .slice(1, -1)
      .filter((part) => !part.startsWith('--')),
  );
const runtimeEnv = Object.fromEntries(find(runtime, 'ENV').flatMap((line) => [...line.matchAll(/(\w+)=(\S+)/g)].map(([, name, value]) => [name!, value!])));

interface ComposeService {
  readonly build?: unknown;
  readonly environment?: Record<string, string | number | boolean>;
  readonly volumes?: string[];
  readonly healthcheck?: { readonly test: unknown };
  readonly stop_grace_period?: string;
}
const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const emulator = Object.values(compose.services).find((service) => service.build === '.') ?? {};
const composeEnv = Object.fromEntries(Object.entries(emulator.environment ?? {}).map(([name, value]) => [name, String(value)]));

describe('Dockerfile', () => {
  it('has two stages on node:22-slim, and no # syntax= line (BuildKit would fetch a frontend)', () => {
    expect(dockerfile.match(/^FROM .*/gm)).toEqual(['FROM node:22-slim AS build', 'FROM node:22-slim']);
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('builds in the first stage: npm ci, better-sqlite3, tsc, the CLI bundle, npm prune --omit=dev, then the slimming', () => {
    const runs = find(build, 'RUN').join('\n');
    const steps = ['npm ci ', 'npm rebuild better-sqlite3', 'tsc -p tsconfig.build.json', 'npm run bundle', 'npm prune --omit=dev', 'better_sqlite3.node'].map(
      (step) => runs.indexOf(step),
    );
    expect(
      steps.every((at) => at >= 0),
      `a step is missing: ${steps.join(', ')}`,
    ).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(find(runtime, 'RUN').join('\n')).not.toMatch(/\bnpm\b|apt-get/);
  });

  it('runs, as node, only what the build stage made and the seeds', () => {
    expect(
      find(runtime, 'COPY')
        .filter((line) => line.includes('--from='))
        .every((line) => line.startsWith('COPY --from=build ')),
    ).toBe(true);
    expect(copySources(runtime).sort()).toEqual(['/app/dist', '/app/node_modules', '/app/package.json', 'fixtures/seed']);
    expect(find(runtime, 'USER')).toEqual(['USER node']);
    expect(find(runtime, 'CMD')).toEqual(['CMD ["node", "--max-semi-space-size=4", "dist/main.js"]']);
    expect(existsSync(join(ROOT, 'dist/main.js'))).toBe(true);
  });

  it('has a HEALTHCHECK that runs node dist/healthcheck.js (the slim image has no curl)', () => {
    expect(find(runtime, 'HEALTHCHECK')).toEqual([expect.stringMatching(/^HEALTHCHECK (--\S+ )*CMD \["node", "dist\/healthcheck\.js"\]$/)]);
    expect(existsSync(join(ROOT, 'dist/healthcheck.js'))).toBe(true);
  });

  it('listens on 0.0.0.0:8080 with its database in VOLUME /data, made writable by node first', () => {
    expect(runtimeEnv).toMatchObject({ CIE_HOST: '0.0.0.0', CIE_PORT: '8080' });
    expect(runtimeEnv['CIE_DB']).toMatch(/^\/data\/[\w.-]+$/);
    const chownAt = runtime.findIndex((line) => /^RUN .*chown node:node \/data$/.test(line));
    expect(chownAt).toBeGreaterThanOrEqual(0);
    expect(chownAt).toBeLessThan(runtime.indexOf('VOLUME /data'));
    expect(runtime).toContain('EXPOSE 8080');
  });

  it('sets, with compose, only CIE_* variables config knows, with values it accepts', () => {
    const env = { ...runtimeEnv, ...composeEnv };
    for (const name of Object.keys(env).filter((key) => key.startsWith('CIE_'))) expect(ENV_NAMES).toContain(name);
    expect(() => parseCommandLine([], env)).not.toThrow();
  });

  // The build stage's slimming step, run by sh on a small tree shaped like its node_modules.
  it.skipIf(process.platform === 'win32')('keeps of node_modules what runs; drops build leftovers, tests, docs, declarations, maps', () => {
    const slimming = find(build, 'RUN')
      .find((line) => line.includes('better_sqlite3.node'))!
      .slice('RUN '.length);
    const bs3 = (files: string): string[] => files.split(' ').map((file) => `better-sqlite3/${file}`);
    const keep = [
      ...bs3('package.json LICENSE lib/index.js lib/methods/table.js build/Release/better_sqlite3.node'),
      ...'fastify/package.json fastify/LICENSE fastify/fastify.js fastify/lib/route.js ajv/dist/types/json-schema.js nanoid/index.js'.split(' '),
    ];
    const drop = [
      ...bs3('README.md binding.gyp src/better_sqlite3.cpp deps/sqlite3/sqlite3.c build/Makefile build/deps/sqlite3.Makefile'),
      ...bs3('build/Release/test_extension.node build/Release/obj/gen/sqlite3/sqlite3.c build/Release/obj.target/sqlite3.a build/Release/.deps/x.d'),
      ...'fastify/README.md fastify/fastify.d.ts fastify/test/route.test.js fastify/docs/Guide.md fastify/types/route.d.ts fastify/examples/a.js'.split(' '),
      ...'ajv/dist/types/json-schema.d.ts ajv/dist/types/json-schema.js.map nanoid/index.d.cts'.split(' '),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'cie-docker-'));
    const modules = join(dir, 'node_modules');
    try {
      for (const file of [...keep, ...drop]) {
        mkdirSync(dirname(join(modules, file)), { recursive: true });
        writeFileSync(join(modules, file), 'x');
      }
      mkdirSync(join(modules, '@esbuild/linux-x64'), { recursive: true }); // what npm prune leaves of a scope
      execFileSync('sh', ['-c', slimming], { cwd: dir, stdio: 'pipe' });
      const left: string[] = [];
      const walk = (folder: string): void => {
        for (const entry of readdirSync(join(modules, folder))) {
          const path = posix.join(folder, entry);
          if (statSync(join(modules, path)).isDirectory()) walk(path);
          else left.push(path);
        }
      };
      walk('');
      expect(left.sort()).toEqual([...keep].sort());
      expect(existsSync(join(modules, '@esbuild'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.dockerignore', () => {
  it('excludes everything but what the Dockerfile copies from the context, which exists', () => {
    const rules = read('.dockerignore')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(rules[0]).toBe('*');
    expect(rules.slice(1).every((rule) => rule.startsWith('!'))).toBe(true);
    const fromContext = [...copySources(build), ...copySources(runtime)]
      .filter((source) => !source.startsWith('/'))
      .map((source) => source.replace(/^\.\//, ''));
    expect(
      rules
        .slice(1)
        .map((rule) => rule.slice(1))
        .sort(),
    ).toEqual([...new Set(fromContext)].sort());
    for (const source of fromContext) expect(existsSync(join(ROOT, source)), `${source} does not exist`).toBe(true);
  });
});

describe('docker-compose.yml', () => {
  it('builds the emulator from this Dockerfile, checks it with dist/healthcheck.js, keeps /data in a named volume', () => {
    expect(emulator.healthcheck?.test).toEqual(['CMD', 'node', 'dist/healthcheck.js']);
    const data = (emulator.volumes ?? []).find((volume) => volume.endsWith(':/data'));
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.split(':')[0]);
  });

  it('gives the emulator more than the 5 s it takes to stop after SIGTERM', () => {
    const grace = /^(\d+)s$/.exec(emulator.stop_grace_period ?? '');
    expect(Number(grace?.[1])).toBeGreaterThan(5);
  });

  it('seeds from the folder the image ships', () => {
    const workdir = /^WORKDIR (\S+)$/.exec(find(runtime, 'WORKDIR').at(-1) ?? '')?.[1] ?? '';
    expect(composeEnv['CIE_SEED']).toBe(posix.join(workdir, 'fixtures/seed'));
  });
});
