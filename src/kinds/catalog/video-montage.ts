import {
  AAC_MP3_AUDIO,
  AUDIO_MIX,
  AUDIO_MIX_ARRAY,
  MONO_STEREO,
  container,
  crf,
  evenSide,
  fps,
  rotate,
  valuesBy,
  valuesFor,
  videoBitrate,
} from '../containers.js';
import { defineKind, enumOf, group, num, str } from '../schema.js';

const FORMAT = 'Container.Format';

export default defineKind({
  tag: 'VideoMontage',
  source: 'template-kinds.md §3.7 (I:创建精彩集锦模板; Go G:2478, G:399, G:388)',
  fillDefaults: false,
  fields: {
    // Seconds with ms precision; no range documented.
    Duration: num(),
    // Go SDK only; values not documented: passed through.
    Scene: str(),
    Container: container(['mp4', 'flv', 'hls', 'ts', 'mkv']),
    // Go's VideoMontageVideo has no omitempty: it may send every child empty, which still counts.
    Video: group(
      {
        Codec: enumOf(['H.264', 'H.265'], { default: 'H.264' }),
        Width: evenSide(),
        Height: evenSide(),
        Fps: fps(),
        Bitrate: videoBitrate(),
        Crf: crf(),
        Rotate: rotate(),
      },
      { required: true, allowEmpty: true },
    ),
    Audio: AAC_MP3_AUDIO,
    AudioMix: AUDIO_MIX,
    AudioMixArray: AUDIO_MIX_ARRAY,
  },
  responseContainer: 'VideoMontage',
  rules: [
    valuesFor(FORMAT, ['flv'], 'Video.Codec', ['H.264']),
    valuesFor(FORMAT, ['flv'], 'Audio.Samplerate', ['22050', '44100']),
    valuesFor(FORMAT, ['mp4'], 'Audio.Samplerate', ['22050', '32000', '44100', '48000']),
    valuesFor(FORMAT, ['hls', 'ts', 'mkv'], 'Audio.Samplerate', ['11025', '22050', '32000', '44100', '48000']),
    ...valuesBy('Audio.Codec', 'Audio.Channels', { mp3: MONO_STEREO }),
  ],
  example:
    '<Request><Tag>VideoMontage</Tag><Name>TemplateName</Name><Duration>10.5</Duration><Container><Format>mp4</Format></Container>' +
    '<Video><Codec>H.264</Codec><Bitrate>1000</Bitrate><Width>1280</Width><Fps>30</Fps></Video>' +
    '<Audio><Codec>aac</Codec><Samplerate>44100</Samplerate><Bitrate>128</Bitrate><Channels>4</Channels><Remove>false</Remove></Audio>' +
    '<AudioMix><AudioSource>https://test-xxx.cos.ap-chongqing.myqcloud.com/mix.mp3</AudioSource><MixMode>Once</MixMode><Replace>true</Replace></AudioMix></Request>',
});
