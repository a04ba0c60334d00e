import { AIGC_METADATA_FIELDS } from '../kinds/containers.js';
import { bool, enumOf, group, int, str, type Fields, type GroupField } from '../kinds/schema.js';

/**
 * The media-job Tags of `POST /jobs`, declared as data, as template kinds are: what a job's
 * `<Operation>` takes, which templates it may name, and whether it needs an Input and an
 * Output. Sources: Tencent's CreateMediaJobs pages (one per Tag) and the official SDKs' job
 * structs and examples (docs/parity.md, "Jobs").
 */
export interface JobKind {
  readonly tag: string;
  /** Template Tags `Operation.TemplateId` may name; empty: the Tag takes no TemplateId. */
  readonly templates: readonly string[];
  /**
   * The parameters a job may carry in place of a template, `Operation.<element>`, read with
   * the declaration of the template kind `kind` (so in both modes as a template is read).
   */
  readonly inline?: { readonly element: string; readonly kind: string };
  /** A template or the inline parameters must be given ("不能同时为空"); SmartCover runs with neither. */
  readonly parametersRequired: boolean;
  readonly input: 'required' | 'none';
  readonly output: 'required' | 'optional' | 'none';
  /** Other `<Operation>` elements of the Tag, besides TemplateId, the inline container, Output, UserData and JobLevel. */
  readonly operation?: Fields;
  /** `<Operation>` elements naming templates other than TemplateId, and the template Tags each takes. */
  readonly templateRefs?: Readonly<Record<string, readonly string[]>>;
  /** Takes `Operation.Watermark`, repeated: watermark parameters inline, as the Watermark template's container. */
  readonly watermarks?: boolean;
  /** What a finished job reports as made: output files, or nothing (a probe of the input). */
  readonly makes: 'files' | 'nothing';
  readonly source: string;
}

// ---- shared Operation elements ---------------------------------------------------------------

/** `Operation.Output`: where the result goes. Region, Bucket and Object are "是" on every page. */
export const OUTPUT = group({
  Region: str({ required: true }),
  Bucket: str({ required: true }),
  Object: str({ required: true }),
  // Snapshot's sprite image, VoiceSeparate's accompaniment (sdk: Go's JobOutput).
  SpriteObject: str(),
  AuObject: str(),
  BassObject: str(),
  DrumObject: str(),
  Force: bool({ sdk: "cos-go-sdk-v5's JobOutput" }),
});

/** StreamExtract names one object per stream instead of one Object. */
const STREAM_OUTPUT = group({
  Region: str({ required: true }),
  Bucket: str({ required: true }),
  StreamExtract: group({ Index: str({ required: true }), Object: str({ required: true }) }, { required: true, repeated: { min: 1, max: 10 } }),
});

/**
 * Watermark templates by id, repeated. The workflow nodes document at most three, the console
 * five; ten is the emulator's bound (docs/parity.md).
 */
const WATERMARK_TEMPLATE_ID = str({ repeated: { max: 10 } });

const DIGITAL_WATERMARK = group({
  Message: str({ required: true }),
  Type: enumOf(['Text'], { required: true }),
  Version: enumOf(['V1'], { required: true }),
  IgnoreError: bool(),
});

const REMOVE_WATERMARK = group({ Dx: str(), Dy: str(), Width: str(), Height: str() });

/** An inline watermark: the Watermark template's own container, repeated. */
export const INLINE_WATERMARKS = 'Watermark';

const SDR_TO_HDR = group({ HdrMode: enumOf(['HLG', 'HDR10'], { required: true }) });

/** The Operation elements of the Tags that transcode on the way (VideoProcess, SuperResolution, SDRtoHDR). */
const TRANSCODING_EXTRAS: Fields = {
  TranscodeTemplateId: str(),
  DigitalWatermark: DIGITAL_WATERMARK,
};

/** A job Tag, with the defaults most Tags share. */
const job = (kind: Partial<JobKind> & Pick<JobKind, 'tag' | 'source'>): JobKind => ({
  templates: [],
  parametersRequired: false,
  input: 'required',
  output: 'required',
  makes: 'files',
  ...kind,
});

/** A Tag that runs a template of its own kind, or the same parameters inline. */
const templated = (tag: string, element: string, source: string, extra: Partial<JobKind> = {}): JobKind =>
  job({ tag, templates: [tag], inline: { element, kind: tag }, parametersRequired: true, source, ...extra });

