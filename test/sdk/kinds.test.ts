import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { asList, newCos, sdkError, sdkOk, startQuiet } from './sdk.js';

/**
 * Transcode, Snapshot, Watermark and Concat with cos-nodejs-sdk-v5 against one listening
 * emulator, as users call them: cos.request with Key and Url, bodies written by hand from the
 * doc examples (template-kinds.md §3.1, §3.2, §3.4, §3.10).
 */

let emulator: RunningEmulator;
let client: ReturnType<typeof newCos>;
/** The same emulator with CIE_STRICT: the rules between fields are enforced. */
let strictEmulator: RunningEmulator;
let strictClient: ReturnType<typeof newCos>;
const URL = 'http://kinds-1250000000.ci.ap-guangzhou.myqcloud.com/template';

beforeAll(async () => {
  emulator = await startQuiet();
  client = newCos({ Ip: `127.0.0.1:${emulator.port}` });
  strictEmulator = await startQuiet({ strict: true });
  strictClient = newCos({ Ip: `127.0.0.1:${strictEmulator.port}` });
});
afterAll(async () => {
  await emulator.close();
  await strictEmulator.close();
});

type Parsed = Record<string, unknown>;
const at = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((current, name) => (current as Parsed | undefined)?.[name], value);

const create = async (body: string): Promise<Parsed> =>
  (await sdkOk(client, { Method: 'POST', Key: 'template', Url: URL, Body: body, ContentType: 'application/xml' })).Response['Template'] as Parsed;
const update = async (id: string, body: string): Promise<Parsed> =>
  (await sdkOk(client, { Method: 'PUT', Key: `template/${id}`, Url: `${URL}/${id}`, Body: body, ContentType: 'application/xml' })).Response[
    'Template'
  ] as Parsed;
const describeTag = async (tag: string): Promise<readonly Parsed[]> =>
  asList<Parsed>(
    (await sdkOk(client, { Method: 'GET', Key: 'template', Url: URL, Query: { tag, pageNumber: 1, pageSize: 10 } })).Response['TemplateList'] as
      Parsed | Parsed[] | undefined,
  );
const remove = async (id: string): Promise<void> => {
  const deleted = await sdkOk(client, { Method: 'DELETE', Key: `template/${id}`, Url: `${URL}/${id}` });
  expect(deleted.Response['TemplateId']).toBe(id);
};

const TRANSCODE =
  '<Request><Tag>Transcode</Tag><Name>sdk-transcode</Name><Container><Format>mp4</Format></Container>' +
  '<Video><Codec>H.264</Codec><Profile>high</Profile><Bitrate>1000</Bitrate><Width>1280</Width><Fps>30</Fps><Preset>medium</Preset></Video>' +
  '<Audio><Codec>aac</Codec><Samplerate>44100</Samplerate><Bitrate>128</Bitrate><Channels>4</Channels></Audio>' +
  '<TransConfig><AdjDarMethod>scale</AdjDarMethod><IsCheckReso>false</IsCheckReso><ResoAdjMethod>1</ResoAdjMethod></TransConfig>' +
  '<TimeInterval><Start>0</Start><Duration>60</Duration></TimeInterval>' +
  '<AudioMixArray><AudioSource>https://test-xxx.cos.ap-chongqing.myqcloud.com/mix1.mp3</AudioSource><MixMode>Once</MixMode><Replace>true</Replace></AudioMixArray></Request>';

