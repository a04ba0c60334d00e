import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/admin/journal.js';
import { NOTES_LIMIT } from '../../src/kinds/validate.js';
import { call, describeOf, errorOf, ocrBody, templateOf, testServer } from '../helpers.js';

/**
 * The two modes over HTTP: what the default mode ignores or reads last-wins is answered 200,
 * kept out of storage and answers, and named in the journal and a warn log line; strict mode
 * refuses the same bodies, naming the element.
 */

const CONCAT_WITH_TYPO =
  '<Request><Tag>Concat</Tag><Name>{name}</Name><ConcatTemplate>' +
  '<ConcatFragment><Url>https://a-1250000000.cos.ap-chongqing.myqcloud.com/1.mp4</Url><Mode>Start</Mode></ConcatFragment>' +
  '<Foo>typo</Foo><Container><Format>mp4</Format></Container></ConcatTemplate><Bar><Baz>1</Baz></Bar></Request>';

const logLines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let app: FastifyInstance;
let strictApp: FastifyInstance;
beforeAll(async () => {
  app = await testServer({ logLevel: 'warn' }, { logStream });
  strictApp = await testServer({ strict: true });
});
afterAll(async () => {
  await app.close();
  await strictApp.close();
});

async function lastEntry(server: FastifyInstance): Promise<JournalEntry> {
  const entries = (await server.inject({ method: 'GET', url: '/_emulator/requests?limit=1' })).json<{ requests: JournalEntry[] }>().requests;
  if (entries[0] === undefined) throw new Error('the journal is empty');
  return entries[0];
}

describe('an unknown element', () => {
  it('is ignored in the default mode: 200, not echoed, not stored, named in the journal and the log', async () => {
    const response = await call(app, { method: 'POST', path: '/template', body: CONCAT_WITH_TYPO.replace('{name}', 'typo') });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toMatch(/Foo|Bar|Baz/);
    const template = templateOf(response.body);
    expect(await lastEntry(app)).toMatchObject({ status: 200, ignored: ['Bar', 'ConcatTemplate.Foo'], repeated: [] });
    const warning = logLines.find((line) => line['requestId'] === template.RequestId);
    expect(warning).toMatchObject({ level: 40, ignored: ['Bar', 'ConcatTemplate.Foo'] });

    const listed = describeOf((await call(app, { method: 'GET', path: '/template', query: { ids: template.TemplateId } })).body);
    expect(JSON.stringify(listed.TemplateList)).not.toMatch(/Foo|Bar|Baz/);
    expect(listed.TemplateList[0]?.['ConcatTemplate']).toMatchObject({ Container: { Format: 'mp4' } });
  });

  it('is refused in strict mode, by its path', async () => {
    const body = CONCAT_WITH_TYPO.replace('{name}', 'typo').replace('<Bar><Baz>1</Baz></Bar>', '');
    const response = await call(strictApp, { method: 'POST', path: '/template', body });
    expect(errorOf(response)).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      message: 'ConcatTemplate.Foo is not an element this template kind accepts.',
    });
  });

  it('is noted once per path, and at most NOTES_LIMIT paths, however often a body repeats it', async () => {
    const many = Array.from({ length: NOTES_LIMIT + 50 }, (_, index) => `<U${index}/>`).join('');
    const body = ocrBody('many', `<Type>fast</Type>${'<Same/>'.repeat(500)}${many}`);
    expect((await call(app, { method: 'POST', path: '/template', body })).statusCode).toBe(200);
    const { ignored } = await lastEntry(app);
    expect(ignored).toHaveLength(NOTES_LIMIT);
    expect(ignored.filter((path) => path === 'ImageOCR.Same')).toHaveLength(1);
  });
});

describe('an element given twice', () => {
  const twice = ocrBody('twice', '<Type>fast</Type><Type>accurate</Type>');

  it('is read last-wins in the default mode, and named in the journal', async () => {
    const response = await call(app, { method: 'POST', path: '/template', body: twice });
    expect(templateOf(response.body)['ImageOCR']).toMatchObject({ Type: 'accurate' });
    expect(await lastEntry(app)).toMatchObject({ ignored: [], repeated: ['ImageOCR.Type'] });
  });

  it('is read last-wins for Name too', async () => {
    const body = '<Request><Tag>ImageOCR</Tag><Name>first</Name><Name>second</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>';
    expect(templateOf((await call(app, { method: 'POST', path: '/template', body })).body).Name).toBe('second');
    expect((await lastEntry(app)).repeated).toEqual(['Name']);
  });

  it('is refused in strict mode', async () => {
    expect(errorOf(await call(strictApp, { method: 'POST', path: '/template', body: twice })).message).toBe('ImageOCR.Type is given more than once.');
  });
});

describe('enum values', () => {
  const shouted = ocrBody('shouted', '<Type>FAST</Type><IsPdf>TRUE</IsPdf>');

  it('compare without regard to case in the default mode, and are echoed as sent', async () => {
    const template = templateOf((await call(app, { method: 'POST', path: '/template', body: shouted })).body);
    expect(template['ImageOCR']).toMatchObject({ Type: 'FAST', IsPdf: 'TRUE' });
  });

  it('must match exactly in strict mode', async () => {
    expect(errorOf(await call(strictApp, { method: 'POST', path: '/template', body: shouted })).message).toMatch(/^ImageOCR\.Type must be one of general/);
  });

  it('outside the enum are refused in both modes', async () => {
    for (const server of [app, strictApp]) {
      expect(errorOf(await call(server, { method: 'POST', path: '/template', body: ocrBody('odd', '<Type>blurry</Type>') })).code).toBe('InvalidArgument');
    }
  });
});

describe('the Tag', () => {
  it('is compared exactly in both modes: the service dispatches on it', async () => {
    for (const server of [app, strictApp]) {
      const error = errorOf(
        await call(server, {
          method: 'POST',
          path: '/template',
          body: '<Request><Tag>imageocr</Tag><Name>n</Name><ImageOCR><Type>fast</Type></ImageOCR></Request>',
        }),
      );
      expect(error.message).toMatch(/^Tag "imageocr" is not a template kind/);
    }
  });
});

describe('a value given as a container', () => {
  const nested = ocrBody('nested', '<Type>fast<Inner>x</Inner></Type>');

  it('keeps its text and ignores what is inside in the default mode', async () => {
    expect(templateOf((await call(app, { method: 'POST', path: '/template', body: nested })).body)['ImageOCR']).toMatchObject({ Type: 'fast' });
    expect((await lastEntry(app)).ignored).toEqual(['ImageOCR.Type.Inner']);
  });

  it('is refused in strict mode', async () => {
    expect(errorOf(await call(strictApp, { method: 'POST', path: '/template', body: nested })).message).toBe('ImageOCR.Type must be a value, not a container.');
  });
});

describe('the mode is shown', () => {
  it('by health', async () => {
    expect((await app.inject({ url: '/_emulator/health' })).json()).toMatchObject({ mode: 'default' });
    expect((await strictApp.inject({ url: '/_emulator/health' })).json()).toMatchObject({ mode: 'strict' });
  });

  it('by the dashboard, with what a request had ignored', async () => {
    await call(app, { method: 'POST', path: '/template', body: CONCAT_WITH_TYPO.replace('{name}', 'shown') });
    const page = (await app.inject({ url: '/_emulator/' })).body;
    expect(page).toMatch(/<span class="muted">mode<\/span> default/);
    expect(page).toContain('ignored: Bar, ConcatTemplate.Foo');
    expect((await strictApp.inject({ url: '/_emulator/' })).body).toMatch(/<span class="muted">mode<\/span> strict/);
  });
});