export const JOB_KINDS: readonly JobKind[] = [
  templated('Transcode', 'Transcode', 'I:提交音视频转码任务, 提交极速高清任务; Go JobOperation', {
    // 极速高清 jobs are Transcode jobs with a HighSpeedHd template; TranscodePro templates run the same way.
    templates: ['Transcode', 'HighSpeedHd', 'TranscodePro'],
    operation: {
      WatermarkTemplateId: WATERMARK_TEMPLATE_ID,
      RemoveWatermark: REMOVE_WATERMARK,
      DigitalWatermark: DIGITAL_WATERMARK,
      FreeTranscode: str({ sdk: "cos-go-sdk-v5's JobOperation" }),
    },
    templateRefs: { WatermarkTemplateId: ['Watermark'] },
    watermarks: true,
  }),
  templated('Animation', 'Animation', 'I:提交视频转动图任务'),
  templated('Snapshot', 'Snapshot', 'I:提交截图任务'),
  // Neither a template nor parameters: three covers by default.
  templated('SmartCover', 'SmartCover', 'I:提交智能封面任务', { parametersRequired: false }),
  templated('Concat', 'ConcatTemplate', 'I:提交视频拼接任务 (Input 否)', {
    templates: ['Concat'],
    inline: { element: 'ConcatTemplate', kind: 'Concat' },
    input: 'none',
  }),
  templated('VoiceSeparate', 'VoiceSeparate', 'I:提交人声分离任务'),
  templated('VideoMontage', 'VideoMontage', 'I:提交精彩集锦任务'),
  templated('VideoProcess', 'VideoProcess', 'I:提交视频增强任务', {
    operation: { ...TRANSCODING_EXTRAS, WatermarkTemplateId: WATERMARK_TEMPLATE_ID },
    templateRefs: { TranscodeTemplateId: ['Transcode', 'HighSpeedHd'], WatermarkTemplateId: ['Watermark'] },
    watermarks: true,
  }),
  templated('SuperResolution', 'SuperResolution', 'I:提交超分辨率任务', {
    operation: { ...TRANSCODING_EXTRAS, WatermarkTemplateId: WATERMARK_TEMPLATE_ID },
    templateRefs: { TranscodeTemplateId: ['Transcode', 'HighSpeedHd'], WatermarkTemplateId: ['Watermark'] },
    watermarks: true,
  }),
  templated('VideoEnhance', 'VideoEnhance', 'D:460/84775; Go example jobs.go', {
    operation: { WatermarkTemplateId: WATERMARK_TEMPLATE_ID, DigitalWatermark: DIGITAL_WATERMARK },
    templateRefs: { WatermarkTemplateId: ['Watermark'] },
    watermarks: true,
  }),
  templated('Tts', 'TtsTpl', 'I:提交语音合成任务 (no Input)', {
    inline: { element: 'TtsTpl', kind: 'Tts' },
    input: 'none',
    // The text to speak: required on the page.
    operation: { TtsConfig: group({ InputType: enumOf(['Text', 'Url'], { required: true }), Input: str({ required: true }) }, { required: true }) },
  }),
  templated('SpeechRecognition', 'SpeechRecognition', 'I:提交语音识别任务; Go example jobs.go (posts to /jobs)'),
  templated('PicProcess', 'PicProcess', 'D:436/85035; Go example jobs.go'),
  // Go's file job sends no Output; the Python demo's live-stream job sends one (its result stream).
  templated('VideoTargetRec', 'VideoTargetRec', 'Go example jobs.go; Python demo ci_media.py', { output: 'optional' }),
  templated('NoiseReduction', 'NoiseReduction', 'I:提交音频降噪任务 (no TemplateId in the table: the kind exists)', { parametersRequired: false }),
  job({ tag: 'ImageOCR', templates: ['ImageOCR'], parametersRequired: true, output: 'none', makes: 'nothing', source: 'D:436/115976; Go example jobs.go' }),
  job({
    tag: 'SDRtoHDR',
    operation: { SDRtoHDR: { ...SDR_TO_HDR, required: true }, ...TRANSCODING_EXTRAS, Transcode: group({}), WatermarkTemplateId: WATERMARK_TEMPLATE_ID },
    templateRefs: { TranscodeTemplateId: ['Transcode', 'HighSpeedHd'], WatermarkTemplateId: ['Watermark'] },
    watermarks: true,
    source: 'I:提交 SDRtoHDR 任务',
  }),
  job({
    tag: 'Segment',
    operation: {
      Segment: group(
        {
          Format: str({ required: true }),
          Duration: str(),
          StartTime: str(),
          EndTime: str(),
          TranscodeIndex: str(),
          HlsEncrypt: group({ IsHlsEncrypt: bool(), UriKey: str() }),
          AIGCMetadata: group(AIGC_METADATA_FIELDS, { sdk: 'cos-go-sdk-v5 and cos-python-sdk-v5 Segment jobs' }),
        },
        { required: true },
      ),
    },
    source: 'I:提交转封装任务',
  }),
  job({ tag: 'DigitalWatermark', operation: { DigitalWatermark: { ...DIGITAL_WATERMARK, required: true } }, source: 'I:提交添加数字水印任务' }),
  job({
    tag: 'ExtractDigitalWatermark',
    output: 'none',
    makes: 'nothing',
    operation: {
      ExtractDigitalWatermark: group({ Type: enumOf(['Text'], { required: true }), Version: enumOf(['V1'], { required: true }) }, { required: true }),
    },
    source: 'I:提交提取数字水印任务',
  }),
  job({ tag: 'StreamExtract', source: 'I:提交流分离任务' }),
  job({ tag: 'MediaInfo', output: 'none', makes: 'nothing', source: 'I:提交获取媒体信息任务' }),
  job({
    tag: 'QualityEstimate',
    output: 'none',
    makes: 'nothing',
    operation: { QualityEstimateConfig: group({ Rotate: str(), Mode: str() }, { sdk: "cos-go-sdk-v5's QualityEstimateConfig" }) },
    source: 'I:提交视频质量评分任务',
  }),
  // Tags the official SDKs' examples submit to /jobs beyond the DescribeMediaJobs Tag list: their
  // Operation containers as cos-go-sdk-v5's structs have them (sdk).
  templated('Watermark', 'Watermark', 'cos-go-sdk-v5 example jobs.go (InvokeWatermarkJob)', { parametersRequired: false }),
  job({ tag: 'Translation', operation: { Translation: group({ Lang: str(), Type: str() }) }, source: 'cos-go-sdk-v5 example jobs.go; cos-python-sdk-v5 demo' }),
  job({
    tag: 'WordsGeneralize',
    output: 'none',
    makes: 'nothing',
    operation: { WordsGeneralize: group({ NerMethod: str(), SegMethod: str() }) },
    source: 'cos-go-sdk-v5 example jobs.go',
  }),
  job({
    tag: 'SplitVideoParts',
    output: 'none',
    makes: 'nothing',
    operation: { SplitVideoParts: group({ Mode: str() }) },
    source: 'cos-go-sdk-v5 example jobs.go',
  }),
  job({
    tag: 'SegmentVideoBody',
    output: 'optional',
    operation: {
      SegmentVideoBody: group({
        Mode: str(),
        SegmentType: str(),
        BackgroundRed: str(),
        BackgroundGreen: str(),
        BackgroundBlue: str(),
        BackgroundLogoUrl: str(),
        BinaryThreshold: str(),
        RemoveRed: str(),
        RemoveGreen: str(),
        RemoveBlue: str(),
      }),
    },
    source: 'cos-go-sdk-v5 example jobs.go',
  }),
  job({ tag: 'SoundHound', input: 'none', output: 'none', makes: 'nothing', source: 'cos-go-sdk-v5 example jobs.go (no Input)' }),
  job({
    tag: 'FillConcat',
    input: 'none',
    operation: { FillConcat: group({ Format: str(), FillInput: group({ Url: str(), FillTime: str() }, { repeated: { max: 100 } }) }) },
    source: 'cos-go-sdk-v5 example jobs.go',
  }),
  job({
    tag: 'VideoSynthesis',
    input: 'none',
    inline: { element: 'Transcode', kind: 'Transcode' },
    operation: {
      VideoSynthesis: group({
        KeepAudioTrack: str(),
        SpliceInfo: group({ Url: str(), Width: str(), Height: str(), X: str(), Y: str() }, { repeated: { max: 100 } }),
      }),
    },
    watermarks: true,
    source: 'cos-go-sdk-v5 example jobs.go',
  }),
  job({
    tag: 'VocalScore',
    output: 'none',
    makes: 'nothing',
    operation: { VocalScore: group({ StandardObject: str() }) },
    source: 'cos-go-sdk-v5 example jobs.go',
  }),
  job({
    tag: 'ImageInspect',
    output: 'none',
    makes: 'nothing',
    operation: { ImageInspect: group({ AutoProcess: str(), ProcessType: str() }) },
    source: 'cos-go-sdk-v5 example jobs.go; cos-python-sdk-v5 demo',
  }),
  job({
    tag: 'GeneratePlayList',
    inline: { element: 'Transcode', kind: 'Transcode' },
    watermarks: true,
    source: 'cos-go-sdk-v5 example livetranscode.go; ci_media_test.go',
  }),
  job({
    tag: 'DNA',
    output: 'none',
    makes: 'nothing',
    operation: { DnaConfig: group({ RuleType: str(), DnaDbId: str() }) },
    source: 'cos-go-sdk-v5 example dna.go',
  }),
  job({
    tag: 'PosterProduction',
    input: 'none',
    operation: { PosterProduction: group({ TemplateId: str(), Info: group({ text_main: str(), text_sub: str() }) }) },
    source: 'cos-go-sdk-v5 example poster.go',
  }),
  job({
    tag: 'VideoTag',
    output: 'none',
    makes: 'nothing',
    operation: { VideoTag: group({ Scenario: enumOf(['Stream', 'ShortVideo'], { required: true }), Text: str() }, { required: true }) },
    source: 'I:提交视频标签任务',
  }),
];

/** StreamExtract's Output differs from every other Tag's. */
export const outputOf = (kind: JobKind): GroupField => (kind.tag === 'StreamExtract' ? STREAM_OUTPUT : OUTPUT);

/** `JobLevel` 0, 1 or 2 and `UserData` of at most 1,024 characters: on every page. */
export const COMMON_OPERATION: Fields = {
  UserData: str({ maxLength: 1024 }),
  JobLevel: int({ min: 0, max: 2 }),
};
