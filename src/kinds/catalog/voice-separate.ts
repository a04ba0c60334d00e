import { ALL_CHANNELS, MONO_STEREO, audioBitrate, valuesBy } from '../containers.js';
import { defineKind, enumOf, group } from '../schema.js';

const CODEC = 'AudioConfig.Codec';
const SAMPLERATES = ['8000', '11025', '22050', '32000', '44100', '48000', '96000'];

export default defineKind({
  tag: 'VoiceSeparate',
  source: 'template-kinds.md §3.6 (I:创建人声分离模板; Go G:2492, G:410, G:418)',
  fillDefaults: false,
  fields: {
    AudioMode: enumOf(['IsAudio', 'IsBackground', 'AudioAndBackground'], { required: true }),
    // The Go SDK always sends all four children, possibly empty: an empty AudioConfig still counts.
    AudioConfig: group(
      {
        Codec: enumOf(['aac', 'mp3', 'flac', 'amr'], { default: 'aac' }),
        Samplerate: enumOf(SAMPLERATES, { default: '44100' }),
        Bitrate: audioBitrate(),
        Channels: enumOf(ALL_CHANNELS),
      },
      { required: true, allowEmpty: true },
    ),
  },
  responseContainer: 'VoiceSeparate',
  rules: [
    // "aac/flac: not 8000; mp3: not 8000/96000; amr: 8000 only"; channels "mp3: 1,2; amr: 1".
    ...valuesBy(CODEC, 'AudioConfig.Samplerate', {
      aac: SAMPLERATES.filter((rate) => rate !== '8000'),
      flac: SAMPLERATES.filter((rate) => rate !== '8000'),
      mp3: SAMPLERATES.filter((rate) => rate !== '8000' && rate !== '96000'),
      amr: ['8000'],
    }),
    ...valuesBy(CODEC, 'AudioConfig.Channels', { mp3: MONO_STEREO, amr: ['1'] }),
  ],
  example:
    '<Request><Tag>VoiceSeparate</Tag><Name>TemplateName</Name><AudioMode>IsAudio</AudioMode>' +
    '<AudioConfig><Codec>aac</Codec><Samplerate>44100</Samplerate><Bitrate>128</Bitrate><Channels>4</Channels></AudioConfig></Request>',
});
