import { defineKind, enumOf, group } from '../schema.js';

export default defineKind({
  tag: 'NoiseReduction',
  source: 'template-kinds.md §3.16 (D:436/97976, D:436/120982; Go G:2568, G:2576)',
  fillDefaults: false,
  fields: {
    // Both children are optional with documented defaults: an empty container counts as given.
    NoiseReduction: group(
      {
        Format: enumOf(['mp3', 'm4a', 'wav'], { default: 'wav' }),
        Samplerate: enumOf(['8000', '12000', '16000', '24000', '32000', '44100', '48000'], { default: '16000' }),
      },
      { required: true, allowEmpty: true },
    ),
  },
  responseLeaves: { State: 'Normal' },
  example:
    '<Request><Tag>NoiseReduction</Tag><Name>TemplateName</Name><NoiseReduction><Format>wav</Format><Samplerate>16000</Samplerate></NoiseReduction></Request>',
});
