import { bool, defineKind, enumOf, group, num, requireSome, str } from '../schema.js';

export default defineKind({
  tag: 'VideoTargetRec',
  source: 'template-kinds.md §3.18 (D:460/84736, E:1045/73147, D:436/84994; Go G:2605–2640)',
  fillDefaults: false,
  fields: {
    VideoTargetRec: group(
      {
        Body: bool({ default: 'false' }),
        Pet: bool({ default: 'false' }),
        Car: bool({ default: 'false' }),
        Plate: bool({ default: 'false' }),
        Face: bool({ default: 'false' }),
        SnapshotFreq: num({ min: 0, max: 30, default: '1' }),
        // Empty = detect only.
        ProcessType: enumOf(['Mosaic']),
        // A live-stream recognition job's (cos-python-sdk-v5 demo/ci_media.py).
        CarPlate: bool({ sdk: 'cos-python-sdk-v5 demo/ci_media.py (live recognition job)' }),
        SnapshotTimeInterval: str({ sdk: 'cos-python-sdk-v5 demo/ci_media.py (live recognition job)' }),
        // The doc's rows for TransTpl are cut off; Go's VTRTranscode shape, values passed through.
        TransTpl: group({
          Container: group({ Format: str() }),
          Video: group({ Codec: str(), Bitrate: str(), Crf: str(), Width: str(), Height: str(), Fps: str() }),
        }),
      },
      { required: true },
    ),
  },
  responseLeaves: { State: 'Normal' },
  // "Body、Pet、Car 不能同时为 false"; the newer pages add Plate and Face, taken as a widening.
  rules: [requireSome(['VideoTargetRec.Body', 'VideoTargetRec.Pet', 'VideoTargetRec.Car', 'VideoTargetRec.Plate', 'VideoTargetRec.Face'], { equals: 'true' })],
  example:
    '<Request><Tag>VideoTargetRec</Tag><Name>TemplateName</Name><VideoTargetRec><Body>true</Body><Pet>false</Pet><Car>true</Car></VideoTargetRec></Request>',
});
