import {
  allowedValues,
  bool,
  enumOf,
  exclusive,
  group,
  int,
  num,
  omitFields,
  required,
  str,
  when,
  type EnumField,
  type Fields,
  type GroupField,
  type IntField,
  type NumberField,
  type Rule,
} from './schema.js';

/**
 * The sub-containers several kinds share (template-kinds.md §2), declared once. This file is
 * not in catalog/, so the registry does not load it as a kind. Where a kind takes a narrower
 * variant (HighSpeedHd's Video, Concat's Audio), its own file declares the difference.
 */

/** Width and Height of a video in Transcode, HighSpeedHd and VideoMontage: [128, 4096], even. */
export const evenSide = (): IntField => int({ min: 128, max: 4096, even: true });
/** Width and Height where the docs give the range without "even" (Animation, Concat, Snapshot, SmartCover). */
export const side = (): IntField => int({ min: 128, max: 4096 });
/** Fps (0, 60]. */
export const fps = (): NumberField => num({ min: exclusive(0), max: 60 });
/** Rotate [0, 360). */
export const rotate = (): NumberField => num({ min: 0, max: exclusive(360) });
/** Crf (0, 51]. */
export const crf = (): NumberField => num({ min: exclusive(0), max: 51 });
/** Video bitrate in Kbps, [10, 50000]. */
export const videoBitrate = (): IntField => int({ min: 10, max: 50000 });
/** Audio bitrate in Kbps, [8, 1000]. */
export const audioBitrate = (): IntField => int({ min: 8, max: 1000 });

export const ALL_CHANNELS = ['1', '2', '4', '5', '6', '8'] as const;
export const MONO_STEREO = ['1', '2'] as const;

// ---- §2.1 Container --------------------------------------------------------------------------

export const TRANSCODE_FORMATS = ['mp4', 'hls', 'mkv', 'ts', 'flv', 'avi', 'mov', 'dash', 'WebM', 'aac', 'mp3', 'flac', 'amr', 'adts', 'm4a', 'wav'] as const;

/** ClipConfig.Duration: "默认5s", range not documented. */
export const CLIP_CONFIG = group({ Duration: num({ default: '5' }) });

/** A `<Container>` whose Format is required and takes these values. */
export const container = (formats: readonly string[], extra: Fields = {}): GroupField =>
  group({ Format: enumOf(formats, { required: true }), ...extra }, { required: true });

export const TRANSCODE_CONTAINER = container(TRANSCODE_FORMATS, { ClipConfig: CLIP_CONFIG });

// ---- §2.2 Video (Transcode) --------------------------------------------------------------------

export const TRANSCODE_VIDEO_CODECS = ['H.264', 'H.265', 'VP8', 'VP9', 'AV1'] as const;

export const TRANSCODE_VIDEO = group({
  Codec: enumOf(TRANSCODE_VIDEO_CODECS, { default: 'H.264' }),
  Width: evenSide(),
  Height: evenSide(),
  Fps: fps(),
  Remove: bool({ default: 'false' }),
  Profile: enumOf(['baseline', 'main', 'high', 'auto'], { default: 'high' }),
  Bitrate: int({ min: 10, max: 50000, words: ['auto'] }),
  Crf: crf(),
  Gop: int({ min: 1, max: 100000 }),
  // The union of each codec's presets: H.264 five, VP8 two, AV1 "5, 4" (doc) or
  // "universal, medium" (SDK demo); which AV1 pair is current is unknown, so both are taken.
  Preset: enumOf(['veryfast', 'fast', 'medium', 'slow', 'slower', 'good', 'realtime', '5', '4', 'universal']),
  Bufsize: int({ min: 1000, max: 128000 }),
  Maxrate: int({ min: 10, max: 50000 }),
  Pixfmt: enumOf(['yuv420p', 'yuv422p', 'yuv444p', 'yuvj420p', 'yuvj422p', 'yuvj444p', 'auto', 'yuv420p10le']),
  LongShortMode: bool({ default: 'false' }),
  Rotate: rotate(),
  Roi: enumOf(['none', 'low', 'medium', 'high'], { default: 'none' }),
  // width:height:left:top, width and height above 0 (Python SDK demo comment).
  Crop: str({
    pattern: /^[1-9]\d{0,4}:[1-9]\d{0,4}:\d{1,5}:\d{1,5}$/,
    patternHint: 'must be width:height:left:top in pixels, width and height above 0',
    sample: '1280:720:0:0',
  }),
  Interlaced: bool({ default: 'false' }),
  // In the Go SDK's Video struct only; their values are not documented: passed through.
  HlsTsTime: str(),
  DashSegment: str(),
  ColorParam: group({ ColorRange: str(), ColorSpace: str(), ColorTrc: str(), ColorPrimaries: str() }),
  StdExtInfo: str(),
});

