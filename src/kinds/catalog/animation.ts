import { container, fps, side, TIME_INTERVAL } from '../containers.js';
import { bool, defineKind, enumOf, exclusive, group, int, num, requireSome, when } from '../schema.js';

export default defineKind({
  tag: 'Animation',
  source: 'template-kinds.md §3.3 (I:创建动图模板, D:460/46992; Go G:2451, G:352)',
  fillDefaults: false,
  fields: {
    Container: container(['gif', 'hgif', 'webp']),
    Video: group({
      Codec: enumOf(['gif', 'webp'], { required: true }),
      Width: side(),
      Height: side(),
      Fps: fps(),
      AnimateOnlyKeepKeyFrame: bool({ default: 'false' }),
      // The upper ends are the video's duration and frame rate: unknown here.
      AnimateTimeIntervalOfFrame: num({ min: exclusive(0) }),
      AnimateFramesPerSecond: num({ min: exclusive(0) }),
      Quality: int({ min: 1, max: exclusive(100) }),
    }),
    TimeInterval: TIME_INTERVAL,
  },
  // Every doc page answers in <TransTpl>; Go's unused Template.Animation field loses to the docs.
  responseContainer: 'TransTpl',
  rules: [
    // "AnimateOnlyKeepKeyFrame 为 false 时, AnimateTimeIntervalOfFrame 和 AnimateFramesPerSecond 必须填一个";
    // applied when false is sent, not when the element is left out (see docs/parity.md).
    requireSome(['Video.AnimateTimeIntervalOfFrame', 'Video.AnimateFramesPerSecond'], { when: [when('Video.AnimateOnlyKeepKeyFrame', 'false')] }),
  ],
  example:
    '<Request><Tag>Animation</Tag><Name>TemplateName</Name><Container><Format>gif</Format></Container>' +
    '<Video><Codec>gif</Codec><Width>1280</Width><Height></Height><Fps>15</Fps><AnimateOnlyKeepKeyFrame>true</AnimateOnlyKeepKeyFrame></Video>' +
    '<TimeInterval><Start>0</Start><Duration>60</Duration></TimeInterval></Request>',
});
