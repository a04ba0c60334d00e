import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Only the package's public entry point: declaring a kind needs nothing else.
import {
  allowedValues,
  bool,
  buildServer,
  CATALOG,
  defineKind,
  enumOf,
  group,
  int,
  KindRegistry,
  requireSome,
  str,
  when,
  type TemplateKind,
} from '../../src/index.js';
import { answerContainer } from '../kind-cases.js';
import { call, describeOf, errorOf, templateOf, testConfig } from '../helpers.js';

/**
 * A kind that exists nowhere but in this file, declared through the public kind API, goes
 * through all four operations: validation, storage, describe's tag filter and the XML answers
 * read only its declaration, so adding a kind is adding one file (and its line in the catalog's
 * index).
 */
const PROBE = defineKind({
  tag: 'LayoutProbe',
  source: 'kinds-layout.test.ts',
  fillDefaults: false,
  fields: {
    Level: enumOf(['low', 'high'], { required: true }),
    Frame: group({
      Size: int({ min: 1, max: 9 }),
      Inner: group({ Flag: bool(), Note: str() }),
    }),
    Track: group({ Url: str({ required: true }) }, { repeated: { max: 2 } }),
  },
  responseContainer: 'ProbeTpl',
  responseLeaves: { State: 'Normal' },
  rules: [requireSome(['Frame', 'Track']), allowedValues('Frame.Size', ['1', '2'], when('Level', 'low'))],
  example: '<Request><Tag>LayoutProbe</Tag><Name>probe</Name><Level>low</Level><Frame><Size>2</Size></Frame></Request>',
});

const body = (name: string, fields: string): string => `<Request><Tag>LayoutProbe</Tag><Name>${name}</Name>${fields}</Request>`;

describe('a kind declared only in a test, through buildServer({ kinds })', () => {
  let app: FastifyInstance;
  let strictApp: FastifyInstance;
  beforeAll(async () => {
    app = await buildServer(testConfig(), { kinds: new KindRegistry([PROBE]) });
    strictApp = await buildServer(testConfig({ strict: true }), { kinds: new KindRegistry([PROBE]) });
  });
  afterAll(async () => {
    await app.close();
    await strictApp.close();
  });

  it('creates, describes by tag, updates and deletes', async () => {
    const created = await call(app, {
      method: 'POST',
      path: '/template',
      body: body(
        'probe',
        '<Level>low</Level><Frame><Inner><Flag>true</Flag></Inner><Size>02</Size></Frame><Track><Url>a</Url></Track><Track><Url>b</Url></Track>',
      ),
    });
    expect(created.statusCode).toBe(200);
    const template = templateOf(created.body);
    expect(template).toMatchObject({ Tag: 'LayoutProbe', Name: 'probe', State: 'Normal' });
    // Root fields wrapped in the declared container, in declaration order, normalised, repeats kept.
    expect(created.body).toContain(
      '<State>Normal</State><ProbeTpl><Level>low</Level><Frame><Size>2</Size><Inner><Flag>true</Flag></Inner></Frame><Track><Url>a</Url></Track><Track><Url>b</Url></Track></ProbeTpl>',
    );

    const listed = describeOf((await call(app, { method: 'GET', path: '/template', query: { tag: 'LayoutProbe' } })).body);
    expect(listed.TotalCount).toBe('1');
    expect(listed.TemplateList[0]?.['ProbeTpl']).toEqual({ Level: 'low', Frame: { Size: '2', Inner: { Flag: 'true' } }, Track: [{ Url: 'a' }, { Url: 'b' }] });

    const updated = await call(app, {
      method: 'PUT',
      path: `/template/${template.TemplateId}`,
      body: body('probe-2', '<Level>high</Level><Track><Url>c</Url></Track>'),
    });
    expect(updated.statusCode).toBe(200);
    expect(templateOf(updated.body)['ProbeTpl']).toEqual({ Level: 'high', Track: { Url: 'c' } });

    expect((await call(app, { method: 'DELETE', path: `/template/${template.TemplateId}` })).statusCode).toBe(200);
    expect(describeOf((await call(app, { method: 'GET', path: '/template', query: { tag: 'LayoutProbe' } })).body).TotalCount).toBe('0');
  });

  it.each([
    ['a field outside its enum', '<Level>mid</Level><Track><Url>a</Url></Track>', 'Level must be one of low, high; got "mid".'],
    [
      'a third Track',
      '<Level>low</Level><Track><Url>a</Url></Track><Track><Url>b</Url></Track><Track><Url>c</Url></Track>',
      'Track may be given at most 2 times; got 3.',
    ],
    ['a Track without its Url', '<Level>low</Level><Track><Url></Url></Track>', 'Track.Url is required.'],
  ])('refuses %s with the path in the message, in both modes', async (_what, fields, message) => {
    for (const server of [app, strictApp]) {
      expect(errorOf(await call(server, { method: 'POST', path: '/template', body: body('refused', fields) }))).toMatchObject({
        status: 400,
        code: 'InvalidArgument',
        message,
      });
    }
  });

  const strictOnly = [
    [
      'a nested unknown element',
      '<Level>low</Level><Frame><Inner><Typo>1</Typo></Inner></Frame>',
      'Frame.Inner.Typo is not an element this template kind accepts.',
      ['Frame.Inner.Typo'],
    ],
    ['neither Frame nor Track', '<Level>high</Level>', 'At least one of Frame, Track must be given.', []],
    ['a Size the Level forbids', '<Level>low</Level><Frame><Size>5</Size></Frame>', 'Frame.Size must be one of 1, 2 when Level is low; got "5".', []],
    [
      'an ImageOCR container',
      '<Level>low</Level><Frame><Size>1</Size></Frame><ImageOCR><Type>general</Type></ImageOCR>',
      'ImageOCR is not an element this template kind accepts.',
      ['ImageOCR'],
    ],
  ] as const;

  it.each(strictOnly)('refuses %s with the path in the message, in strict mode', async (_what, fields, message) => {
    expect(errorOf(await call(strictApp, { method: 'POST', path: '/template', body: body('refused', fields) }))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message,
    });
  });

  it.each(strictOnly)('takes %s in the default mode, storing only what it knows', async (_what, fields, _message, ignored) => {
    const name = `lenient${ignored.length}${fields.length}`;
    const created = await call(app, { method: 'POST', path: '/template', body: body(name, fields) });
    expect(created.statusCode).toBe(200);
    for (const path of ignored) expect(created.body).not.toContain(`<${path.split('.').at(-1)}>`);
    const journal = (await app.inject({ method: 'GET', url: '/_emulator/requests?limit=1' })).json<{ requests: { ignored: string[] }[] }>();
    expect(journal.requests[0]?.ignored).toEqual(ignored);
    await call(app, { method: 'DELETE', path: `/template/${templateOf(created.body).TemplateId}` });
  });

  it('knows no other Tag: the registry is the only list of kinds', async () => {
    const error = errorOf(
      await call(app, {
        method: 'POST',
        path: '/template',
        body: '<Request><Tag>ImageOCR</Tag><Name>n</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>',
      }),
    );
    expect(error.message).toContain('use one of LayoutProbe');
    expect(errorOf(await call(app, { method: 'GET', path: '/template', query: { tag: 'ImageOCR' } })).code).toBe('InvalidArgument');
  });
});

