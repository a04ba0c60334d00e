import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/kinds/catalog/index.js';
import type { TemplateKind } from '../../src/kinds/schema.js';
import { answerContainer, leafFields } from '../kind-cases.js';
import { call, describeOf, errorOf, templateOf, testServer, xml, type TemplateXml, type XmlTree } from '../helpers.js';

/**
 * Every kind's doc example (the `example` of its declaration, copied from template-kinds.md)
 * through the four operations with app.inject. What each answer must hold is read from the
 * registry's declarations; test/unit/kinds-layout.test.ts checks those against docs/parity.md.
 */

/** `<Template>` children every kind has (and the RequestId templateOf adds); `State` is answered by three kinds, as their doc examples show. */
const COMMON = new Set(['Tag', 'Name', 'TemplateId', 'CreateTime', 'UpdateTime', 'BucketId', 'Category', 'State', 'RequestId']);

const KINDS: readonly TemplateKind[] = CATALOG;
const hostOf = (tag: string): string => `${tag.toLowerCase()}-1250000000.ci.ap-guangzhou.myqcloud.com`;
const withName = (example: string, name: string): string => example.replace('<Name>TemplateName</Name>', `<Name>${name}</Name>`);

/** Non-empty leaves by path; repeated elements get their index. */
function flatten(tree: XmlTree, prefix = ''): Record<string, string> {
  if (typeof tree === 'string') return tree === '' ? {} : { [prefix.slice(0, -1)]: tree };
  if (Array.isArray(tree)) return Object.assign({}, ...tree.map((item: XmlTree, index) => flatten(item, `${prefix}${index}.`))) as Record<string, string>;
  return Object.assign({}, ...Object.entries(tree).map(([name, value]) => flatten(value, `${prefix}${name}.`))) as Record<string, string>;
}

/** The example's own elements (without Tag and Name), as the answer container should echo them. */
function expectedEcho(kind: TemplateKind): Record<string, string> {
  const request = xml(kind.example)['Request'] as Record<string, XmlTree>;
  const sent: Record<string, XmlTree> = Object.fromEntries(Object.entries(request).filter(([name]) => name !== 'Tag' && name !== 'Name'));
  const echo = flatten(sent);
  // A value that means "not set" is not answered (§4.5a); a kind that fills defaults answers them.
  for (const { path, field } of leafFields(kind)) {
    const value = echo[path];
    if (value !== undefined && field.unsetValues?.includes(value)) delete echo[path];
    if (value === undefined && kind.fillDefaults && field.default !== undefined) echo[path] = field.default;
  }
  return echo;
}

/** The kind's part of an answer, with the request's own layout (container or root fields). */
function answered(kind: TemplateKind, template: TemplateXml): Record<string, string> {
  const container = answerContainer(kind);
  const request = xml(kind.example)['Request'] as Record<string, XmlTree>;
  const sentAsContainer = Object.hasOwn(request, container);
  const data = template[container];
  if (data === undefined) throw new Error(`no <${container}> in ${JSON.stringify(template)}`);
  return flatten(sentAsContainer ? { [container]: data } : data);
}

const kindParts = (template: TemplateXml): string[] => Object.keys(template).filter((name) => !COMMON.has(name));

describe.each(KINDS.map((kind) => [kind.tag, kind] as const))('%s: the doc example', (tag, kind) => {
  let app: FastifyInstance;
  const host = hostOf(tag);
  const container = answerContainer(kind);
  const otherKind = KINDS.find((other) => other.tag !== tag && answerContainer(other) !== container)!;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());

  it(`creates, describes, updates and deletes, answering in <${container}>`, async () => {
    const createdResponse = await call(app, { method: 'POST', path: '/template', body: kind.example, host });
    expect(createdResponse.statusCode, createdResponse.body).toBe(200);
    const created = templateOf(createdResponse.body);
    expect(created).toMatchObject({ Tag: tag, Name: 'TemplateName', Category: 'Custom', BucketId: `${tag.toLowerCase()}-1250000000` });
    expect(kindParts(created)).toEqual([container]);
    expect(created['State']).toBe(kind.responseLeaves?.['State']);
    expect(answered(kind, created)).toEqual(expectedEcho(kind));

    const byTag = describeOf((await call(app, { method: 'GET', path: '/template', query: { tag }, host })).body);
    expect(byTag.TotalCount).toBe('1');
    expect(byTag.TemplateList[0]).toMatchObject({ TemplateId: created.TemplateId, Tag: tag });
    expect(kindParts(byTag.TemplateList[0]!)).toEqual([container]);
    expect(answered(kind, byTag.TemplateList[0]!)).toEqual(expectedEcho(kind));
    expect(describeOf((await call(app, { method: 'GET', path: '/template', query: { tag: 'All' }, host })).body).TotalCount).toBe('1');
    expect(describeOf((await call(app, { method: 'GET', path: '/template', query: { tag: otherKind.tag }, host })).body).TotalCount).toBe('0');

    const updatedResponse = await call(app, { method: 'PUT', path: `/template/${created.TemplateId}`, body: withName(kind.example, 'Renamed'), host });
    expect(updatedResponse.statusCode, updatedResponse.body).toBe(200);
    const updated = templateOf(updatedResponse.body);
    expect(updated).toMatchObject({ TemplateId: created.TemplateId, Name: 'Renamed', Tag: tag, CreateTime: created.CreateTime });
    expect(kindParts(updated)).toEqual([container]);
    expect(answered(kind, updated)).toEqual(expectedEcho(kind));

    const deleted = await call(app, { method: 'DELETE', path: `/template/${created.TemplateId}`, host });
    expect(deleted.statusCode).toBe(200);
    expect(describeOf((await call(app, { method: 'GET', path: '/template', query: { tag }, host })).body).TotalCount).toBe('0');
  });

  it(`keeps its Tag: an update with ${otherKind.tag}'s body is refused and nothing changes`, async () => {
    const created = templateOf((await call(app, { method: 'POST', path: '/template', body: withName(kind.example, 'Kept'), host })).body);
    const error = errorOf(await call(app, { method: 'PUT', path: `/template/${created.TemplateId}`, body: withName(otherKind.example, 'Kept'), host }));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument', message: expect.stringContaining('Tag cannot change') });
    const listed = describeOf((await call(app, { method: 'GET', path: '/template', query: { ids: created.TemplateId }, host })).body).TemplateList[0]!;
    expect(listed).toMatchObject({ Tag: tag, Name: 'Kept' });
    expect(kindParts(listed)).toEqual([container]);
  });

  it('refuses a second template of the same name and Tag: TemplateNameDuplicate', async () => {
    await call(app, { method: 'POST', path: '/template', body: withName(kind.example, 'Twice'), host });
    expect(errorOf(await call(app, { method: 'POST', path: '/template', body: withName(kind.example, 'Twice'), host }))).toMatchObject({
      status: 400,
      code: 'TemplateNameDuplicate',
    });
  });
});

