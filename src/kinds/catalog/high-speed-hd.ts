import {
  AAC_MP3_AUDIO,
  CLIP_CONFIG,
  MONO_STEREO,
  TIME_INTERVAL,
  TRANS_CONFIG_FIELDS,
  container,
  crf,
  evenSide,
  fps,
  rotate,
  valuesBy,
  valuesFor,
  videoBitrate,
} from '../containers.js';
import { bool, defineKind, enumOf, group, int, omitFields, str, type Leniency } from '../schema.js';

/** The Python SDK's demo (demo/ci_template.py, highspeed_hd_template_config) sends these, which the HighSpeedHd page lacks. */
const PYTHON_DEMO = 'cos-python-sdk-v5 demo/ci_template.py (HighSpeedHd)';

const FORMAT = 'Container.Format';

/** §4.5a: the doc's example sends <Bufsize>0</Bufsize><Maxrate>0</Maxrate>. */
const ZERO_IS_UNSET: Leniency = { evidence: 'doc', reason: 'the doc example sends 0, outside the documented range: 0 means "not set"', accepts: ['0'] };

export default defineKind({
  tag: 'HighSpeedHd',
  source: 'template-kinds.md §3.13, §4.5a (I:创建极速高清转码模板; Python demo P:534)',
  fillDefaults: false,
  fields: {
    Container: container(['mp4', 'flv', 'hls', 'mkv'], { ClipConfig: CLIP_CONFIG }),
    Video: group(
      {
        Codec: enumOf(['H.264', 'H.265'], { default: 'H.264' }),
        Width: evenSide(),
        Height: evenSide(),
        Fps: fps(),
        Profile: enumOf(['baseline', 'main', 'high'], { default: 'high' }),
        Bitrate: videoBitrate(),
        Crf: crf(),
        // Lower bound 0 here, 1 in Transcode (doc).
        Gop: int({ min: 0, max: 100000 }),
        Preset: enumOf(['veryfast', 'fast', 'medium', 'slow', 'slower'], { default: 'medium' }),
        Bufsize: int({ min: 1000, max: 128000, unsetValues: ['0'], lenient: ZERO_IS_UNSET }),
        Maxrate: int({ min: 10, max: 50000, unsetValues: ['0'], lenient: ZERO_IS_UNSET }),
        // The union of H.264's (yuv420p, auto) and H.265's (yuv420p, yuv420p10le, auto).
        Pixfmt: enumOf(['yuv420p', 'yuv420p10le', 'auto']),
        Rotate: rotate(),
        Remove: bool({ default: 'false', sdk: PYTHON_DEMO }),
        Roi: enumOf(['none', 'low', 'medium', 'high'], { default: 'none', sdk: PYTHON_DEMO }),
      },
      { required: true },
    ),
    Audio: AAC_MP3_AUDIO,
    TimeInterval: TIME_INTERVAL,
    // The page has Transcode's TransConfig without TranscodeIndex and DashEncrypt; the demo sends
    // an empty TranscodeIndex.
    TransConfig: group({ ...omitFields(TRANS_CONFIG_FIELDS, ['DashEncrypt']), TranscodeIndex: str({ sdk: PYTHON_DEMO }) }),
  },
  // Go's Template has no HighSpeedHd field: Go callers see no kind data for this Tag.
  responseContainer: 'HighSpeedHd',
  rules: [
    valuesFor(FORMAT, ['flv'], 'Video.Codec', ['H.264']),
    valuesFor(FORMAT, ['flv'], 'Audio.Samplerate', ['22050', '44100']),
    valuesFor(FORMAT, ['mp4'], 'Audio.Samplerate', ['22050', '32000', '44100', '48000']),
    valuesFor(FORMAT, ['hls', 'mkv'], 'Audio.Samplerate', ['11025', '22050', '32000', '44100', '48000']),
    ...valuesBy('Audio.Codec', 'Audio.Channels', { mp3: MONO_STEREO }),
  ],
  example:
    '<Request><Tag>HighSpeedHd</Tag><Name>TemplateName</Name><Container><Format>mp4</Format></Container>' +
    '<Video><Codec>H.264</Codec><Bitrate>1000</Bitrate><Width>1280</Width><Fps>30</Fps><Bufsize>0</Bufsize><Maxrate>0</Maxrate></Video>' +
    '<Audio><Codec>aac</Codec><Samplerate>44100</Samplerate><Bitrate>128</Bitrate><Channels>4</Channels></Audio>' +
    '<TransConfig><IsCheckReso>false</IsCheckReso><ResoAdjMethod>1</ResoAdjMethod></TransConfig>' +
    '<TimeInterval><Start>0</Start><Duration>60</Duration></TimeInterval></Request>',
});