// ---- §2.3 Audio (Transcode) --------------------------------------------------------------------

export const TRANSCODE_AUDIO_CODECS = ['aac', 'mp3', 'flac', 'amr', 'Vorbis', 'opus', 'pcm_s16le'] as const;
export const TRANSCODE_SAMPLERATES = ['8000', '11025', '12000', '16000', '22050', '24000', '32000', '44100', '48000', '88200', '96000'] as const;

export const TRANSCODE_AUDIO = group({
  Codec: enumOf(TRANSCODE_AUDIO_CODECS, { default: 'aac' }),
  Samplerate: enumOf(TRANSCODE_SAMPLERATES, { default: '44100' }),
  Bitrate: audioBitrate(),
  Channels: enumOf(ALL_CHANNELS),
  Remove: bool({ default: 'false' }),
  KeepTwoTracks: bool({ default: 'false' }),
  SwitchTrack: bool({ default: 'false' }),
  // The union of each codec's sample formats; which one a codec takes is not checked, because
  // the docs say the field is ignored when Video.Codec is H.265.
  SampleFormat: enumOf(['fltp', 's16p', 's32p', 's16', 's32']),
});

// ---- §2.4 TimeInterval ---------------------------------------------------------------------------

/** Start and Duration in seconds, at least 0; the upper end is the media's duration, unknown here. */
/** The aac/mp3 `Audio` of HighSpeedHd and VideoMontage (§3.7, §3.13): the same table in both pages. */
export const AAC_MP3_AUDIO = group({
  Codec: enumOf(['aac', 'mp3'], { default: 'aac' }),
  Samplerate: enumOf(['11025', '22050', '32000', '44100', '48000', '96000'], { default: '44100' }),
  Bitrate: audioBitrate(),
  Channels: enumOf(ALL_CHANNELS),
  Remove: bool({ default: 'false' }),
});

export const TIME_INTERVAL = group({ Start: num({ min: 0, default: '0' }), Duration: num({ min: 0 }) });

// ---- §2.5 TransConfig ----------------------------------------------------------------------------

const adjustMethod = (): EnumField => enumOf(['0', '1'], { default: '0' });

/** The AIGC labels an SDK may attach to a transcode's output (Go and Python SDKs; not documented, passed through). */
export const AIGC_METADATA_FIELDS: Fields = {
  Label: str(),
  ContentProducer: str(),
  ProduceID: str(),
  ReservedCode1: str(),
  ContentPropagator: str(),
  PropagateID: str(),
  ReservedCode2: str(),
};

export const TRANS_CONFIG_FIELDS: Fields = {
  AdjDarMethod: enumOf(['scale', 'crop', 'pad', 'none'], { default: 'none' }),
  IsCheckReso: bool({ default: 'false' }),
  ResoAdjMethod: adjustMethod(),
  IsCheckVideoBitrate: bool({ default: 'false' }),
  VideoBitrateAdjMethod: adjustMethod(),
  IsCheckAudioBitrate: bool({ default: 'false' }),
  AudioBitrateAdjMethod: adjustMethod(),
  IsCheckVideoFps: bool({ default: 'false' }),
  VideoFpsAdjMethod: adjustMethod(),
  DeleteMetadata: bool({ default: 'false' }),
  IsHdr2Sdr: bool({ default: 'false' }),
  TranscodeIndex: str(),
  HlsEncrypt: group({ IsHlsEncrypt: bool({ default: 'false' }), UriKey: str() }),
  DashEncrypt: group({ IsEncrypt: bool({ default: 'false' }), UriKey: str() }),
  // SDK only (Go, Python demo); the values are not documented: passed through.
  AIGCMetadata: group(AIGC_METADATA_FIELDS),
};

