import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { SDK_TEMPLATE_BODIES, valueAt } from '../fixtures/sdk-template-bodies.js';
import { asList, newCos, sdkError, sdkOk, startQuiet } from './sdk.js';

/**
 * The bodies the official SDKs' own template examples send, through cos-nodejs-sdk-v5 against a
 * listening emulator in each mode: the default mode takes all of them through create,
 * describe, update and delete and echoes what was sent; strict mode refuses those that break
 * the letter of the docs, naming the field.
 */

const URL = 'http://sdkbodies-1250000000.ci.ap-chongqing.myqcloud.com/template';
let lenient: RunningEmulator;
let strict: RunningEmulator;

beforeAll(async () => {
  [lenient, strict] = await Promise.all([startQuiet(), startQuiet({ strict: true })]);
});
afterAll(async () => {
  await Promise.all([lenient.close(), strict.close()]);
});

const clientOf = (emulator: RunningEmulator): ReturnType<typeof newCos> => newCos({ Ip: `127.0.0.1:${emulator.port}` });
const cases = SDK_TEMPLATE_BODIES.map((body, index) => [body.source, { ...body, name: `sdk-body-${index}` }] as const);

describe('the default mode', () => {
  it.each(cases)('takes %s through all four operations, echoing what was sent', async (_source, fixture) => {
    const client = clientOf(lenient);
    const body = fixture.body.replace('{name}', fixture.name);
    const created = (await sdkOk(client, { Method: 'POST', Key: 'template', Url: URL, Body: body, ContentType: 'application/xml' })).Response['Template'];
    expect(created).toMatchObject({ Tag: fixture.tag, Name: fixture.name });
    for (const [path, value] of Object.entries(fixture.echoes)) expect(valueAt(created, path), path).toBe(value);
    const id = valueAt(created, 'TemplateId') as string;

    const listed = asList((await sdkOk(client, { Method: 'GET', Key: 'template', Url: URL, Query: { ids: id } })).Response['TemplateList']);
    expect(listed).toHaveLength(1);
    for (const [path, value] of Object.entries(fixture.echoes)) expect(valueAt(listed[0], path), path).toBe(value);

    const updated = (await sdkOk(client, { Method: 'PUT', Key: `template/${id}`, Url: `${URL}/${id}`, Body: body, ContentType: 'application/xml' })).Response[
      'Template'
    ];
    expect(valueAt(updated, 'TemplateId')).toBe(id);
    for (const [path, value] of Object.entries(fixture.echoes)) expect(valueAt(updated, path), path).toBe(value);

    expect((await sdkOk(client, { Method: 'DELETE', Key: `template/${id}`, Url: `${URL}/${id}` })).Response['TemplateId']).toBe(id);
  });
});

describe('strict mode', () => {
  const refused = cases.filter(([, fixture]) => fixture.strictRefusal !== undefined);
  const taken = cases.filter(([, fixture]) => fixture.strictRefusal === undefined);

  it.each(refused)('refuses %s, naming the field', async (_source, fixture) => {
    const error = await sdkError(clientOf(strict), {
      Method: 'POST',
      Key: 'template',
      Url: URL,
      Body: fixture.body.replace('{name}', fixture.name),
      ContentType: 'application/xml',
    });
    expect(error).toMatchObject({ code: 'InvalidArgument', statusCode: 400 });
    expect(error.message.startsWith(fixture.strictRefusal ?? '')).toBe(true);
  });

  it.each(taken)('takes %s too: no doc refuses it', async (_source, fixture) => {
    const created = (
      await sdkOk(clientOf(strict), {
        Method: 'POST',
        Key: 'template',
        Url: URL,
        Body: fixture.body.replace('{name}', fixture.name),
        ContentType: 'application/xml',
      })
    ).Response['Template'];
    for (const [path, value] of Object.entries(fixture.echoes)) expect(valueAt(created, path), path).toBe(value);
  });
});