describe('the catalog index', () => {
  it('lists exactly the kinds of the files in src/kinds/catalog/, each file one kind', async () => {
    const folder = fileURLToPath(new URL('../../src/kinds/catalog/', import.meta.url));
    const files = readdirSync(folder).filter((file) => file.endsWith('.ts') && file !== 'index.ts');
    const declared = await Promise.all(
      files.map(async (file) => ((await import(pathToFileURL(join(folder, file)).href)) as { default: TemplateKind }).default),
    );
    expect(new Set(declared)).toEqual(new Set(CATALOG));
    expect(CATALOG).toHaveLength(files.length);
  });

  it('gives each kind its own Tag', () => {
    expect(new KindRegistry(CATALOG).tags).toHaveLength(CATALOG.length);
    expect(() => new KindRegistry([...CATALOG, CATALOG[0]!])).toThrow(/declared twice/);
  });
});

describe('defineKind checks a declaration when it loads', () => {
  const base = {
    tag: 'Broken',
    source: 'test',
    fillDefaults: false,
    example: '<Request/>',
    fields: { Mode: enumOf(['a', 'b']), List: group({ Item: str() }, { repeated: { max: 3 } }) },
  } satisfies TemplateKind;
  it.each([
    ['a rule on an undeclared path', [requireSome(['Nope'])], 'names Nope, which is not declared'],
    ['a rule through a repeated element', [requireSome(['List.Item'])], 'goes through a repeated element'],
    ['a condition value outside the enum', [requireSome(['Mode'], { when: [when('Mode', 'c')] })], 'uses c, not values of the field'],
    ['allowed values outside the enum', [allowedValues('Mode', ['z'])], 'uses z, not values of the field'],
  ])('refuses %s', (_what, rules, problem) => {
    expect(() => defineKind({ ...base, rules })).toThrow(problem);
  });

  it('refuses a repeated group without a maximum', () => {
    expect(() => defineKind({ ...base, fields: { Outer: group({ List: group({ Item: str() }, { repeated: { min: 1 } }) }) } })).toThrow(
      'Outer.List repeats without a maximum',
    );
  });

  it('takes every kind of the catalog', () => {
    expect(CATALOG.length).toBeGreaterThanOrEqual(19);
  });
});

describe('docs/parity.md', () => {
  const page = readFileSync(fileURLToPath(new URL('../../docs/parity.md', import.meta.url)), 'utf8');
  const start = page.indexOf('\n## Template kinds\n');
  const end = page.indexOf('\n## ', start + 1);
  const section = page.slice(start, end === -1 ? undefined : end);
  /** Tag → the "answer container" column of its row. */
  const rows = new Map([...section.matchAll(/^\| `([A-Za-z]+)` \| [^|]* \| `([A-Za-z]+)` \|/gm)].map((match) => [match[1], match[2]]));

  it('has one row per kind in its "Template kinds" section', () => {
    expect([...rows.keys()].sort()).toEqual(CATALOG.map((kind) => kind.tag).sort());
  });

  it.each(CATALOG.map((kind) => [kind.tag, kind] as const))('names the answer container %s declares', (tag, kind) => {
    expect(rows.get(tag)).toBe(answerContainer(kind));
  });
});
