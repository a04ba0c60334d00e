import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { ENV_NAMES, parseCommandLine } from '../../src/config.js';
import { testServer } from '../helpers.js';

/**
 * The Dockerfile, .dockerignore and docker-compose.yml, checked without a Docker engine: their
 * syntax, and that what they name exists (the files the image copies and runs, the variables
 * config knows, the health path the server serves). dist/ is built by `npm test` before vitest.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

// ---- a small Dockerfile reader: continuation lines joined, comments dropped, stages kept apart

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

function readDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full !== '') logical.push(full.replace(/\s+/g, ' '));
  }
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(' ');
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?: AS (\S+))?$/i.exec(args);
      stages.push({ from: match?.[1] ?? args, name: match?.[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const all = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((instruction) => instruction.keyword === keyword);

/** `ENV A=1 B=2` → {A: '1', B: '2'} (the form this Dockerfile uses). */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of all(stage, 'ENV')) {
    for (const pair of args.split(' ')) {
      const eq = pair.indexOf('=');
      expect(eq, `ENV ${args} is not in NAME=value form`).toBeGreaterThan(0);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** The JSON array of an exec-form instruction (CMD ["node", …]); fails on shell form. */
function execForm(args: string): string[] {
  expect(args, 'not exec form (a JSON array)').toMatch(/^\[.*\]$/);
  const parsed = JSON.parse(args) as unknown;
  expect(Array.isArray(parsed) && parsed.every((part) => typeof part === 'string')).toBe(true);
  return parsed as string[];
}

/** COPY [--from=x] [--chown=…] src… dest */
function copies(stage: Stage): { from: string | undefined; sources: string[]; dest: string }[] {
  return all(stage, 'COPY').map(({ args }) => {
    const parts = args.split(' ');
    const flags = parts.filter((part) => part.startsWith('--'));
    const paths = parts.filter((part) => !part.startsWith('--'));
    return {
      from: flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length),
      sources: paths.slice(0, -1),
      dest: paths.at(-1) ?? '',
    };
  });
}

/**
 * .dockerignore's answer for a path of the build context: the last matching pattern wins; `!`
 * re-includes. Supports what this file uses: `*`, plain names and paths (matching their subtree).
 */
function ignored(patterns: readonly string[], path: string): boolean {
  let excluded = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/\/$/, '');
    const matches = pattern === '*' || pattern === '**' || path === pattern || path.startsWith(`${pattern}/`);
    if (matches) excluded = !negated;
  }
  return excluded;
}

