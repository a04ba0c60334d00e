import { Writable } from 'node:stream';
import COS from 'cos-nodejs-sdk-v5';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator.js';
import { SECRET_ID, SECRET_KEY } from '../helpers.js';

/** What cos-nodejs-sdk-v5 hands its callback: parsed XML, plus statusCode and headers. */
export interface SdkData {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly RequestId?: string;
  readonly Response: Record<string, unknown>;
}

export interface SdkError {
  readonly code: string;
  readonly message: string;
  readonly statusCode?: number;
  readonly error?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

export type SdkResult = { readonly ok: true; readonly data: SdkData } | { readonly ok: false; readonly error: SdkError };

export const quietLog = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

export function startQuiet(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, db: ':memory:', logLevel: 'silent', logStream: quietLog(), ...options });
}

export function newCos(options: Record<string, unknown> = {}): COS {
  return new COS({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Protocol: 'http:', ...options } as never);
}

export interface SdkCall {
  readonly Method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly Key: string;
  readonly Url: string;
  readonly Query?: Record<string, string | number>;
  readonly Body?: string;
  readonly ContentType?: string;
  /** Sent as a signed, empty query parameter: `Action: 'cancel'` → `?cancel`. */
  readonly Action?: string;
}

/** cos.request, as its callers use it for CI: both Key (what is signed) and Url. */
export function sdkRequest(cos: COS, params: SdkCall): Promise<SdkResult> {
  return new Promise((resolve) => {
    (cos as unknown as { request: (p: SdkCall, cb: (err: SdkError | null, data: SdkData) => void) => void }).request(params, (err, data) => {
      resolve(err ? { ok: false, error: err } : { ok: true, data });
    });
  });
}

export async function sdkOk(cos: COS, params: SdkCall): Promise<SdkData> {
  const result = await sdkRequest(cos, params);
  if (!result.ok) throw new Error(`SDK call failed: ${result.error.code} ${result.error.message}`);
  return result.data;
}

export async function sdkError(cos: COS, params: SdkCall): Promise<SdkError> {
  const result = await sdkRequest(cos, params);
  if (result.ok) throw new Error(`SDK call succeeded: ${JSON.stringify(result.data.Response)}`);
  return result.error;
}

/** The SDK gives one repeated element as an object and several as an array. */
export const asList = <T>(value: T | readonly T[] | undefined): readonly T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value as T]);
