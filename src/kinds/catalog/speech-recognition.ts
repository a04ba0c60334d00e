import { allowedValues, bool, defineKind, enumOf, group, int, requireSome, str, when } from '../schema.js';

const ZERO_ONE_TWO = ['0', '1', '2'];

export default defineKind({
  tag: 'SpeechRecognition',
  source: 'template-kinds.md §3.15, §4.5a (I:…/AI 内容识别/创建语音识别模板; Go G:2214; Python cos_client.py l.9657)',
  fillDefaults: false,
  fields: {
    SpeechRecognition: group(
      {
        EngineModelType: enumOf(
          [
            '8k_zh',
            '8k_zh_s',
            '8k_en',
            '16k_zh',
            '16k_zh_video',
            '16k_en',
            '16k_ca',
            '16k_ja',
            '16k_zh_edu',
            '16k_en_edu',
            '16k_zh_medical',
            '16k_th',
            '16k_zh_dialect',
          ],
          { required: true },
        ),
        ChannelNum: enumOf(['1', '2'], {
          required: true,
          lenient: {
            evidence: 'doc',
            reason: 'required in the table, left out by the doc example (and optional in the Python SDK): optional',
            mayBeAbsent: true,
          },
        }),
        ResTextFormat: enumOf(ZERO_ONE_TWO, {
          required: true,
          lenient: {
            evidence: 'sdk',
            reason: "required in the table, left out by cos-js-sdk-v5's ASR demos, and never sent as 0 by cos-python-sdk-v5's ci_create_asr_template: optional",
            mayBeAbsent: true,
          },
        }),
        FilterDirty: enumOf(ZERO_ONE_TWO, { default: '0' }),
        FilterModal: enumOf(ZERO_ONE_TWO, { default: '0' }),
        ConvertNumMode: enumOf(['0', '1', '3'], { default: '0' }),
        SpeakerDiarization: enumOf(['0', '1'], { default: '0' }),
        SpeakerNumber: int({ min: 0, max: 10, default: '0' }),
        FilterPunc: enumOf(ZERO_ONE_TWO, { default: '0' }),
        OutputFileType: enumOf(['txt', 'srt'], { default: 'txt' }),
        FlashAsr: bool({ default: 'false' }),
        Format: enumOf(['wav', 'pcm', 'ogg-opus', 'speex', 'silk', 'mp3', 'm4a', 'aac']),
        FirstChannelOnly: enumOf(['0', '1'], { default: '1' }),
        WordInfo: enumOf(ZERO_ONE_TWO, { default: '0' }),
        // SDK only, values not documented: passed through.
        SentenceMaxLength: str(),
        HotVocabularyTableId: str(),
      },
      { required: true },
    ),
  },
  // The doc example's answer carries <State>Normal</State> in <Template>.
  responseLeaves: { State: 'Normal' },
  rules: [
    requireSome(['SpeechRecognition.Format'], { when: [when('SpeechRecognition.FlashAsr', 'true')] }),
    allowedValues('SpeechRecognition.EngineModelType', ['8k_zh'], when('SpeechRecognition.ChannelNum', '2')),
  ],
  example:
    '<Request><Tag>SpeechRecognition</Tag><Name>TemplateName</Name><SpeechRecognition><EngineModelType>16k_zh</EngineModelType>' +
    '<ResTextFormat>1</ResTextFormat><FilterDirty>0</FilterDirty><FilterModal>1</FilterModal><ConvertNumMode>0</ConvertNumMode>' +
    '<SpeakerDiarization>1</SpeakerDiarization><SpeakerNumber>0</SpeakerNumber><FilterPunc>0</FilterPunc><OutputFileType>txt</OutputFileType>' +
    '</SpeechRecognition></Request>',
});