describe('Transcode', () => {
  it('goes through create, describe, update and delete in <TransTpl>', async () => {
    const created = await create(TRANSCODE);
    expect(created).toMatchObject({ Tag: 'Transcode', Name: 'sdk-transcode' });
    expect(created['TransTpl']).toEqual({
      Container: { Format: 'mp4' },
      Video: { Codec: 'H.264', Width: '1280', Fps: '30', Profile: 'high', Bitrate: '1000', Preset: 'medium' },
      Audio: { Codec: 'aac', Samplerate: '44100', Bitrate: '128', Channels: '4' },
      TimeInterval: { Start: '0', Duration: '60' },
      TransConfig: { AdjDarMethod: 'scale', IsCheckReso: 'false', ResoAdjMethod: '1' },
      AudioMixArray: { AudioSource: 'https://test-xxx.cos.ap-chongqing.myqcloud.com/mix1.mp3', MixMode: 'Once', Replace: 'true' },
    });
    expect(created['Container']).toBeUndefined();

    const listed = await describeTag('Transcode');
    expect(listed.map((template) => template['TemplateId'])).toEqual([created['TemplateId']]);
    expect(at(listed[0], 'TransTpl', 'Video', 'Codec')).toBe('H.264');

    const twoMixes = TRANSCODE.replace('sdk-transcode', 'sdk-transcode-2').replace(
      '</Request>',
      '<AudioMixArray><AudioSource>https://test-xxx.cos.ap-chongqing.myqcloud.com/mix2.mp3</AudioSource></AudioMixArray></Request>',
    );
    const updated = await update(created['TemplateId'] as string, twoMixes);
    expect(updated).toMatchObject({ TemplateId: created['TemplateId'], Name: 'sdk-transcode-2' });
    expect(asList(at(updated, 'TransTpl', 'AudioMixArray') as Parsed[])).toHaveLength(2);
    await remove(created['TemplateId'] as string);
    expect(await describeTag('Transcode')).toEqual([]);
  });

  it('stores a codec its container does not take as given (the rule between fields is not checked)', async () => {
    const created = await create(TRANSCODE.replace('<Codec>H.264</Codec>', '<Codec>VP8</Codec>').replace('sdk-transcode', 'vp8-in-mp4'));
    expect(at(created, 'TransTpl', 'Video', 'Codec')).toBe('VP8');
    await remove(created['TemplateId'] as string);
  });

  it('reports a codec its container does not take as InvalidArgument naming Video.Codec, in strict mode', async () => {
    const error = await sdkError(strictClient, {
      Method: 'POST',
      Key: 'template',
      Url: URL,
      Body: TRANSCODE.replace('<Codec>H.264</Codec>', '<Codec>VP8</Codec>'),
      ContentType: 'application/xml',
    });
    expect(error).toMatchObject({ code: 'InvalidArgument', statusCode: 400 });
    expect(error.message).toContain('Video.Codec');
  });

  it('reports a third AudioMixArray as InvalidArgument', async () => {
    const mix = '<AudioMixArray><AudioSource>https://test-xxx.cos.ap-chongqing.myqcloud.com/m.mp3</AudioSource></AudioMixArray>';
    const error = await sdkError(client, {
      Method: 'POST',
      Key: 'template',
      Url: URL,
      Body: TRANSCODE.replace('</Request>', `${mix}${mix}</Request>`),
      ContentType: 'application/xml',
    });
    expect(error.code).toBe('InvalidArgument');
    expect(error.message).toContain('AudioMixArray may be given at most 2 times');
  });
});

describe('Snapshot', () => {
  const snapshot = (name: string, fields: string): string => `<Request><Tag>Snapshot</Tag><Name>${name}</Name><Snapshot>${fields}</Snapshot></Request>`;
  const EXAMPLE =
    '<Mode>Interval</Mode><Width>1280</Width><Height>960</Height><Start>0</Start><TimeInterval>0.5</TimeInterval><Count>10</Count>' +
    '<SnapshotOutMode>OnlySprite</SnapshotOutMode><SpriteSnapshotConfig><Color>Aquamarine</Color><Columns>3</Columns><Lines>3</Lines></SpriteSnapshotConfig>';

  it('goes through create, describe, update and delete in <Snapshot>', async () => {
    const created = await create(snapshot('sdk-snapshot', EXAMPLE));
    expect(created['Snapshot']).toEqual({
      Mode: 'Interval',
      Start: '0',
      TimeInterval: '0.5',
      Count: '10',
      Width: '1280',
      Height: '960',
      SnapshotOutMode: 'OnlySprite',
      SpriteSnapshotConfig: { Color: 'Aquamarine', Columns: '3', Lines: '3' },
    });
    expect(at((await describeTag('Snapshot'))[0], 'Snapshot', 'SpriteSnapshotConfig', 'Color')).toBe('Aquamarine');
    const updated = await update(created['TemplateId'] as string, snapshot('sdk-snapshot', '<Mode>KeyFrame</Mode><Count>0003</Count>'));
    expect(updated['Snapshot']).toEqual({ Mode: 'KeyFrame', Count: '3' });
    await remove(created['TemplateId'] as string);
  });

  it('reports a missing Count, and a sprite without Columns, by path', async () => {
    const noCount = await sdkError(client, {
      Method: 'POST',
      Key: 'template',
      Url: URL,
      Body: snapshot('bad', '<Mode>Interval</Mode>'),
      ContentType: 'application/xml',
    });
    expect(noCount).toMatchObject({ code: 'InvalidArgument' });
    expect(noCount.message).toContain('Snapshot.Count is required');
    const noColumns = await sdkError(client, {
      Method: 'POST',
      Key: 'template',
      Url: URL,
      Body: snapshot('bad', '<Count>1</Count><SpriteSnapshotConfig><Color>red</Color><Lines>2</Lines></SpriteSnapshotConfig>'),
      ContentType: 'application/xml',
    });
    expect(noColumns.message).toContain('Snapshot.SpriteSnapshotConfig.Columns is required');
  });
});

