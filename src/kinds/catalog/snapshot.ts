import { side } from '../containers.js';
import { bool, defineKind, enumOf, exclusive, group, int, num, str } from '../schema.js';

export default defineKind({
  tag: 'Snapshot',
  source: 'template-kinds.md §3.1 (I:创建截图模板; Go G:334, G:330)',
  fillDefaults: false,
  fields: {
    Snapshot: group(
      {
        Mode: enumOf(['Interval', 'Average', 'KeyFrame'], { default: 'Interval' }),
        // The upper end is the video's duration: unknown here.
        Start: num({ min: 0, default: '0' }),
        TimeInterval: num({ min: exclusive(0), max: 3600 }),
        Count: int({ min: exclusive(0), max: 10000, required: true }),
        Width: side(),
        Height: side(),
        CIParam: str(),
        IsCheckCount: bool({ default: 'false' }),
        IsCheckBlack: bool({ default: 'false' }),
        // The doc calls [30, 100] a reference range; it is enforced like the others.
        BlackLevel: int({ min: 30, max: 100 }),
        PixelBlackThreshold: int({ min: 0, max: 255 }),
        SnapshotOutMode: enumOf(['OnlySnapshot', 'OnlySprite', 'SnapshotAndSprite'], { default: 'OnlySnapshot' }),
        SpriteSnapshotConfig: group({
          CellWidth: int({ min: 8, max: 4096 }),
          CellHeight: int({ min: 8, max: 4096 }),
          Padding: int({ min: 0, max: 1024, default: '0' }),
          Margin: int({ min: 0, max: 1024, default: '0' }),
          // An FFmpeg colour name or syntax: not checked.
          Color: str({ required: true }),
          // Required with range [1, 10000]; the doc's default column says 0, which the range forbids.
          Columns: int({ min: 1, max: 10000, required: true }),
          Lines: int({ min: 1, max: 10000, required: true }),
          // Go SDK only; values not documented: passed through.
          ScaleMethod: str(),
        }),
      },
      { required: true },
    ),
  },
  example:
    '<Request><Tag>Snapshot</Tag><Name>TemplateName</Name><Snapshot><Mode>Interval</Mode><Width>1280</Width><Height>960</Height>' +
    '<Start>0</Start><TimeInterval>0.5</TimeInterval><Count>10</Count><SnapshotOutMode>OnlySprite</SnapshotOutMode>' +
    '<SpriteSnapshotConfig><Color>Aquamarine</Color><Columns>3</Columns><Lines>3</Lines></SpriteSnapshotConfig></Snapshot></Request>',
});