describe('all kinds in one bucket', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());

  it('holds one template of each Tag under the same name, and lists each in its own container', async () => {
    for (const kind of KINDS) {
      const response = await call(app, { method: 'POST', path: '/template', body: kind.example });
      expect(response.statusCode, `${kind.tag}: ${response.body}`).toBe(200);
    }
    const all = describeOf((await call(app, { method: 'GET', path: '/template', query: { tag: 'All', pageSize: '100' } })).body);
    expect(all.TotalCount).toBe(String(KINDS.length));
    for (const template of all.TemplateList)
      expect(kindParts(template), template.Tag).toEqual([answerContainer(KINDS.find((kind) => kind.tag === template.Tag)!)]);
    for (const kind of KINDS) {
      const page = describeOf((await call(app, { method: 'GET', path: '/template', query: { tag: kind.tag } })).body);
      expect(
        page.TemplateList.map((template) => template.Tag),
        kind.tag,
      ).toEqual([kind.tag]);
    }
  });

  it('shows a Transcode template on the dashboard with its nested containers readable', async () => {
    const body = withName(KINDS.find((kind) => kind.tag === 'Transcode')!.example, 'dashboard-nested');
    expect((await call(app, { method: 'POST', path: '/template', body })).statusCode).toBe(200);
    const page = (await app.inject({ method: 'GET', url: '/_emulator/' })).body;
    const row = page.slice(page.indexOf('dashboard-nested'));
    const text = row
      .slice(0, row.indexOf('</tr>'))
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ');
    // Each container's name, then its fields and values, in order; no JSON dump.
    expect(text).toMatch(/Container Format mp4 Video Codec H\.264 Width 1280 Fps 30 Profile high Bitrate 1000 Preset medium Audio Codec aac/);
    expect(text).toMatch(/AudioMixArray AudioSource https:\/\/test-xxx\.cos\.ap-chongqing\.myqcloud\.com\/mix1\.mp3 MixMode Once Replace true/);
    expect(row.slice(0, row.indexOf('</tr>'))).not.toContain('{&quot;');
  });
});

describe('the root-layout kinds', () => {
  let app: FastifyInstance;
  let strictApp: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
    strictApp = await testServer({ strict: true });
  });
  afterAll(async () => {
    await app.close();
    await strictApp.close();
  });

  const wrapped = '<Request><Tag>Transcode</Tag><Name>n</Name><TransTpl><Container><Format>mp4</Format></Container></TransTpl></Request>';

  it('ignore their answer container in a request, which then lacks its Container', async () => {
    expect(errorOf(await call(app, { method: 'POST', path: '/template', body: wrapped }))).toMatchObject({
      code: 'InvalidArgument',
      message: 'Container is required.',
    });
  });

  it('refuse their answer container as an unknown element in strict mode', async () => {
    expect(errorOf(await call(strictApp, { method: 'POST', path: '/template', body: wrapped }))).toMatchObject({
      code: 'InvalidArgument',
      message: 'TransTpl is not an element this template kind accepts.',
    });
  });

  it('answer a fields-only body with its empty containers left out', async () => {
    const body = '<Request><Tag>Transcode</Tag><Name>bare</Name><Container><Format>mp4</Format></Container><Video/><Audio><Codec></Codec></Audio></Request>';
    const response = await call(app, { method: 'POST', path: '/template', body });
    expect(response.body).toContain('<TransTpl><Container><Format>mp4</Format></Container></TransTpl>');
  });
});
