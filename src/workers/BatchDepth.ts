/** Tasks one thread may hold at once (see {@link BatchDepth.depth}). */
const MAX_DEPTH = 32;

/** Milliseconds of work a thread may hold ahead (see {@link BatchDepth.depth}): a task this long is a long task. */
const BATCH_MS = 1;

/**
 * How the run-time estimate follows the threads' timings: a tenth of the way towards each new timing, but half
 * the way up towards a long task (BATCH_MS or more). One long task after many tiny ones ends batching at once
 * (long tasks must not wait behind each other on one thread while another could run them), while a tiny task
 * that was a little slow (a GC pause) barely moves it; it takes many short tasks in a row to start batching
 * again.
 */
const ESTIMATE_UP = 0.5;
const ESTIMATE_STEP = 0.1;

/**
 * How many tasks a worker pool sends to one thread at a time, from an estimate of a task's run time that
 * follows the timings the threads report.
 * @internal
 */
export class BatchDepth {
  /** Estimated run time of a task, ms (see ESTIMATE_UP); `undefined` until a task has run. */
  #estimate: number | undefined = undefined;

  /** A thread reports that a task ran for `runMs` milliseconds. */
  ran(runMs: number): void {
    const estimate = this.#estimate;
    this.#estimate =
      estimate === undefined
        ? runMs
        : estimate +
          (runMs - estimate) * (runMs >= BATCH_MS && runMs > estimate ? ESTIMATE_UP : ESTIMATE_STEP);
  }

  /**
   * How many tasks one thread may hold: keep about 1 ms of work queued in each thread, so tiny tasks travel
   * in batches (one message for many) while long ones (1 ms or more) go one at a time to whichever thread
   * frees up first. Until a task has run, nothing is known: one at a time.
   */
  depth(): number {
    const estimate = this.#estimate;
    if (estimate === undefined) return 1;
    return Math.max(1, Math.min(MAX_DEPTH, Math.floor(BATCH_MS / Math.max(estimate, BATCH_MS / MAX_DEPTH))));
  }
}
