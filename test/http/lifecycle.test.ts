import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/kinds/catalog/index.js';
import { KindRegistry } from '../../src/kinds/registry.js';
import { defineKind, group, int } from '../../src/kinds/schema.js';
import { BUCKET_HOST, SECRET_ID, SECRET_KEY, call, createOcr, describeOf, errorOf, ocrBody, templateOf, testServer, type TemplateXml } from '../helpers.js';

/** Describe, update and delete through app.inject; the SDK versions are in test/sdk. */

const hostOf = (bucket: string): string => `${bucket}.ci.ap-guangzhou.myqcloud.com`;
const describeCall = async (app: FastifyInstance, query: Record<string, string>, host?: string) =>
  call(app, { method: 'GET', path: '/template', query, ...(host === undefined ? {} : { host }) });
const names = (templates: readonly TemplateXml[]): string[] => templates.map((template) => template.Name);

describe('describe: paging over 25 templates', () => {
  let app: FastifyInstance;
  const host = hostOf('paging-1250000000');
  beforeAll(async () => {
    app = await testServer();
    for (let i = 1; i <= 25; i++) await createOcr(app, `tpl-${String(i).padStart(2, '0')}`, { host });
  });
  afterAll(() => app.close());

  it('answers 10 per page by default, newest first', async () => {
    const page = describeOf((await describeCall(app, {}, host)).body);
    expect(page).toMatchObject({ TotalCount: '25', PageNumber: '1', PageSize: '10' });
    expect(names(page.TemplateList)).toEqual(['tpl-25', 'tpl-24', 'tpl-23', 'tpl-22', 'tpl-21', 'tpl-20', 'tpl-19', 'tpl-18', 'tpl-17', 'tpl-16']);
    expect(page.NonExistTIDs).toBeUndefined();
  });

  it('gives three pages, the last one partial', async () => {
    const pages = await Promise.all([1, 2, 3].map(async (n) => describeOf((await describeCall(app, { pageNumber: String(n), pageSize: '10' }, host)).body)));
    expect(pages.map((page) => page.TemplateList.length)).toEqual([10, 10, 5]);
    expect(names(pages[2]!.TemplateList)).toEqual(['tpl-05', 'tpl-04', 'tpl-03', 'tpl-02', 'tpl-01']);
    const all = pages.flatMap((page) => page.TemplateList.map((template) => template.TemplateId));
    expect(new Set(all).size).toBe(25);
  });

  it('answers a page past the end with TotalCount and no TemplateList', async () => {
    const response = await describeCall(app, { pageNumber: '4', pageSize: '10' }, host);
    const page = describeOf(response.body);
    expect(page).toMatchObject({ TotalCount: '25', PageNumber: '4', PageSize: '10' });
    expect(response.body).not.toContain('<TemplateList>');
  });

  it('takes pageSize 1 and 100', async () => {
    expect(describeOf((await describeCall(app, { pageSize: '1' }, host)).body).TemplateList).toHaveLength(1);
    expect(describeOf((await describeCall(app, { pageSize: '100' }, host)).body).TemplateList).toHaveLength(25);
  });

  it.each([
    ['pageSize', '0'],
    ['pageSize', '101'],
    ['pageSize', 'ten'],
    ['pageSize', '-1'],
    ['pageSize', '1.5'],
    ['pageNumber', '0'],
    ['pageNumber', 'x'],
    ['pageNumber', '1e2'],
  ])('refuses %s=%s', async (name, value) => {
    expect(errorOf(await describeCall(app, { [name]: value }, host))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: expect.stringContaining(name),
    });
  });
});

