import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { OCR_EXAMPLE, ocrBody } from '../helpers.js';
import { asList, newCos, sdkError, sdkOk, startQuiet } from './sdk.js';

/** cos-nodejs-sdk-v5 against a listening emulator: the four operations as users call them. */

const CI_HOST = 'examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com';
let emulator: RunningEmulator;
let url: string;

beforeAll(async () => {
  emulator = await startQuiet();
  url = `${emulator.url}/template`;
});
afterAll(() => emulator.close());

interface TemplateData {
  readonly Tag: string;
  readonly Name: string;
  readonly TemplateId: string;
  readonly BucketId: string;
  readonly CreateTime: string;
  readonly UpdateTime: string;
  readonly ImageOCR: Record<string, string>;
}

const templateOf = (response: Record<string, unknown>): TemplateData => response['Template'] as TemplateData;

describe('create with cos-nodejs-sdk-v5', () => {
  it('creates the doc example through a Url on 127.0.0.1', async () => {
    const data = await sdkOk(newCos(), { Method: 'POST', Key: 'template', Url: url, Body: OCR_EXAMPLE, ContentType: 'application/xml' });
    const template = templateOf(data.Response);
    expect(data.statusCode).toBe(200);
    expect(data.RequestId).toBe(data.headers['x-ci-request-id']);
    expect(template).toMatchObject({ Tag: 'ImageOCR', Name: 'TemplateName', BucketId: 'examplebucket-1250000000' });
    expect(template.ImageOCR).toEqual({ Type: 'general', LanguageType: 'zh', IsPdf: 'true', PdfPageNumber: '2', IsWord: 'true', EnableWordPolygon: 'false' });
  });

  it('creates through the Ip option with a real *.ci.*.myqcloud.com Host', async () => {
    const cos = newCos({ Ip: `127.0.0.1:${emulator.port}` });
    const data = await sdkOk(cos, {
      Method: 'POST',
      Key: 'template',
      Url: `http://${CI_HOST}/template`,
      Body: ocrBody('via-ip'),
      ContentType: 'application/xml',
    });
    expect(templateOf(data.Response).BucketId).toBe('examplebucket-1250000000');
    const other = newCos({ Ip: `127.0.0.1:${emulator.port}` });
    const second = await sdkOk(other, {
      Method: 'POST',
      Key: 'template',
      Url: `http://second-1250000000.ci.ap-beijing.myqcloud.com/template`,
      Body: ocrBody('via-ip'),
      ContentType: 'application/xml',
    });
    expect(templateOf(second.Response).BucketId).toBe('second-1250000000');
  });

  it('reports a bad name as err.code InvalidArgument', async () => {
    const error = await sdkError(newCos(), { Method: 'POST', Key: 'template', Url: url, Body: ocrBody('bad name'), ContentType: 'application/xml' });
    expect(error.code).toBe('InvalidArgument');
    expect(error.statusCode).toBe(400);
  });

  it('reports a wrong key as err.code SignatureDoesNotMatch', async () => {
    const error = await sdkError(newCos({ SecretKey: 'WRONG' }), {
      Method: 'POST',
      Key: 'template',
      Url: url,
      Body: ocrBody('wrong-key'),
      ContentType: 'application/xml',
    });
    expect(error.code).toBe('SignatureDoesNotMatch');
    expect(error.error?.['StringToSign']).toMatch(/^sha1\n/);
  });

  it('reports an unknown SecretId as err.code SecretidNotExist', async () => {
    const error = await sdkError(newCos({ SecretId: 'AKIDNOBODY' }), { Method: 'GET', Key: 'template', Url: url });
    expect(error.code).toBe('SecretidNotExist');
  });
});

