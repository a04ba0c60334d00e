import { describe, expect, it } from 'vitest';
import { renderKindData, renderUnknownKindData } from '../../src/kinds/render.js';
import { defineKind, enumOf, group, int, str, type GroupValue, type TemplateKind } from '../../src/kinds/schema.js';

/** A small kind in the shape of Transcode: fields at the root, one repeated group. */
const FIELDS = {
  Container: group({ Format: enumOf(['mp4', 'flv']) }),
  Video: group({ Codec: str(), Width: int(), Height: int() }),
  Watermark: group({ Type: str(), Text: group({ Content: str() }) }, { repeated: { max: 3 } }),
  Remark: str(),
};

const demoKind = (answer: Pick<TemplateKind, 'responseContainer' | 'responseLeaves'> = {}): TemplateKind =>
  defineKind({ tag: 'Demo', fields: FIELDS, fillDefaults: false, example: '<Request/>', source: 'test', ...answer });

const plain = demoKind();
const wrapped = demoKind({ responseContainer: 'DemoTpl', responseLeaves: { State: 'Normal' } });

describe('renderKindData', () => {
  it('writes elements in declaration order, whatever the order of the data', () => {
    const data: GroupValue = { Remark: 'r', Video: { Height: '720', Codec: 'H.264', Width: '1280' }, Container: { Format: 'mp4' } };
    expect(renderKindData(plain, data)).toBe(
      '<Container><Format>mp4</Format></Container><Video><Codec>H.264</Codec><Width>1280</Width><Height>720</Height></Video><Remark>r</Remark>',
    );
  });

  it('wraps the data in the responseContainer, after the responseLeaves', () => {
    expect(renderKindData(wrapped, { Remark: 'r', Container: { Format: 'flv' } })).toBe(
      '<State>Normal</State><DemoTpl><Container><Format>flv</Format></Container><Remark>r</Remark></DemoTpl>',
    );
  });

  it('writes the responseLeaves in their order before unwrapped data', () => {
    const kind = demoKind({ responseLeaves: { State: 'Normal', Phase: 'Done' } });
    expect(renderKindData(kind, { Remark: 'r' })).toBe('<State>Normal</State><Phase>Done</Phase><Remark>r</Remark>');
  });

  it('wraps without leaves', () => {
    expect(renderKindData(demoKind({ responseContainer: 'DemoTpl' }), { Remark: 'r' })).toBe('<DemoTpl><Remark>r</Remark></DemoTpl>');
  });

  it('writes a repeated group as one element per item, in the order stored', () => {
    const data: GroupValue = { Watermark: [{ Text: { Content: 'a' }, Type: 'Text' }, { Type: 'Image' }, {}] };
    expect(renderKindData(plain, data)).toBe(
      '<Watermark><Type>Text</Type><Text><Content>a</Content></Text></Watermark><Watermark><Type>Image</Type></Watermark><Watermark></Watermark>',
    );
  });

  it('writes a repeated group stored as a single value as one element', () => {
    expect(renderKindData(plain, { Watermark: { Type: 'Text' } })).toBe('<Watermark><Type>Text</Type></Watermark>');
  });

  it('writes nothing for a repeated group with no items', () => {
    expect(renderKindData(plain, { Watermark: [], Remark: 'r' })).toBe('<Remark>r</Remark>');
  });

  it('skips absent values and keeps empty ones', () => {
    expect(renderKindData(plain, { Video: { Width: '1280' }, Remark: '' })).toBe('<Video><Width>1280</Width></Video><Remark></Remark>');
    expect(renderKindData(plain, { Video: {} })).toBe('<Video></Video>');
  });

  it('writes no data as nothing, or as the empty container', () => {
    expect(renderKindData(plain, {})).toBe('');
    expect(renderKindData(wrapped, {})).toBe('<State>Normal</State><DemoTpl></DemoTpl>');
  });

  it('skips data the declaration does not name, at any depth', () => {
    expect(renderKindData(plain, { Unknown: 'x', Video: { Bitrate: '1000', Codec: 'H.265' }, Extra: { A: 'b' } })).toBe('<Video><Codec>H.265</Codec></Video>');
  });

  it.each([
    ['the five markup characters', `& < > " '`, '&amp; &lt; &gt; &quot; &apos;'],
    ['an escaped entity, escaped again', '&amp;', '&amp;amp;'],
    ['control characters, replaced', 'a\u0000b\u001Fc', 'a\uFFFDb\uFFFDc'],
    ['a lone surrogate, replaced', 'a\uD800b', 'a\uFFFDb'],
    ['tab, newline, CJK and emoji, kept', '\t\n模板😀', '\t\n模板😀'],
  ])('escapes %s', (_what, value, escaped) => {
    expect(renderKindData(plain, { Remark: value, Watermark: [{ Type: value }] })).toBe(
      `<Watermark><Type>${escaped}</Type></Watermark><Remark>${escaped}</Remark>`,
    );
  });

  it('escapes the responseLeaves', () => {
    expect(renderKindData(demoKind({ responseLeaves: { State: 'a<b>&' } }), {})).toBe('<State>a&lt;b&gt;&amp;</State>');
  });
});

describe('renderUnknownKindData', () => {
  it('writes the data as stored, in its own order', () => {
    expect(renderUnknownKindData({ B: '2', A: { D: '4', C: '3' } })).toBe('<B>2</B><A><D>4</D><C>3</C></A>');
  });

  it('writes a list as repeated elements, and empty groups and values as empty elements', () => {
    expect(renderUnknownKindData({ W: [{ T: 'a' }, {}], E: {}, V: '', N: [] })).toBe('<W><T>a</T></W><W></W><E></E><V></V>');
  });

  it('writes nothing for no data', () => {
    expect(renderUnknownKindData({})).toBe('');
  });

  it('escapes values at every depth', () => {
    expect(renderUnknownKindData({ A: `&<>"'`, B: { C: [{ D: 'x\u0001<' }] } })).toBe('<A>&amp;&lt;&gt;&quot;&apos;</A><B><C><D>x\uFFFD&lt;</D></C></B>');
  });
});