export const TRANS_CONFIG = group(TRANS_CONFIG_FIELDS);
/** TranscodePro and HighSpeedHd take TransConfig without some of Transcode's fields. */
export const transConfigWithout = (names: readonly string[]): GroupField => group(omitFields(TRANS_CONFIG_FIELDS, names));

// ---- §2.6 AudioMix / AudioMixArray -------------------------------------------------------------

const AUDIO_MIX_FIELDS: Fields = {
  AudioSource: str({ required: true }),
  MixMode: enumOf(['Repeat', 'Once'], { default: 'Repeat' }),
  Replace: bool({ default: 'false' }),
  EffectConfig: group({
    EnableStartFadein: bool({ default: 'false' }),
    StartFadeinTime: num({ min: exclusive(0) }),
    EnableEndFadeout: bool({ default: 'false' }),
    EndFadeoutTime: num({
      min: exclusive(0),
      lenient: { evidence: 'sdk', reason: "cos-go-sdk-v5's template tests send 0 with EnableEndFadeout false", accepts: ['0'] },
    }),
    EnableBgmFade: bool({ default: 'false' }),
    BgmFadeTime: num({ min: exclusive(0) }),
  }),
};

export const AUDIO_MIX = group(AUDIO_MIX_FIELDS);
/** "最多同时传2个": at most two (the Transcode page). */
export const AUDIO_MIX_ARRAY = group(AUDIO_MIX_FIELDS, { repeated: { max: 2 } });
/**
 * Concat's page types AudioMix as "Container 数组" without a limit: it may repeat, up to a bound
 * of the emulator's (docs/parity.md) that keeps one template small.
 */
export const AUDIO_MIX_LIST = group(AUDIO_MIX_FIELDS, { repeated: { max: 100 } });

// ---- rules shared by the video kinds -----------------------------------------------------------

/**
 * A documented "this value takes only those values" table, as one allowedValues rule per row:
 * `valuesBy('Audio.Codec', 'Audio.Channels', { mp3: ['1', '2'] })`.
 */
export function valuesBy(conditionPath: string, path: string, table: Readonly<Record<string, readonly string[]>>): Rule[] {
  return Object.entries(table).map(([value, allowed]) => allowedValues(path, allowed, when(conditionPath, value)));
}

/** The same allowed values for several values of the condition: one rule. */
export const valuesFor = (conditionPath: string, conditionValues: readonly string[], path: string, allowed: readonly string[]): Rule =>
  allowedValues(path, allowed, when(conditionPath, ...conditionValues));

// ---- the root of a Transcode request (also VideoEnhance's Transcode container) -----------------

export const TRANSCODE_FIELDS: Fields = {
  Container: TRANSCODE_CONTAINER,
  Video: TRANSCODE_VIDEO,
  Audio: TRANSCODE_AUDIO,
  TimeInterval: TIME_INTERVAL,
  TransConfig: TRANS_CONFIG,
  AudioMix: AUDIO_MIX,
  AudioMixArray: AUDIO_MIX_ARRAY,
  // Go SDK only (G:158, G:171).
  Subtitle: group({ Remove: bool({ default: 'false' }) }),
};

// ---- VideoProcess and SuperResolution (also VideoEnhance's sub-containers) ----------------------

/** Empty Contrast, Correction or Saturation means "automatic" (the doc's example sends them empty). */
export const COLOR_ENHANCE = group({
  Enable: bool({ default: 'false' }),
  Contrast: int({ min: 0, max: 100 }),
  Correction: int({ min: 0, max: 1000 }),
  Saturation: int({ min: 0, max: 300 }),
});

export const MS_SHARPEN = group({ Enable: bool({ default: 'false' }), SharpenLevel: int({ min: 0, max: 10 }) });

export const RESOLUTION = enumOf(['sdtohd', 'hdto4k']);

export const SUPER_RESOLUTION_FIELDS: Fields = {
  Resolution: required(RESOLUTION),
  EnableScaleUp: bool({ default: 'false' }),
  Version: enumOf(['Base', 'Enhance'], { default: 'Base' }),
};
