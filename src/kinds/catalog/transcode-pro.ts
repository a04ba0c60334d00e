import { TIME_INTERVAL, container, rotate, transConfigWithout, valuesBy } from '../containers.js';
import { bool, defineKind, enumOf, group, int, num, rangeWhen, str, when } from '../schema.js';

const XAVC_PROFILES = [
  'XAVC-HD_intra_420_10bit_class50',
  'XAVC-HD_intra_422_10bit_class100',
  'XAVC-HD_intra_422_10bit_class200',
  'XAVC-4K_intra_422_10bit_class100',
  'XAVC-4K_intra_422_10bit_class300',
  'XAVC-4K_intra_422_10bit_class480',
  'XAVC-4K_intra_422_10bit',
  'XAVC-HD_422_10bit',
  'XAVC-4K_422_10bit',
  'XAVC-4K_420_8bit',
];
const PRORES_PROFILES = [
  'ProRes_422_Proxy',
  'ProRes_422_LT',
  'ProRes_422',
  'ProRes_422_HQ',
  'ProRes_4444',
  'ProRes_4444_XQ',
  'ProRes_4444_alpha',
  'ProRes_4444_XQ_alpha',
];

export default defineKind({
  tag: 'TranscodePro',
  source: 'template-kinds.md §3.12 (I:创建转码 pro 模板; Go G:2527, G:106, G:175)',
  fillDefaults: false,
  fields: {
    Container: container(['mxf', 'mov', 'mkv']),
    Video: group(
      {
        Codec: enumOf(['xavc', 'apple_prores'], { required: true }),
        Profile: enumOf([...XAVC_PROFILES, ...PRORES_PROFILES], { required: true }),
        // Width, Height, Interlaced and Fps may only take the combinations of the doc's profile
        // tables (about 40 rows, not in our sources): each is checked alone.
        Width: int({ required: true }),
        Height: int({ required: true }),
        Interlaced: bool({ required: true }),
        Fps: num({ required: true, fraction: true }),
        // Fixed per profile for XAVC (not in our sources); [2000, 3000000] for ProRes (a rule).
        Bitrate: int(),
        Rotate: rotate(),
        // Go SDK only: passed through.
        StdExtInfo: str(),
      },
      { required: true },
    ),
    Audio: group({
      Codec: enumOf(['pcm_s24le', 'aac', 'mp3'], { required: true }),
      Remove: bool({ default: 'false' }),
    }),
    TimeInterval: TIME_INTERVAL,
    TransConfig: transConfigWithout(['TranscodeIndex', 'DashEncrypt', 'HlsEncrypt']),
  },
  responseContainer: 'TransProTpl',
  rules: [
    // "mxf → audio pcm_s24le, video xavc; mov/mkv → audio aac/mp3, video apple_prores".
    ...valuesBy('Container.Format', 'Video.Codec', { mxf: ['xavc'], mov: ['apple_prores'], mkv: ['apple_prores'] }),
    ...valuesBy('Container.Format', 'Audio.Codec', { mxf: ['pcm_s24le'], mov: ['aac', 'mp3'], mkv: ['aac', 'mp3'] }),
    ...valuesBy('Video.Codec', 'Video.Profile', { xavc: XAVC_PROFILES, apple_prores: PRORES_PROFILES }),
    rangeWhen('Video.Bitrate', { min: 2000, max: 3000000 }, when('Video.Codec', 'apple_prores')),
  ],
  example:
    '<Request><Tag>TranscodePro</Tag><Name>TemplateName</Name><Container><Format>mxf</Format></Container>' +
    '<Video><Codec>xavc</Codec><Profile>XAVC-HD_422_10bit</Profile><Width>1920</Width><Height>1080</Height><Interlaced>true</Interlaced>' +
    '<Fps>30000/1001</Fps><Bitrate>50000</Bitrate></Video><Audio><Codec>pcm_s24le</Codec></Audio>' +
    '<TransConfig><AdjDarMethod>scale</AdjDarMethod><IsCheckReso>false</IsCheckReso><ResoAdjMethod>1</ResoAdjMethod></TransConfig>' +
    '<TimeInterval><Start>0</Start><Duration>60</Duration></TimeInterval></Request>',
});
