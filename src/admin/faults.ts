import { randomUUID } from 'node:crypto';
import type { JobEnding } from '../jobs/store.js';
import { isAdminPath } from '../request-context.js';

/**
 * Faults injected through /_emulator/faults: the next `times` requests that match fail with a
 * CI error, or are only delayed. Oldest fault first; a spent fault disappears.
 */
export interface FaultMatch {
  /** Upper-case; absent = any method but OPTIONS (preflights are never consumed by accident). */
  readonly method?: string;
  /** Exact, or a prefix when it ends in `*`; absent = any API path. */
  readonly path?: string;
}

export interface Fault {
  readonly id: string;
  readonly match: FaultMatch;
  /** undefined for a delay-only fault. */
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly times: number;
  readonly delayMs: number;
  /** A job fault: the next matching jobs end this way, and the request itself is answered normally. */
  readonly job: JobEnding | undefined;
  remaining: number;
}

export class FaultInputError extends Error {}

const CODE = /^[A-Za-z][A-Za-z0-9.]{0,63}$/;
const METHOD = /^[A-Za-z]{1,16}$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function integer(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new FaultInputError(`${name} must be an integer from ${min} to ${max}`);
  }
  return number;
}

function text(value: unknown, name: string, pattern: RegExp): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new FaultInputError(`${name} is not valid`);
  return value;
}

const JSON_KEYS = new Set(['match', 'status', 'code', 'times', 'delayMs', 'job']);
const JOB_KEYS = new Set(['state', 'code', 'message']);
// The dashboard's form is flat: method and path sit beside the other fields.
const FORM_KEYS = new Set([...JSON_KEYS, 'method', 'path']);
const MATCH_KEYS = new Set(['method', 'path']);

/** A misspelt key (`time`, `delay`) would silently give a fault other than the one meant. */
function checkKeys(input: Record<string, unknown>, allowed: ReadonlySet<string>, where: string): void {
  const unknown = Object.keys(input).filter((key) => !allowed.has(key));
  if (unknown.length > 0)
    throw new FaultInputError(`${where} has unknown key${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; it takes ${[...allowed].join(', ')}`);
}

/** Reads `{match:{method,path}, status, code, times, delayMs}` (JSON, or the dashboard's flat form). */
export function readFaultInput(input: unknown): Omit<Fault, 'id' | 'remaining'> {
  if (!isRecord(input)) throw new FaultInputError('the body must be a JSON object');
  let matchInput: Record<string, unknown>;
  if (input['match'] === undefined) {
    checkKeys(input, FORM_KEYS, 'the fault');
    matchInput = { method: input['method'], path: input['path'] };
  } else {
    checkKeys(input, JSON_KEYS, 'the fault');
    if (!isRecord(input['match'])) throw new FaultInputError('match must be an object like {"method":"POST","path":"/template"}');
    checkKeys(input['match'], MATCH_KEYS, 'match');
    matchInput = input['match'];
  }
  const method = text(matchInput['method'], 'match.method', METHOD)?.toUpperCase();
  // Every OPTIONS is answered by CORS before faults are looked at: such a fault could never fire.
  if (method === 'OPTIONS') throw new FaultInputError('match.method cannot be OPTIONS: preflights are answered before faults apply');
  // Matched against the path alone: a query or a fragment in it could never match.
  const path = text(matchInput['path'], 'match.path', /^\/[^\s?#]*$/);
  if (path !== undefined && /^\/_emulator(?:$|[/*?])/.test(path)) throw new FaultInputError('match.path cannot be an /_emulator/ path');
  const status = integer(input['status'], 'status', 400, 599);
  const code = text(input['code'], 'code', CODE);
  const times = integer(input['times'], 'times', 1, 1_000_000) ?? 1;
  const delayMs = integer(input['delayMs'], 'delayMs', 0, 60_000) ?? 0;
  const job = readJobEnding(input['job']);
  if (job !== undefined) {
    if (status !== undefined || code !== undefined || delayMs > 0)
      throw new FaultInputError('a job fault sets how jobs end, not the answer: give job, or status, code and delayMs');
    return {
      match: { ...(method === undefined ? {} : { method }), ...(path === undefined ? {} : { path }) },
      status: undefined,
      code: undefined,
      times,
      delayMs: 0,
      job,
    };
  }
  const delayOnly = status === undefined && code === undefined && delayMs > 0;
  return {
    match: { ...(method === undefined ? {} : { method }), ...(path === undefined ? {} : { path }) },
    status: delayOnly ? undefined : (status ?? 503),
    code: delayOnly ? undefined : (code ?? 'ServiceUnavailable'),
    times,
    delayMs,
    job: undefined,
  };
}

/** `{"state": "Failed" | "Success", "code": …, "message": …}`: how the next matching jobs end. */
function readJobEnding(input: unknown): JobEnding | undefined {
  if (input === undefined || input === null) return undefined;
  if (!isRecord(input)) throw new FaultInputError('job must be an object like {"state":"Failed","code":"InternalError","message":"…"}');
  checkKeys(input, JOB_KEYS, 'job');
  const state = input['state'] ?? 'Failed';
  if (state !== 'Failed' && state !== 'Success') throw new FaultInputError('job.state must be Failed or Success');
  const code = text(input['code'], 'job.code', CODE) ?? (state === 'Failed' ? 'InternalError' : 'Success');
  const message = input['message'] ?? '';
  if (typeof message !== 'string' || message.length > 1024) throw new FaultInputError('job.message must be text of at most 1,024 characters');
  return { state, code, message };
}

export class FaultRegistry {
  #faults: Fault[] = [];

  add(input: unknown): Fault {
    const fault: Fault = { id: randomUUID(), ...readFaultInput(input), remaining: 0 };
    fault.remaining = fault.times;
    this.#faults.push(fault);
    return fault;
  }

  list(): readonly Fault[] {
    return this.#faults;
  }

  clear(): void {
    this.#faults = [];
  }

  /** The first answer fault that matches, with one use taken from it. */
  take(method: string, path: string): Fault | undefined {
    if (this.#faults.length === 0 || isAdminPath(path)) return undefined;
    return this.#use((candidate) => candidate.job === undefined && matches(candidate.match, method, path));
  }

  /** How a job made by this request ends, when a job fault matches it: one use per job. */
  takeJobEnding(method: string, path: string): JobEnding | undefined {
    if (this.#faults.length === 0) return undefined;
    return this.#use((candidate) => candidate.job !== undefined && matches(candidate.match, method, path))?.job;
  }

  #use(wanted: (fault: Fault) => boolean): Fault | undefined {
    const fault = this.#faults.find(wanted);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((candidate) => candidate !== fault);
    return fault;
  }
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method === undefined ? method === 'OPTIONS' : match.method !== method) return false;
  if (match.path === undefined) return true;
  return match.path.endsWith('*') ? path.startsWith(match.path.slice(0, -1)) : path === match.path;
}