const dockerfile = readDockerfile(read('Dockerfile'));
const finalStage = dockerfile.at(-1)!;
const buildStages = dockerfile.slice(0, -1);
const dockerignore = read('.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** Files under a folder of the repository, relative to the root. */
function filesUnder(folder: string): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(ROOT, relative))) {
      const child = posix.join(relative, entry);
      if (statSync(join(ROOT, child)).isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(folder);
  return out;
}

let app: FastifyInstance;
beforeAll(async () => {
  app = await testServer({ adminToken: 'health-needs-none' });
});
afterAll(() => app.close());

// ---- the Dockerfile

describe('Dockerfile', () => {
  it('is multi-stage on node:22-slim', () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile) expect(stage.from).toBe('node:22-slim');
    expect(buildStages.every((stage) => stage.name !== undefined)).toBe(true);
  });

  it('compiles in the builder: npm ci, better-sqlite3\'s native module, tsc, then npm prune --omit=dev', () => {
    const runs = buildStages.flatMap((stage) => all(stage, 'RUN')).map((run) => run.args).join(' && ');
    const order = ['npm ci', 'npm rebuild better-sqlite3', 'npm run build', 'npm prune --omit=dev'].map((step) => {
      const at = runs.indexOf(step);
      expect(at, `the builder does not run ${step}`).toBeGreaterThanOrEqual(0);
      return at;
    });
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // `npm run build` must be the TypeScript build.
    const manifest = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(manifest.scripts['build']).toMatch(/^tsc -p tsconfig\.build\.json/);
  });

  it('installs nothing in the final stage: it copies the builder\'s node_modules and dist', () => {
    for (const run of all(finalStage, 'RUN')) expect(run.args).not.toMatch(/\bnpm (ci|install|i)\b|\byarn\b|\bpnpm\b/);
    const fromBuilder = copies(finalStage).filter((copy) => copy.from !== undefined);
    const builderNames = new Set(buildStages.map((stage) => stage.name));
    for (const copy of fromBuilder) expect(builderNames.has(copy.from)).toBe(true);
    const copied = fromBuilder.flatMap((copy) => copy.sources);
    expect(copied).toEqual(expect.arrayContaining(['/app/node_modules', '/app/dist']));
    // Compilers stay in the builder.
    for (const run of all(finalStage, 'RUN')) expect(run.args).not.toMatch(/apt-get install/);
  });

  it('runs as a user that is not root', () => {
    const users = all(finalStage, 'USER').map((user) => user.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('declares VOLUME /data, EXPOSE 8080, CIE_HOST=0.0.0.0 and CIE_DB=/data/ci-emulator.db', () => {
    expect(all(finalStage, 'VOLUME').map((volume) => volume.args)).toContain('/data');
    expect(all(finalStage, 'EXPOSE').map((expose) => expose.args)).toContain('8080');
    const env = envOf(finalStage);
    expect(env).toMatchObject({ CIE_HOST: '0.0.0.0', CIE_DB: '/data/ci-emulator.db' });
    expect(env['CIE_PORT'] ?? '8080').toBe('8080');
  });

  it('sets only CIE_* variables that config knows, with values it accepts', () => {
    const env = envOf(finalStage);
    for (const name of Object.keys(env).filter((key) => key.startsWith('CIE_'))) expect(ENV_NAMES).toContain(name);
    expect(() => parseCommandLine([], env)).not.toThrow();
  });

  it('makes /data writable by that user before declaring the volume', () => {
    const user = all(finalStage, 'USER').at(-1)!.args;
    const volumeAt = finalStage.instructions.findIndex((instruction) => instruction.keyword === 'VOLUME');
    const chownAt = finalStage.instructions.findIndex((instruction) => instruction.keyword === 'RUN' && instruction.args.includes(`chown ${user}:${user} /data`));
    expect(chownAt).toBeGreaterThanOrEqual(0);
    expect(chownAt).toBeLessThan(volumeAt);
  });

  it('has a HEALTHCHECK that runs node (no curl in the slim image) on a script the build makes', () => {
    const [healthcheck] = all(finalStage, 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    const command = /^(?:--\S+ )*CMD (.*)$/.exec(healthcheck!.args)?.[1] ?? '';
    const argv = execForm(command);
    expect(argv[0]).toBe('node');
    expect(argv.join(' ')).not.toMatch(/curl|wget/);
    expect(existsSync(join(ROOT, argv[1]!)), `${argv[1]} is not built`).toBe(true);
    expect(argv[1]).toBe('dist/healthcheck.js');
  });

  it('asks, in that script, for a path the server serves without the admin token', async () => {
    const source = read('src/healthcheck.ts');
    const path = /const HEALTH_PATH = '([^']+)'/.exec(source)?.[1];
    expect(path).toBe('/_emulator/health');
    const response = await app.inject({ method: 'GET', url: path! });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ready' });
  });

  it('starts with an exec-form CMD whose entry file exists after the build', () => {
    const cmd = all(finalStage, 'CMD').at(-1);
    expect(cmd).toBeDefined();
    const argv = execForm(cmd!.args);
    expect(argv).toEqual(['node', 'dist/main.js']);
    expect(existsSync(join(ROOT, argv[1]!))).toBe(true);
    expect(all(finalStage, 'ENTRYPOINT')).toEqual([]);
  });

  it('copies, from the build context, only files that exist and that .dockerignore lets through', () => {
    const fromContext = dockerfile.flatMap(copies).filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const source of fromContext) {
      const path = source.replace(/^\.\//, '').replace(/\/$/, '');
      expect(existsSync(join(ROOT, path)), `${source} does not exist`).toBe(true);
      const files = statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : [path];
      for (const file of files) expect(ignored(dockerignore, file), `${file} is excluded by .dockerignore`).toBe(false);
    }
  });

  it('builds from a context that has what tsconfig.build.json compiles', () => {
    const builderCopies = buildStages.flatMap(copies).flatMap((copy) => copy.sources);
    const build = JSON.parse(read('tsconfig.build.json')) as { extends?: string; include: string[] };
    for (const needed of [...build.include, 'tsconfig.build.json', build.extends?.replace(/^\.\//, '') ?? 'tsconfig.json', 'package.json', 'package-lock.json']) {
      expect(builderCopies.map((source) => source.replace(/^\.\//, '')), `the builder does not copy ${needed}`).toContain(needed);
    }
  });
});

describe('.dockerignore', () => {
  it.each(['node_modules/fastify/package.json', 'dist/main.js', 'data/ci-emulator.db', '.git/HEAD', 'test/helpers.ts', 'scratch/x', 'ci.db'])(
    'keeps %s out of the build context (built for the host, or not needed)',
    (path) => {
      expect(ignored(dockerignore, path)).toBe(true);
    },
  );

  it.each(['package.json', 'package-lock.json', 'src/main.ts', 'fixtures/seed/ocr-general.xml'])('lets %s in', (path) => {
    expect(ignored(dockerignore, path)).toBe(false);
  });
});

// ---- docker-compose.yml

interface ComposeService {
  readonly build?: unknown;
  readonly image?: string;
  readonly environment?: Record<string, string | number | boolean | null> | string[];
  readonly volumes?: string[];
  readonly ports?: string[];
  readonly healthcheck?: { readonly test: string[] | string };
  readonly depends_on?: Record<string, { readonly condition: string }> | string[];
}

interface ComposeFile {
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

const compose = parseYaml(read('docker-compose.yml')) as ComposeFile;
const environmentOf = (service: ComposeService): Record<string, string> => {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((pair) => [pair.split('=')[0]!, pair.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value)]));
};
const emulatorName = Object.keys(compose.services).find((name) => compose.services[name]!.build !== undefined)!;
const emulator = compose.services[emulatorName]!;

describe('docker-compose.yml', () => {
  it('parses as YAML, with the emulator built from this Dockerfile', () => {
    expect(emulatorName).toBeDefined();
    expect(emulator.build).toBe('.');
  });

  it('runs the image\'s own healthcheck command', () => {
    const test = emulator.healthcheck?.test;
    expect(Array.isArray(test)).toBe(true);
    const [kind, ...argv] = test as string[];
    expect(kind).toBe('CMD');
    const imageCommand = execForm(/CMD (.*)$/.exec(all(finalStage, 'HEALTHCHECK')[0]!.args)![1]!);
    expect(argv).toEqual(imageCommand);
  });

  it('sets only variables config knows, with values it accepts (over the image\'s ENV)', () => {
    const env = environmentOf(emulator);
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const name of Object.keys(env)) expect(ENV_NAMES, `${name} is not a setting`).toContain(name);
    expect(() => parseCommandLine([], { ...envOf(finalStage), ...env })).not.toThrow();
  });

  it('seeds from the folder the image ships', () => {
    const seed = environmentOf(emulator)['CIE_SEED'];
    expect(seed).toBeDefined();
    const workdir = all(finalStage, 'WORKDIR').at(-1)!.args;
    const shipped = copies(finalStage)
      .filter((copy) => copy.from === undefined)
      .map((copy) => posix.resolve(workdir, copy.dest));
    expect(shipped).toContain(seed);
  });

  it('keeps /data in a named volume declared at the top level', () => {
    const data = (emulator.volumes ?? []).find((volume) => volume.split(':')[1] === '/data');
    expect(data).toBeDefined();
    const volumeName = data!.split(':')[0]!;
    expect(volumeName).toMatch(/^[a-z0-9][a-z0-9_.-]*$/);
    expect(Object.keys(compose.volumes ?? {})).toContain(volumeName);
  });

  it('publishes the port the image exposes', () => {
    expect((emulator.ports ?? []).map((port) => String(port).split(':').at(-1))).toContain('8080');
  });

  it('has a tests service that waits for the emulator to be healthy', () => {
    const tests = compose.services['tests'];
    expect(tests).toBeDefined();
    expect(tests!.depends_on).toEqual({ [emulatorName]: { condition: 'service_healthy' } });
    for (const name of Object.keys(environmentOf(tests!)).filter((key) => key.startsWith('CIE_'))) expect(ENV_NAMES).toContain(name);
    expect(JSON.stringify(tests!.environment)).toContain(`http://${emulatorName}:8080`);
  });
});