describe('Watermark', () => {
  const EXAMPLE =
    '<Request><Tag>Watermark</Tag><Name>sdk-watermark</Name><Watermark><Type>Text</Type><LocMode>Absolute</LocMode><Dx>128</Dx><Dy>128</Dy>' +
    '<Pos>TopRight</Pos><StartTime>0</StartTime><EndTime>100.5</EndTime><Text><Text>水印内容</Text><FontSize>30</FontSize><FontType></FontType>' +
    '<FontColor>0xRRGGBB</FontColor><Transparency>30</Transparency></Text></Watermark></Request>';

  it('accepts the doc example (empty FontType, literal 0xRRGGBB) and goes through the four operations', async () => {
    const created = await create(EXAMPLE);
    expect(created['Watermark']).toEqual({
      Type: 'Text',
      Pos: 'TopRight',
      LocMode: 'Absolute',
      Dx: '128',
      Dy: '128',
      StartTime: '0',
      EndTime: '100.5',
      Text: { FontSize: '30', FontColor: '0xRRGGBB', Transparency: '30', Text: '水印内容' },
    });
    expect((await describeTag('Watermark')).map((template) => template['Name'])).toEqual(['sdk-watermark']);
    const image =
      '<Request><Tag>Watermark</Tag><Name>sdk-watermark</Name><Watermark><Type>Image</Type><LocMode>Relativity</LocMode><Dx>-10</Dx><Dy>0</Dy><Pos>Center</Pos>' +
      '<Image><Url>http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/logo.png</Url><Mode>Proportion</Mode><Width>150</Width><Transparency>80</Transparency><Background>true</Background></Image></Watermark></Request>';
    const updated = await update(created['TemplateId'] as string, image);
    expect(at(updated, 'Watermark', 'Image', 'Background')).toBe('true');
    expect(at(updated, 'Watermark', 'Text')).toBeUndefined();
    await remove(created['TemplateId'] as string);
  });

  it('reports a Dx outside its LocMode range by path, in strict mode', async () => {
    const error = await sdkError(strictClient, {
      Method: 'POST',
      Key: 'template',
      Url: URL,
      Body: EXAMPLE.replace('<LocMode>Absolute</LocMode>', '<LocMode>Relativity</LocMode>'),
      ContentType: 'application/xml',
    });
    expect(error.code).toBe('InvalidArgument');
    expect(error.message).toContain('Watermark.Dx must be in [0, 100] when Watermark.LocMode is Relativity');
  });
});

describe('Concat', () => {
  const fragment = (mode: string, file: string): string =>
    `<ConcatFragment><Mode>${mode}</Mode><Url>http://bucket-1250000000.cos.ap-beijing.myqcloud.com/${file}</Url></ConcatFragment>`;
  const concat = (name: string, fragments: string): string =>
    `<Request><Tag>Concat</Tag><Name>${name}</Name><ConcatTemplate>${fragments}<Audio><Codec>mp3</Codec></Audio>` +
    '<Video><Codec>H.264</Codec><Bitrate>1000</Bitrate><Width>1280</Width><Fps>30</Fps></Video><Container><Format>mp4</Format></Container></ConcatTemplate></Request>';

  it('answers two fragments as an array and one as an object, in <ConcatTemplate>', async () => {
    const created = await create(concat('sdk-concat', fragment('Start', 'start.mp4') + fragment('End', 'end.mp4')));
    expect(created['Tag']).toBe('Concat');
    const two = at(created, 'ConcatTemplate', 'ConcatFragment');
    expect(Array.isArray(two)).toBe(true);
    expect(two).toEqual([
      { Url: 'http://bucket-1250000000.cos.ap-beijing.myqcloud.com/start.mp4', Mode: 'Start' },
      { Url: 'http://bucket-1250000000.cos.ap-beijing.myqcloud.com/end.mp4', Mode: 'End' },
    ]);
    expect(at(created, 'ConcatTemplate', 'Container', 'Format')).toBe('mp4');

    const listed = await describeTag('Concat');
    expect(Array.isArray(at(listed[0], 'ConcatTemplate', 'ConcatFragment'))).toBe(true);

    const updated = await update(created['TemplateId'] as string, concat('sdk-concat', fragment('End', 'only.mp4')));
    const one = at(updated, 'ConcatTemplate', 'ConcatFragment');
    expect(Array.isArray(one)).toBe(false);
    expect(one).toEqual({ Url: 'http://bucket-1250000000.cos.ap-beijing.myqcloud.com/only.mp4', Mode: 'End' });
    await remove(created['TemplateId'] as string);
  });

  it('reports a ConcatTemplate without fragments as InvalidArgument', async () => {
    const error = await sdkError(client, { Method: 'POST', Key: 'template', Url: URL, Body: concat('no-fragments', ''), ContentType: 'application/xml' });
    expect(error.code).toBe('InvalidArgument');
    expect(error.message).toContain('ConcatTemplate.ConcatFragment is required');
  });
});
