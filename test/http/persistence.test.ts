import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, createOcr, describeOf, testServer } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cie-persist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a file database', () => {
  it('keeps a created template across a restart', async () => {
    const db = join(dir, 'restart.db');
    const first = await testServer({ db });
    const created = await createOcr(first, 'survivor');
    await first.close();

    const second = await testServer({ db });
    const page = describeOf((await call(second, { method: 'GET', path: '/template', query: { ids: created.TemplateId } })).body);
    expect(page.TemplateList).toEqual([expect.objectContaining({ TemplateId: created.TemplateId, Name: 'survivor', CreateTime: created.CreateTime })]);
    await second.close();
  });

  it('describes exactly what was there after a restart', async () => {
    const db = join(dir, 'exact.db');
    const first = await testServer({ db });
    for (const name of ['a', 'b', 'c']) await createOcr(first, name);
    const doomed = await createOcr(first, 'd');
    await call(first, { method: 'DELETE', path: `/template/${doomed.TemplateId}` });
    const kept = await createOcr(first, 'e');
    await call(first, {
      method: 'PUT',
      path: `/template/${kept.TemplateId}`,
      body: '<Request><Tag>ImageOCR</Tag><Name>e2</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>',
    });
    const before = (await call(first, { method: 'GET', path: '/template' })).body;
    await first.close();

    const second = await testServer({ db });
    const after = (await call(second, { method: 'GET', path: '/template' })).body;
    const withoutRequestId = (body: string): string => body.replace(/<RequestId>[^<]*<\/RequestId>/, '');
    expect(withoutRequestId(after)).toBe(withoutRequestId(before));
    expect(describeOf(after).TotalCount).toBe('4');
    await second.close();
  });

  it('works on :memory: too, starting empty each time', async () => {
    const first = await testServer({ db: ':memory:' });
    await createOcr(first, 'gone');
    await first.close();
    const second = await testServer({ db: ':memory:' });
    expect(describeOf((await call(second, { method: 'GET', path: '/template' })).body).TotalCount).toBe('0');
    await second.close();
  });
});