describe('the whole lifecycle with cos-nodejs-sdk-v5', () => {
  const lifecycleUrl = (): string => `http://life-1250000000.ci.ap-guangzhou.myqcloud.com/template`;
  let client: ReturnType<typeof newCos>;

  beforeAll(() => {
    client = newCos({ Ip: `127.0.0.1:${emulator.port}` });
  });

  it('describes one template as an object and several as an array', async () => {
    const first = templateOf(
      (await sdkOk(client, { Method: 'POST', Key: 'template', Url: lifecycleUrl(), Body: ocrBody('life-1'), ContentType: 'application/xml' })).Response,
    );
    const one = await sdkOk(client, { Method: 'GET', Key: 'template', Url: lifecycleUrl(), Query: { tag: 'ImageOCR', pageNumber: 1, pageSize: 10 } });
    expect(one.Response['TotalCount']).toBe('1');
    expect(Array.isArray(one.Response['TemplateList'])).toBe(false);
    expect((one.Response['TemplateList'] as TemplateData).TemplateId).toBe(first.TemplateId);

    await sdkOk(client, { Method: 'POST', Key: 'template', Url: lifecycleUrl(), Body: ocrBody('life-2'), ContentType: 'application/xml' });
    const two = await sdkOk(client, { Method: 'GET', Key: 'template', Url: lifecycleUrl(), Query: { tag: 'ImageOCR' } });
    const list = asList(two.Response['TemplateList'] as TemplateData | TemplateData[]);
    expect(Array.isArray(two.Response['TemplateList'])).toBe(true);
    expect(list.map((template) => template.Name)).toEqual(['life-2', 'life-1']);
  });

  it('sends the Python SDK query and ids with NonExistTIDs', async () => {
    const created = templateOf(
      (await sdkOk(client, { Method: 'POST', Key: 'template', Url: lifecycleUrl(), Body: ocrBody('life-3'), ContentType: 'application/xml' })).Response,
    );
    const missing = `t1${'0'.repeat(32)}`;
    const data = await sdkOk(client, {
      Method: 'GET',
      Key: 'template',
      Url: lifecycleUrl(),
      Query: { category: 'Custom', ids: `${created.TemplateId},${missing}`, name: '', pageNumber: 1, pageSize: 10 },
    });
    expect((data.Response['TemplateList'] as TemplateData).TemplateId).toBe(created.TemplateId);
    expect(data.Response['NonExistTIDs']).toEqual({ TemplateId: missing });
  });

  it('updates a template, keeping its id and CreateTime', async () => {
    const created = templateOf(
      (await sdkOk(client, { Method: 'POST', Key: 'template', Url: lifecycleUrl(), Body: ocrBody('life-4'), ContentType: 'application/xml' })).Response,
    );
    const updated = templateOf(
      (
        await sdkOk(client, {
          Method: 'PUT',
          Key: `template/${created.TemplateId}`,
          Url: `${lifecycleUrl()}/${created.TemplateId}`,
          Body: ocrBody('life-4-renamed', '<Type>handwriting</Type><EnableWordPolygon>true</EnableWordPolygon>'),
          ContentType: 'application/xml',
        })
      ).Response,
    );
    expect(updated).toMatchObject({ TemplateId: created.TemplateId, Name: 'life-4-renamed', CreateTime: created.CreateTime });
    expect(updated.ImageOCR).toMatchObject({ Type: 'handwriting', EnableWordPolygon: 'true', IsPdf: 'false' });
  });

  it('reports an update of an unknown id as err.code TemplateNotFound', async () => {
    const id = `t1${'f'.repeat(32)}`;
    const error = await sdkError(client, {
      Method: 'PUT',
      Key: `template/${id}`,
      Url: `${lifecycleUrl()}/${id}`,
      Body: ocrBody('ghost'),
      ContentType: 'application/xml',
    });
    expect(error).toMatchObject({ code: 'TemplateNotFound', statusCode: 404 });
  });

  it('deletes a template', async () => {
    const created = templateOf(
      (await sdkOk(client, { Method: 'POST', Key: 'template', Url: lifecycleUrl(), Body: ocrBody('life-5'), ContentType: 'application/xml' })).Response,
    );
    const deleted = await sdkOk(client, { Method: 'DELETE', Key: `template/${created.TemplateId}`, Url: `${lifecycleUrl()}/${created.TemplateId}` });
    expect(deleted.Response).toEqual({ RequestId: deleted.RequestId, TemplateId: created.TemplateId });
    const again = await sdkError(client, { Method: 'DELETE', Key: `template/${created.TemplateId}`, Url: `${lifecycleUrl()}/${created.TemplateId}` });
    expect(again.code).toBe('TemplateNotFound');
  });
});