describe('describe: filters', () => {
  let app: FastifyInstance;
  const host = hostOf('filters-1250000000');
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    app = await testServer();
    for (const name of ['alpha', 'alpha_2', 'alphaX', 'Alpha', 'beta', 'a_b', 'axb', 'a*b', '模板一', '模板二']) {
      ids[name] = (await createOcr(app, name, { host })).TemplateId;
    }
  });
  afterAll(() => app.close());

  it('takes the Python SDK exact query', async () => {
    const page = describeOf((await describeCall(app, { category: 'Custom', ids: '', name: '', pageNumber: '1', pageSize: '10' }, host)).body);
    expect(page.TotalCount).toBe('10');
  });

  it('filters by a literal, case-sensitive name prefix', async () => {
    expect(names(describeOf((await describeCall(app, { name: 'alpha' }, host)).body).TemplateList)).toEqual(['alphaX', 'alpha_2', 'alpha']);
    expect(names(describeOf((await describeCall(app, { name: 'Al' }, host)).body).TemplateList)).toEqual(['Alpha']);
    expect(names(describeOf((await describeCall(app, { name: '模板' }, host)).body).TemplateList)).toEqual(['模板二', '模板一']);
  });

  it('treats _ and * in the prefix as plain characters', async () => {
    expect(names(describeOf((await describeCall(app, { name: 'a_' }, host)).body).TemplateList)).toEqual(['a_b']);
    expect(names(describeOf((await describeCall(app, { name: 'a*' }, host)).body).TemplateList)).toEqual(['a*b']);
  });

  it('answers a prefix that matches nothing with TotalCount 0', async () => {
    const response = await describeCall(app, { name: 'zzz' }, host);
    expect(describeOf(response.body)).toMatchObject({ TotalCount: '0' });
    expect(response.body).not.toContain('<TemplateList>');
  });

  it('filters by ids and lists the missing ones in NonExistTIDs', async () => {
    const missing = `t1${'a'.repeat(32)}`;
    const page = describeOf((await describeCall(app, { ids: `${ids['beta']},${missing},${ids['alpha']}` }, host)).body);
    expect(page.TotalCount).toBe('2');
    expect(names(page.TemplateList)).toEqual(['beta', 'alpha']);
    expect(page.NonExistTIDs).toEqual({ TemplateId: [missing] });
  });

  it('combines filters', async () => {
    const page = describeOf(
      (await describeCall(app, { ids: `${ids['beta']},${ids['alpha']},${ids['alpha_2']}`, name: 'alp', tag: 'ImageOCR', category: 'Custom' }, host)).body,
    );
    expect(names(page.TemplateList)).toEqual(['alpha_2', 'alpha']);
    expect(page.TotalCount).toBe('2');
  });

  it('filters by tag, All being every kind', async () => {
    expect(describeOf((await describeCall(app, { tag: 'ImageOCR' }, host)).body).TotalCount).toBe('10');
    expect(describeOf((await describeCall(app, { tag: 'All' }, host)).body).TotalCount).toBe('10');
  });

  it('answers no official presets for ImageOCR', async () => {
    const page = describeOf((await describeCall(app, { category: 'Official', tag: 'ImageOCR' }, host)).body);
    expect(page.TotalCount).toBe('0');
  });

  it('ignores unknown parameters', async () => {
    expect(describeOf((await describeCall(app, { 'response-cache-control': 'no-cache', pagenumber: 'x' }, host)).body).TotalCount).toBe('10');
  });

  it.each([
    ['tag', 'Nope'],
    ['tag', 'imageocr'],
    ['category', 'custom'],
    ['category', 'Mine'],
  ])('refuses %s=%s', async (name, value) => {
    expect(errorOf(await describeCall(app, { [name]: value }, host))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: expect.stringContaining(name),
    });
  });
});

describe('describe: order', () => {
  let clock = 1_800_000_000_000;
  let app: FastifyInstance;
  beforeEach(async () => {
    clock = 1_800_000_000_000;
    app = await testServer({}, { clock: () => clock });
  });
  afterEach(() => app.close());

  const signedAt = (): number => Math.floor(clock / 1000) - 1;

  it('lists templates created within one second newest first', async () => {
    for (const name of ['first', 'second', 'third', 'fourth']) await createOcr(app, name, { signedAt: signedAt() });
    const page = describeOf((await call(app, { method: 'GET', path: '/template', signedAt: signedAt() })).body);
    expect(new Set(page.TemplateList.map((template) => template.CreateTime)).size).toBe(1);
    expect(names(page.TemplateList)).toEqual(['fourth', 'third', 'second', 'first']);
  });

  it('orders by CreateTime first', async () => {
    await createOcr(app, 'later', { signedAt: signedAt() });
    clock -= 60_000;
    await createOcr(app, 'earlier', { signedAt: signedAt() });
    const page = describeOf((await call(app, { method: 'GET', path: '/template', signedAt: signedAt() })).body);
    expect(names(page.TemplateList)).toEqual(['later', 'earlier']);
  });
});

