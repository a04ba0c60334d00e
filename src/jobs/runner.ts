import type { JobEnding, JobMove, MoveOutcome, SqliteJobStore, StoredJob } from './store.js';

/**
 * Moves jobs through their lives: Submitted for the first half of CIE_JOB_DURATION_MS, Running
 * for the second, then Success (or the ending a fault chose). No media is processed. The times
 * are kept with each job, so after a restart a job finishes at its time, or at once if that has
 * passed; one process holds the database file, so exactly one runner moves each job. With
 * `manual`, nothing moves until a test says so through /_emulator/jobs.
 */
export class JobRunner {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(
    private readonly store: SqliteJobStore,
    private readonly clock: () => number,
    /** Called once a job has ended (Success or Failed), after its state is stored. */
    private readonly onEnded: (job: StoredJob) => void,
    /** A move that failed (the database closing under it): logged, never thrown from a timer. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Picks up the jobs a previous run left unfinished. */
  resume(): void {
    for (const job of this.store.unfinished()) this.schedule(job);
  }

  /** Plans the next move of a job that has its times. */
  schedule(job: StoredJob): void {
    if (this.#stopped || job.runAt === undefined || job.endAt === undefined) return;
    const next = job.state === 'Submitted' ? job.runAt : job.endAt;
    const timer = setTimeout(() => void this.#due(job.id).catch(this.onError), Math.max(0, next - this.clock()));
    timer.unref();
    clearTimeout(this.#timers.get(job.id));
    this.#timers.set(job.id, timer);
  }

  /** A test's move, or the runner's own. A job that ends calls onEnded. */
  async move(id: string, move: JobMove): Promise<MoveOutcome> {
    const moved = await this.store.move(id, move, this.clock());
    if (moved.outcome !== 'moved') return moved;
    if (moved.job.state === 'Running') this.schedule(moved.job);
    else {
      this.forget(id);
      this.onEnded(moved.job);
    }
    return moved;
  }

  /** A job cancelled or removed: its timer goes. */
  forget(id: string): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
  }

  /** Every job was removed (a reset): their timers go, the runner stays. */
  forgetAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  stop(): void {
    this.#stopped = true;
    this.forgetAll();
  }

  async #due(id: string): Promise<void> {
    this.#timers.delete(id);
    if (this.#stopped) return;
    const job = this.store.find(id);
    if (job === undefined) return;
    if (job.state === 'Submitted') await this.move(id, { state: 'Running' });
    else if (job.state === 'Running') await this.move(id, endingMove(job.ending));
  }
}

const endingMove = (ending: JobEnding | undefined): JobMove => ending ?? { state: 'Success' };
