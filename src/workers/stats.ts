import type { Clock } from '../core/Clock.js';

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
class Samples {
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

/** How a settled task ended, as counted in {@link WorkerPoolStats}. @internal */
export type Outcome = 'completed' | 'failed' | 'cancelled';

/**
 * The running totals behind {@link WorkerPoolStats}: tasks settled by outcome, time spent running tasks, and
 * the run/wait-time windows. The scheduler reports each event; `snapshot` adds what it knows of the moment.
 * @internal
 */
export class PoolMetrics {
  readonly #clock: Clock;
  readonly #createdAt: number;
  readonly #minThreads: number;
  readonly #maxThreads: number;
  readonly #runTimes = new Samples();
  readonly #waitTimes = new Samples();
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #busyMs = 0;

  constructor(clock: Clock, minThreads: number, maxThreads: number) {
    this.#clock = clock;
    this.#createdAt = clock.now();
    this.#minThreads = minThreads;
    this.#maxThreads = maxThreads;
  }

  /** A thread reported a task that ran for `runMs` (counted even if the task was settled meanwhile). */
  ran(runMs: number): void {
    this.#busyMs += runMs;
    this.#runTimes.add(runMs);
  }

  /** A task called at `calledAt` that ran for `runMs` is being settled with its result now. */
  waited(calledAt: number, runMs: number): void {
    this.#waitTimes.add(Math.max(0, this.#clock.now() - calledAt - runMs));
  }

  /** A task was settled with `outcome`. */
  settled(outcome: Outcome): void {
    if (outcome === 'completed') this.#completed++;
    else if (outcome === 'failed') this.#failed++;
    else this.#cancelled++;
  }

  /** A fresh snapshot, given the scheduler's current thread and task counts. */
  snapshot(threads: number, idle: number, queued: number, running: number): WorkerPoolStats {
    const age = this.#clock.now() - this.#createdAt;
    return {
      threads,
      idle,
      queued,
      running,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      utilization: age > 0 ? Math.min(1, this.#busyMs / (age * this.#maxThreads)) : 0,
      runTime: this.#runTimes.percentiles(),
      waitTime: this.#waitTimes.percentiles(),
      minThreads: this.#minThreads,
      maxThreads: this.#maxThreads,
    };
  }
}