describe('update', () => {
  let clock = 1_800_000_000_000;
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer({}, { clock: () => clock });
  });
  afterAll(() => app.close());
  const signedAt = (): number => Math.floor(clock / 1000) - 1;
  const put = (id: string, body: string) => call(app, { method: 'PUT', path: `/template/${id}`, body, signedAt: signedAt() });

  it('replaces Name and container, keeps TemplateId and CreateTime, moves UpdateTime', async () => {
    const created = await createOcr(app, 'before', { body: ocrBody('before', '<Type>accurate</Type><IsWord>true</IsWord>'), signedAt: signedAt() });
    clock += 5_000;
    const response = await put(created.TemplateId, ocrBody('after', '<Type>fast</Type><IsPdf>true</IsPdf>'));
    expect(response.statusCode).toBe(200);
    const updated = templateOf(response.body);
    expect(updated).toMatchObject({ TemplateId: created.TemplateId, Name: 'after', CreateTime: created.CreateTime, Tag: 'ImageOCR' });
    expect(updated.UpdateTime).not.toBe(created.UpdateTime);
    expect(Date.parse(updated.UpdateTime.replace(/(\d{2})(\d{2})$/, '$1:$2')) - Date.parse(created.CreateTime.replace(/(\d{2})(\d{2})$/, '$1:$2'))).toBe(5000);
    // fields left out return to their defaults
    expect(updated['ImageOCR']).toEqual({ Type: 'fast', LanguageType: 'zh', IsPdf: 'true', PdfPageNumber: '1', IsWord: 'false', EnableWordPolygon: 'false' });
    const listed = describeOf((await call(app, { method: 'GET', path: '/template', query: { ids: created.TemplateId }, signedAt: signedAt() })).body)
      .TemplateList[0]!;
    expect(listed).toMatchObject({ Name: 'after', UpdateTime: updated.UpdateTime, CreateTime: created.CreateTime });
  });

  it('may keep its own name', async () => {
    const created = await createOcr(app, 'same', { signedAt: signedAt() });
    expect((await put(created.TemplateId, ocrBody('same', '<Type>fast</Type>'))).statusCode).toBe(200);
  });

  it('refuses a name another template has: TemplateNameDuplicate', async () => {
    await createOcr(app, 'owner', { signedAt: signedAt() });
    const other = await createOcr(app, 'other', { signedAt: signedAt() });
    expect(errorOf(await put(other.TemplateId, ocrBody('owner')))).toMatchObject({ status: 400, code: 'TemplateNameDuplicate' });
  });

  it('refuses an unknown id: TemplateNotFound', async () => {
    expect(errorOf(await put(`t1${'b'.repeat(32)}`, ocrBody('x')))).toMatchObject({ status: 404, code: 'TemplateNotFound' });
    expect(errorOf(await put('not-an-id', ocrBody('x')))).toMatchObject({ status: 404, code: 'TemplateNotFound' });
  });

  it('refuses a change of Tag', async () => {
    const kinds = new KindRegistry([
      ...CATALOG,
      defineKind({ tag: 'Probe', fillDefaults: false, source: 'test', example: '', fields: { Probe: group({ Level: int() }, { required: true }) } }),
    ]);
    const twoKinds = await testServer({}, { kinds });
    const created = await createOcr(twoKinds, 'tagged');
    const body = '<Request><Tag>Probe</Tag><Name>tagged</Name><Probe><Level>1</Level></Probe></Request>';
    const error = errorOf(await call(twoKinds, { method: 'PUT', path: `/template/${created.TemplateId}`, body }));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument', message: expect.stringContaining('Tag cannot change') });
    await twoKinds.close();
  });

  it('validates the body like create and stores nothing on failure', async () => {
    const created = await createOcr(app, 'kept', { signedAt: signedAt() });
    expect(errorOf(await put(created.TemplateId, ocrBody('kept', '<Type>bad</Type>')))).toMatchObject({ code: 'InvalidArgument' });
    expect(errorOf(await put(created.TemplateId, ''))).toMatchObject({ code: 'MissingContent' });
    const listed = describeOf((await call(app, { method: 'GET', path: '/template', query: { ids: created.TemplateId }, signedAt: signedAt() })).body)
      .TemplateList[0]!;
    expect(listed['ImageOCR']).toMatchObject({ Type: 'general' });
  });
});

