import { randomBytes } from 'node:crypto';
import { customAlphabet } from 'nanoid';

/** `t1` + 32 lowercase hex characters from a cryptographic source, like the doc's examples. */
const hex32 = customAlphabet('0123456789abcdef', 32);
export const newTemplateId = (): string => `t1${hex32()}`;
export const TEMPLATE_ID = /^t1[0-9a-f]{32}$/;
/** `j` + 32 lowercase hex characters, like the docs' JobIds. */
export const newJobId = (): string => `j${hex32()}`;
export const JOB_ID = /^j[0-9a-f]{32}$/;

// CI's RequestIds are base64 of `<hex unix seconds>_<hex>_<hex>_<hex>`; the middle parts here are
// a per-process random tag and a counter, which keep them unique; the last part is random, drawn
// from a pool refilled 4 KiB at a time rather than by a system call per request.
const processTag = randomBytes(4).toString('hex');
let counter = 0;
let pool = randomBytes(4096);
let poolOffset = 0;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

function nextIdText(): string {
  counter = (counter + 1) % 0x1_0000_0000;
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  return `${seconds}_${processTag}_${counter.toString(16)}_${randomHex(3)}`;
}

export const newRequestId = (): string => Buffer.from(nextIdText()).toString('base64');
export const newTraceId = (): string => Buffer.from(`trace_${nextIdText()}`).toString('base64');

const pad = (value: number): string => String(value).padStart(2, '0');

/** `2020-08-05T11:35:24+0800` for Unix seconds, in the given `±HHMM` offset. */
export function formatCiTime(unixSeconds: number, offset: string): string {
  const sign = offset.startsWith('-') ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)));
  const shifted = new Date((unixSeconds + minutes * 60) * 1000);
  return (
    `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}` +
    `T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}${offset}`
  );
}
