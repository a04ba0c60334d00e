import type { TemplateKind } from '../schema.js';
import animation from './animation.js';
import concat from './concat.js';
import highSpeedHd from './high-speed-hd.js';
import imageOcr from './image-ocr.js';
import noiseReduction from './noise-reduction.js';
import picProcess from './pic-process.js';
import smartCover from './smart-cover.js';
import snapshot from './snapshot.js';
import speechRecognition from './speech-recognition.js';
import superResolution from './super-resolution.js';
import transcodePro from './transcode-pro.js';
import transcode from './transcode.js';
import tts from './tts.js';
import videoEnhance from './video-enhance.js';
import videoMontage from './video-montage.js';
import videoProcess from './video-process.js';
import videoTargetRec from './video-target-rec.js';
import voiceSeparate from './voice-separate.js';
import watermark from './watermark.js';

/**
 * Every template kind the emulator serves, one declaration per file of this folder. Adding a Tag
 * is adding its file and a line here; nothing else in the emulator names a Tag.
 */
export const CATALOG: readonly TemplateKind[] = [
  animation,
  concat,
  highSpeedHd,
  imageOcr,
  noiseReduction,
  picProcess,
  smartCover,
  snapshot,
  speechRecognition,
  superResolution,
  transcodePro,
  transcode,
  tts,
  videoEnhance,
  videoMontage,
  videoProcess,
  videoTargetRec,
  voiceSeparate,
  watermark,
];
