import type { ApiServices } from '../api/resource.js';
import { journalBody } from '../admin/journal.js';
import { CallbackPolicy, postOnce } from './callback.js';
import { defaultQueueId } from './queue.js';
import { jobDetail, treeXml } from './render.js';
import type { JobDeclarations } from './request.js';
import type { CallbackOutcome, StoredJob } from './store.js';

/**
 * A job's callback, once it has ended: the TaskFinish notification POSTed once to its CallBack
 * URL, in XML (`<Response><EventName>TaskFinish</EventName><JobsDetail>…`) or JSON per
 * CallBackFormat, with no retry. What it came to goes to the job and to the request journal.
 */
export class CallbackDispatcher {
  readonly #policy: CallbackPolicy;
  readonly #stop = new AbortController();

  constructor(
    private readonly services: ApiServices,
    private readonly declarations: JobDeclarations,
  ) {
    this.#policy = new CallbackPolicy(services.config.callbackHosts);
  }

  /** Called when a job has ended; never throws. */
  ended(job: StoredJob): void {
    this.#dispatch(job).catch((error: unknown) => this.services.log.error({ err: error, jobId: job.id }, 'a job callback could not be recorded'));
  }

  stop(): void {
    this.#stop.abort();
  }

  /**
   * The job's own CallBack, or else its queue's NotifyConfig when that is On ("CallBack 优先级高于
   * 队列的回调地址"); `no` silences the queue's. A TDMQ or Kafka callback names a message queue
   * (CallBackMqConfig), not a URL: it is never sent, but it is journalled, URL or none. Values
   * are compared without regard to case, as the default mode reads them.
   */
  #target(job: StoredJob): { url: string; format: string; type: string } | undefined {
    const own = textOf(job.data['CallBack']);
    if (own.toLowerCase() === 'no') return undefined;
    const ownType = textOf(job.data['CallBackType']) || 'Url';
    if (own !== '' || !isUrlType(ownType)) return { url: own, format: textOf(job.data['CallBackFormat']) || 'XML', type: ownType };
    const queue = job.queueId === defaultQueueId(job.bucket) ? this.services.storage.jobs.queue(job.bucket) : undefined;
    const notify = queue?.notify;
    if (notify === undefined || textOf(notify['State']).toLowerCase() !== 'on') return undefined;
    const url = textOf(notify['Url']);
    const type = textOf(notify['Type']) || 'Url';
    if (url === '' && isUrlType(type)) return undefined;
    return { url, format: textOf(notify['ResultFormat']) || 'XML', type };
  }

  async #dispatch(job: StoredJob): Promise<void> {
    const chosen = this.#target(job);
    if (chosen === undefined) return;
    const target = chosen.url;
    const json = chosen.format.toUpperCase() === 'JSON';
    const detail = jobDetail(job, { tzOffset: this.services.config.tzOffset, kind: this.declarations.get(job.tag), now: this.services.clock() });
    const body = json
      ? JSON.stringify({ EventName: 'TaskFinish', JobsDetail: [detail] })
      : `<Response><EventName>TaskFinish</EventName>${treeXml('JobsDetail', detail)}</Response>`;
    const { type } = chosen;
    const started = this.services.clock();
    const outcome = await this.#deliver(target, type, body, json ? 'application/json' : 'application/xml');
    await this.services.storage.jobs.recordCallback(job.id, outcome);
    this.#journal(job, target, body, outcome, this.services.clock() - started);
  }

  async #deliver(target: string, type: string, body: string, contentType: string): Promise<CallbackOutcome> {
    const at = new Date(this.services.clock()).toISOString();
    // TDMQ and Kafka callbacks go to message queues the emulator has none of.
    if (!isUrlType(type)) return { url: target, at, result: 'skipped', error: `CallBackType ${type}: only Url callbacks are sent` };
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { url: target, at, result: 'refused', error: 'not a URL' };
    }
    const checked = await this.#policy.check(url);
    if ('refused' in checked) return { url: target, at, result: 'refused', error: checked.refused };
    const sent = await postOnce(url, checked.address, checked.family, body, contentType, this.#stop.signal);
    return sent.status === undefined
      ? { url: target, at, result: 'failed', error: sent.error ?? 'error' }
      : { url: target, at, result: 'sent', status: sent.status };
  }

  #journal(job: StoredJob, target: string, body: string, outcome: CallbackOutcome, ms: number): void {
    let url: URL | undefined;
    try {
      url = new URL(target);
    } catch {
      url = undefined;
    }
    this.services.journal.record({
      time: outcome.at,
      method: 'POST',
      path: url === undefined ? target : url.pathname,
      query: url?.search.slice(1) ?? '',
      host: url?.host ?? '',
      bucket: job.bucket,
      status: outcome.status ?? 0,
      code: outcome.result === 'sent' ? null : `Callback${outcome.result[0]!.toUpperCase()}${outcome.result.slice(1)}`,
      ms,
      requestId: job.id,
      ...journalBody(Buffer.from(body)),
      ignored: [],
      repeated: [],
      auth: { form: 'none', secretId: undefined, verdict: 'not checked' },
      callback: { jobId: job.id, ...outcome },
    });
  }
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');
const isUrlType = (type: string): boolean => type.toLowerCase() === 'url';
