/** Percentiles of a duration, in milliseconds (0 before any sample). */
export interface Percentiles {
  p50: number;
  p99: number;
}

/** A snapshot of a {@link WorkerPool}, returned fresh by `stats()`. */
export interface WorkerPoolStats {
  /** Live threads (idle or busy). */
  threads: number;
  /** Threads holding no task. */
  idle: number;
  /** Tasks waiting for a thread. */
  queued: number;
  /** Tasks handed to a thread and not settled yet (running, or next in line on their thread). */
  running: number;
  /** Tasks fulfilled. */
  completed: number;
  /** Tasks rejected by their own error, a crash of their thread, a timeout or a closed pool. */
  failed: number;
  /** Tasks rejected because their `signal` aborted. */
  cancelled: number;
  /** Share of the threads' capacity (`maxThreads` x the pool's age) spent running tasks, 0 to 1. */
  utilization: number;
  /** How long tasks ran inside their thread, over the last 1,024 settled tasks. */
  runTime: Percentiles;
  /** How long tasks waited from the call until they ran, over the last 1,024 settled tasks. */
  waitTime: Percentiles;
  /** The pool's bounds, as configured. */
  minThreads: number;
  maxThreads: number;
}

const WINDOW = 1024;

/** The last WINDOW samples of one duration, kept without allocating per sample. @internal */
export class Samples {
  readonly #values = new Float64Array(WINDOW);
  #count = 0;

  add(ms: number): void {
    this.#values[this.#count++ % WINDOW] = ms;
  }

  percentiles(): Percentiles {
    const n = Math.min(this.#count, WINDOW);
    if (n === 0) return { p50: 0, p99: 0 };
    const sorted = this.#values.slice(0, n).sort();
    const at = (q: number): number => sorted[Math.min(n - 1, Math.floor(q * n))] as number;
    return { p50: at(0.5), p99: at(0.99) };
  }
}
