import { bool, defineKind, enumOf, forbidden, group, int, num, rangeWhen, str, when, whenNot, type Leniency, type Rule } from '../schema.js';

/** The Python SDK's watermark demo comments Dx and Dy out, and sends the rest. */
const OFFSET_LEFT_OUT: Leniency = {
  evidence: 'sdk',
  reason: 'required in the table, left out by cos-python-sdk-v5 demo/ci_template.py (watermark_template_config): optional',
  mayBeAbsent: true,
};

const FONTS = [
  'simfang.ttf',
  'simhei.ttf',
  'simkai.ttf',
  'simsun.ttc',
  'STHeiti-Light.ttc',
  'STHeiti-Medium.ttc',
  'youyuan.TTF',
  'ariblk.ttf',
  'arial.ttf',
  'ahronbd.ttf',
  'Helvetica.dfont',
  'HelveticaNeue.dfont',
];

const LOC_MODE = 'Watermark.LocMode';
const BACKGROUND = 'Watermark.Image.Background';
const IMAGE_MODE = 'Watermark.Image.Mode';

/**
 * Dx and Dy: text and foreground images take [0, 100] % (Relativity) or [0, 4096] px (Absolute);
 * background images (Image.Background=true) take [-300, 0] % or [-4096, 0] px.
 */
const offsetRules = (path: string): Rule[] => [
  rangeWhen(path, { min: 0, max: 100 }, when(LOC_MODE, 'Relativity'), whenNot(BACKGROUND, 'true')),
  rangeWhen(path, { min: 0, max: 4096 }, when(LOC_MODE, 'Absolute'), whenNot(BACKGROUND, 'true')),
  rangeWhen(path, { min: -300, max: 0 }, when(LOC_MODE, 'Relativity'), when(BACKGROUND, 'true')),
  rangeWhen(path, { min: -4096, max: 0 }, when(LOC_MODE, 'Absolute'), when(BACKGROUND, 'true')),
];

/** Image.Width and Height: not with Mode=Original; a percentage with Proportion; pixels with Fixed. */
const imageSideRules = (path: string): Rule[] => [
  forbidden(path, when(IMAGE_MODE, 'Original')),
  rangeWhen(path, { min: 100, max: 300 }, when(IMAGE_MODE, 'Proportion'), when(BACKGROUND, 'true')),
  rangeWhen(path, { min: 1, max: 100 }, when(IMAGE_MODE, 'Proportion'), whenNot(BACKGROUND, 'true')),
  rangeWhen(path, { min: 8, max: 4096 }, when(IMAGE_MODE, 'Fixed')),
];

export default defineKind({
  tag: 'Watermark',
  source: 'template-kinds.md §3.10, §4.5a (I:创建水印模板; Go G:260, G:194, G:204, G:187)',
  fillDefaults: false,
  fields: {
    Watermark: group(
      {
        Type: enumOf(['Text', 'Image'], { required: true }),
        Pos: enumOf(['TopRight', 'TopLeft', 'BottomRight', 'BottomLeft', 'Left', 'Right', 'Top', 'Bottom', 'Center'], { required: true }),
        LocMode: enumOf(['Relativity', 'Absolute'], { required: true }),
        // The union of the four ranges below; the rules narrow it by LocMode and Background.
        Dx: num({ min: -4096, max: 4096, required: true, lenient: OFFSET_LEFT_OUT }),
        Dy: num({ min: -4096, max: 4096, required: true, lenient: OFFSET_LEFT_OUT }),
        // The upper ends are the video's duration: unknown here.
        StartTime: num({ min: 0, default: '0' }),
        EndTime: num({ min: 0 }),
        SlideConfig: group({
          SlideMode: enumOf(['Default', 'ScrollFromLeft'], { required: true }),
          XSlideSpeed: int({ min: 0, max: 10, required: true, default: '0' }),
          YSlideSpeed: int({ min: 0, max: 10, required: true, default: '0' }),
        }),
        // Image with Type=Image and Text with Type=Text is inferred, not documented: not enforced.
        Image: group({
          Url: str({ required: true }),
          Mode: enumOf(['Original', 'Proportion', 'Fixed'], { required: true }),
          // The union of the ranges by Mode; the rules narrow it.
          Width: num({ min: 1, max: 4096 }),
          Height: num({ min: 1, max: 4096 }),
          Transparency: int({ min: 1, max: 100, required: true }),
          Background: bool({ default: 'false' }),
        }),
        Text: group({
          FontSize: int({ min: 5, max: 100, required: true }),
          FontType: enumOf(FONTS, {
            required: true,
            lenient: { evidence: 'doc', reason: 'required in the table, sent empty by the doc example: empty or absent is "not set"', mayBeAbsent: true },
          }),
          FontColor: str({
            required: true,
            lenient: {
              evidence: 'doc',
              reason: 'documented as 0xRRGGBB, and the doc example sends those very letters: any string is taken',
              accepts: ['0xRRGGBB'],
            },
          }),
          Transparency: int({ min: 1, max: 100, required: true }),
          Text: str({
            required: true,
            maxLength: 64,
            pattern: /^[\p{Script=Han}A-Za-z0-9_*-]+$/u,
            patternHint: 'may only hold Chinese characters, letters, digits, _, - and *',
          }),
        }),
      },
      { required: true },
    ),
  },
  rules: [
    ...offsetRules('Watermark.Dx'),
    ...offsetRules('Watermark.Dy'),
    ...imageSideRules('Watermark.Image.Width'),
    ...imageSideRules('Watermark.Image.Height'),
  ],
  example:
    '<Request><Tag>Watermark</Tag><Name>TemplateName</Name><Watermark><Type>Text</Type><LocMode>Absolute</LocMode><Dx>128</Dx><Dy>128</Dy>' +
    '<Pos>TopRight</Pos><StartTime>0</StartTime><EndTime>100.5</EndTime><Text><Text>水印内容</Text><FontSize>30</FontSize><FontType></FontType>' +
    '<FontColor>0xRRGGBB</FontColor><Transparency>30</Transparency></Text></Watermark></Request>',
});
