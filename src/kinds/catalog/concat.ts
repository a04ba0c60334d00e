import {
  ALL_CHANNELS,
  AUDIO_MIX_ARRAY,
  AUDIO_MIX_LIST,
  MONO_STEREO,
  audioBitrate,
  container,
  crf,
  fps,
  rotate,
  side,
  valuesBy,
  videoBitrate,
} from '../containers.js';
import { bool, defineKind, enumOf, group, requireSome, str, whenGiven, whenNot } from '../schema.js';

const CONCAT_SAMPLERATES = ['11025', '22050', '32000', '44100', '48000', '96000'];

export default defineKind({
  tag: 'Concat',
  source: 'template-kinds.md §3.4 (I:创建拼接模板; Go G:302, G:292, G:315)',
  fillDefaults: false,
  fields: {
    // The Tag is Concat, the container ConcatTemplate, in the request and in the answer.
    ConcatTemplate: group(
      {
        ConcatFragment: group(
          {
            Url: str({ required: true }),
            Mode: enumOf(['Start', 'End'], {
              required: true,
              lenient: { evidence: 'sdk', reason: "the Go and Python SDKs' Concat jobs send fragments without Mode", mayBeAbsent: true },
            }),
            // Go SDK only; values not documented: passed through.
            StartTime: str(),
            EndTime: str(),
            FragmentIndex: str(),
            Duration: str(),
          },
          // No limit is documented: 100 is the emulator's, far above any SDK example (2), and keeps
          // a template, and a describe page of 100 of them, small (docs/parity.md).
          { required: true, repeated: { min: 1, max: 100 } },
        ),
        Audio: group({
          // Required when Audio is sent, unless it only says Remove=true (see the rules).
          Codec: enumOf(['aac', 'mp3']),
          Samplerate: enumOf(CONCAT_SAMPLERATES),
          Bitrate: audioBitrate(),
          Channels: enumOf(ALL_CHANNELS),
          Remove: bool({ default: 'false' }),
        }),
        Video: group({
          Codec: enumOf(['H.264'], { default: 'H.264' }),
          Width: side(),
          Height: side(),
          Fps: fps(),
          Bitrate: videoBitrate(),
          Crf: crf(),
          Remove: bool({ default: 'false' }),
          Rotate: rotate(),
          // H.264's profiles, as the demo's comment lists them; the Concat page has no Profile.
          Profile: enumOf(['baseline', 'main', 'high'], { default: 'high', sdk: 'cos-python-sdk-v5 demo/ci_template.py (concat_template_config)' }),
        }),
        Container: container(['mp4', 'flv', 'hls', 'ts', 'mp3', 'aac']),
        AudioMix: AUDIO_MIX_LIST,
        AudioMixArray: AUDIO_MIX_ARRAY,
        DirectConcat: bool({ default: 'false' }),
        // Go SDK only; values not documented: passed through.
        Index: str(),
        SceneChangeInfo: group({ Mode: str(), Time: str(), TransitionType: str() }),
      },
      { required: true },
    ),
  },
  rules: [
    // "Audio.Codec 是 (if Audio sent)"; but "目标文件不需要 Audio 信息，需要设置 Audio.Remove 为 true"
    // means an <Audio> that only removes the audio needs no codec. The same for Video.
    requireSome(['ConcatTemplate.Audio.Codec'], { when: [whenGiven('ConcatTemplate.Audio'), whenNot('ConcatTemplate.Audio.Remove', 'true')] }),
    requireSome(['ConcatTemplate.Video.Codec'], { when: [whenGiven('ConcatTemplate.Video'), whenNot('ConcatTemplate.Video.Remove', 'true')] }),
    // "mp3: not 96000"; channels "aac: 1,2,4,5,6,8; mp3: 1,2".
    ...valuesBy('ConcatTemplate.Audio.Codec', 'ConcatTemplate.Audio.Samplerate', { mp3: CONCAT_SAMPLERATES.filter((rate) => rate !== '96000') }),
    ...valuesBy('ConcatTemplate.Audio.Codec', 'ConcatTemplate.Audio.Channels', { mp3: MONO_STEREO }),
  ],
  example:
    '<Request><Tag>Concat</Tag><Name>TemplateName</Name><ConcatTemplate>' +
    '<ConcatFragment><Mode>Start</Mode><Url>http://bucket-1250000000.cos.ap-beijing.myqcloud.com/start.mp4</Url></ConcatFragment>' +
    '<ConcatFragment><Mode>End</Mode><Url>http://bucket-1250000000.cos.ap-beijing.myqcloud.com/end.mp4</Url></ConcatFragment>' +
    '<Audio><Codec>mp3</Codec></Audio><Video><Codec>H.264</Codec><Bitrate>1000</Bitrate><Width>1280</Width><Fps>30</Fps></Video>' +
    '<Container><Format>mp4</Format></Container></ConcatTemplate></Request>',
});