describe('delete', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testServer();
  });
  afterAll(() => app.close());

  it('answers <Response><RequestId/><TemplateId/></Response> and the template is gone', async () => {
    const created = await createOcr(app, 'doomed');
    const response = await call(app, { method: 'DELETE', path: `/template/${created.TemplateId}` });
    expect(response.statusCode).toBe(200);
    const requestId = String(response.headers['x-ci-request-id']);
    expect(response.body).toBe(`<Response><RequestId>${requestId}</RequestId><TemplateId>${created.TemplateId}</TemplateId></Response>`);
    const page = describeOf((await call(app, { method: 'GET', path: '/template', query: { ids: created.TemplateId } })).body);
    expect(page.TotalCount).toBe('0');
    expect(page.NonExistTIDs).toEqual({ TemplateId: [created.TemplateId] });
  });

  it('refuses an unknown id: TemplateNotFound', async () => {
    expect(errorOf(await call(app, { method: 'DELETE', path: `/template/t1${'c'.repeat(32)}` }))).toMatchObject({ status: 404, code: 'TemplateNotFound' });
  });

  it('ignores the body whatever its Content-Type, as browsers send text/plain', async () => {
    const created = await createOcr(app, 'browser-delete');
    const response = await call(app, {
      method: 'DELETE',
      path: `/template/${created.TemplateId}`,
      body: 'not xml at all',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('frees the name for a new template', async () => {
    const created = await createOcr(app, 'recycled');
    await call(app, { method: 'DELETE', path: `/template/${created.TemplateId}` });
    expect((await createOcr(app, 'recycled')).TemplateId).not.toBe(created.TemplateId);
  });
});

describe('buckets', () => {
  let app: FastifyInstance;
  const hostA = hostOf('alpha-1250000000');
  const hostB = hostOf('bravo-1250000000');
  beforeAll(async () => {
    app = await testServer({
      keys: [
        { secretId: SECRET_ID, secretKey: SECRET_KEY, appId: '1250000000' },
        { secretId: 'AKIDOTHER', secretKey: 'OTHERKEY', appId: '1300000000' },
      ],
    });
  });
  afterAll(() => app.close());

  it('isolates buckets in all four operations', async () => {
    const inA = await createOcr(app, 'mine', { host: hostA });
    expect(describeOf((await describeCall(app, {}, hostB)).body).TotalCount).toBe('0');
    expect(describeOf((await describeCall(app, { ids: inA.TemplateId }, hostB)).body).NonExistTIDs).toEqual({ TemplateId: [inA.TemplateId] });
    expect(errorOf(await call(app, { method: 'PUT', path: `/template/${inA.TemplateId}`, body: ocrBody('stolen'), host: hostB }))).toMatchObject({
      code: 'TemplateNotFound',
    });
    expect(errorOf(await call(app, { method: 'DELETE', path: `/template/${inA.TemplateId}`, host: hostB }))).toMatchObject({ code: 'TemplateNotFound' });
    expect(describeOf((await describeCall(app, {}, hostA)).body).TotalCount).toBe('1');
  });

  it('lets two buckets hold the same name', async () => {
    await createOcr(app, 'twin', { host: hostA });
    expect((await createOcr(app, 'twin', { host: hostB })).BucketId).toBe('bravo-1250000000');
  });

  it('keeps the default bucket (127.0.0.1) apart from named ones', async () => {
    await createOcr(app, 'default-only', { host: '127.0.0.1:8080' });
    expect(describeOf((await describeCall(app, { name: 'default-only' }, BUCKET_HOST)).body).TotalCount).toBe('1');
    expect(describeOf((await describeCall(app, { name: 'default-only' }, hostA)).body).TotalCount).toBe('0');
  });

  it('refuses a key of another APPID in all four operations: AccessDenied', async () => {
    const inA = await createOcr(app, 'guarded', { host: hostA });
    const other = { secretId: 'AKIDOTHER', secretKey: 'OTHERKEY', host: hostA };
    const calls = [
      call(app, { method: 'POST', path: '/template', body: ocrBody('intruder'), ...other }),
      call(app, { method: 'GET', path: '/template', ...other }),
      call(app, { method: 'PUT', path: `/template/${inA.TemplateId}`, body: ocrBody('intruder'), ...other }),
      call(app, { method: 'DELETE', path: `/template/${inA.TemplateId}`, ...other }),
    ];
    for (const response of await Promise.all(calls)) expect(errorOf(response)).toMatchObject({ status: 403, code: 'AccessDenied' });
    const own = await createOcr(app, 'own-appid', { ...other, host: hostOf('theirs-1300000000') });
    expect(own.BucketId).toBe('theirs-1300000000');
  });
});
