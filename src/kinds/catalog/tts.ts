import { allowedValues, defineKind, enumOf, int, str, when } from '../schema.js';

export default defineKind({
  tag: 'Tts',
  source: 'template-kinds.md §3.11 (I:创建语音合成模板; Go G:2539, G:213)',
  fillDefaults: false,
  fields: {
    // "Asyc" is the documented spelling.
    Mode: enumOf(['Asyc', 'Sync'], { default: 'Asyc' }),
    Codec: enumOf(['wav', 'mp3', 'pcm']),
    VoiceType: enumOf(
      ['ruxue', 'aixiaonan', 'aixiaoxing', 'aixiaocheng', 'aixiaoxue', 'aixiaolu', 'aixiaodong', 'aixiaoliao', 'aixiaoqian', 'aixiaoyang', 'alice'],
      { default: 'ruxue' },
    ),
    Volume: int({ min: -10, max: 10, default: '0' }),
    Speed: int({ min: 50, max: 200, default: '100' }),
    // Go SDK only; the wire values are not documented: passed through.
    Emotion: str(),
  },
  responseContainer: 'TtsTpl',
  rules: [
    // "当选择 Asyc 时，codec 只支持 pcm", and two voices are Asyc only. Applied to a Mode that is
    // sent, not to the default (see docs/parity.md).
    allowedValues('Codec', ['pcm'], when('Mode', 'Asyc')),
    allowedValues('Mode', ['Asyc'], when('VoiceType', 'aixiaonan', 'aixiaoliao')),
  ],
  example:
    '<Request><Tag>Tts</Tag><Name>TemplateName</Name><Mode>Sync</Mode><Codec>pcm</Codec><VoiceType>ruxue</VoiceType><Volume>2</Volume><Speed>200</Speed></Request>',
});
