import { ALL_CHANNELS, MONO_STEREO, TRANSCODE_FIELDS, valuesBy, valuesFor } from '../containers.js';
import { defineKind } from '../schema.js';

const FORMAT = 'Container.Format';
const UP_TO_48K = ['8000', '11025', '12000', '16000', '22050', '24000', '32000', '44100', '48000'];

export default defineKind({
  tag: 'Transcode',
  source: 'template-kinds.md §2.1–2.6, §3.2 (I:创建音视频转码模板; Go G:2437, G:163)',
  fillDefaults: false,
  fields: TRANSCODE_FIELDS,
  // The docs' response table, the describe example and Go's Template.TransTpl; the create
  // page's own example answer puts the containers directly under <Template> (a doc slip).
  responseContainer: 'TransTpl',
  rules: [
    // §2.1: the codecs each Format takes (the mp4/hls/mkv row allows AV1).
    valuesFor(FORMAT, ['mp4', 'hls', 'mkv'], 'Video.Codec', ['H.264', 'H.265', 'AV1']),
    valuesFor(FORMAT, ['ts', 'flv', 'avi', 'mov', 'dash'], 'Video.Codec', ['H.264']),
    valuesFor(FORMAT, ['WebM'], 'Video.Codec', ['VP8', 'VP9', 'AV1']),
    valuesFor(FORMAT, ['mp4', 'hls', 'mkv', 'ts', 'flv', 'avi', 'mov'], 'Audio.Codec', ['aac', 'mp3']),
    valuesFor(FORMAT, ['dash', 'aac', 'adts', 'm4a'], 'Audio.Codec', ['aac']),
    valuesFor(FORMAT, ['WebM'], 'Audio.Codec', ['Vorbis', 'opus']),
    ...valuesBy(FORMAT, 'Audio.Codec', { mp3: ['mp3'], flac: ['flac'], amr: ['amr'], wav: ['pcm_s16le'] }),
    // §2.3: sample rates by codec and by container.
    ...valuesBy('Audio.Codec', 'Audio.Samplerate', { amr: ['8000'], opus: ['8000', '16000', '24000', '48000'] }),
    valuesFor(FORMAT, ['flv'], 'Audio.Samplerate', ['22050', '44100']),
    valuesFor(FORMAT, ['mp4'], 'Audio.Samplerate', ['16000', '22050', '24000', '32000', '44100', '48000']),
    valuesFor(FORMAT, ['hls', 'ts', 'mp3', 'mkv', 'avi', 'mov'], 'Audio.Samplerate', UP_TO_48K),
    // §2.3: channels by codec (aac and flac take all six), and no 8 channels in dash.
    ...valuesBy('Audio.Codec', 'Audio.Channels', { mp3: MONO_STEREO, opus: MONO_STEREO, Vorbis: ['2'], amr: ['1'], pcm_s16le: MONO_STEREO }),
    valuesFor(
      FORMAT,
      ['dash'],
      'Audio.Channels',
      ALL_CHANNELS.filter((channels) => channels !== '8'),
    ),
  ],
  example:
    '<Request><Tag>Transcode</Tag><Name>TemplateName</Name><Container><Format>mp4</Format></Container>' +
    '<Video><Codec>H.264</Codec><Profile>high</Profile><Bitrate>1000</Bitrate><Width>1280</Width><Fps>30</Fps><Preset>medium</Preset></Video>' +
    '<Audio><Codec>aac</Codec><Samplerate>44100</Samplerate><Bitrate>128</Bitrate><Channels>4</Channels></Audio>' +
    '<TransConfig><AdjDarMethod>scale</AdjDarMethod><IsCheckReso>false</IsCheckReso><ResoAdjMethod>1</ResoAdjMethod></TransConfig>' +
    '<TimeInterval><Start>0</Start><Duration>60</Duration></TimeInterval>' +
    '<AudioMixArray><AudioSource>https://test-xxx.cos.ap-chongqing.myqcloud.com/mix1.mp3</AudioSource><MixMode>Once</MixMode><Replace>true</Replace></AudioMixArray>' +
    '</Request>',
});
