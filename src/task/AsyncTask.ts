import { type Clock, systemClock } from '../core/Clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import type { ClockOptions, Work } from '../core/types.js';
import { assertFunction, clockOption, optionsBag, signalOption, timeoutOption } from '../core/validate.js';

/** Where a task is in its life: it moves from 'pending' to 'running' to one of the three final states, once. */
export type TaskStatus = 'pending' | 'running' | 'fulfilled' | 'rejected' | 'cancelled';

/** Options of {@link AsyncTask}. */
export interface AsyncTaskOptions extends ClockOptions {
  /** A label for logs and stats. @default "Task-<n>" */
  name?: string | undefined;
  /** Milliseconds from `execute()` until the task rejects with `TimeoutError` and its signal aborts. @default Infinity */
  timeout?: number | undefined;
  /** Cancels the task when it aborts: the task rejects with `signal.reason` and is 'cancelled'. */
  signal?: AbortSignal | undefined;
}

/**
 * What an owner (executor, task group) learns about the tasks it starts. Internal: reached through
 * {@link kOwn} so the public surface stays small.
 * @internal
 */
export interface TaskOwner {
  /** The task reached a final state (its promise settled). */
  taskSettled(task: AsyncTask<unknown>): void;
  /** The task's work function has settled (or will never run): its slot is free. */
  workSettled(task: AsyncTask<unknown>): void;
}

/** @internal Hands a task to an owner, which then starts it with {@link kStart}. */
export const kOwn: unique symbol = Symbol('ferris.task.own');
/** @internal Starts an owned task now. */
export const kStart: unique symbol = Symbol('ferris.task.start');

let taskCounter = 0;

/**
 * One unit of work with a name, a status, timings, a timeout and cancellation (PyFerris `AsyncTask`).
 * The work is a function that receives the task's AbortSignal; it runs once, on the first `execute()`
 * (or `await task`), and every later call returns the same promise.
 *
 * Cancelling (`cancel()`, the `signal` option) and timing out settle the task at once, without waiting for
 * the work: a cancelled task rejects with the reason and is 'cancelled'; a timed-out one rejects with
 * `TimeoutError` and is 'rejected'. In both cases the work's signal aborts with that same error, and whatever
 * the work produces later is dropped.
 *
 * @example
 * ```ts
 * const task = new AsyncTask(async (signal) => fetchReport(signal), { name: 'report', timeout: 5000 });
 * const report = await task.execute();
 * console.log(task.status, task.duration);
 * ```
 */
export class AsyncTask<T> implements PromiseLike<T> {
  /** The task's label. */
  readonly name: string;
  #fn: Work<T> | undefined;
  #status: TaskStatus = 'pending';
  #value: T | undefined = undefined;
  #error: unknown = undefined;
  #promise: Promise<T> | undefined = undefined;
  // Typed `unknown` so AsyncTask stays covariant in T (an AsyncTask<string> is an AsyncTask<unknown>).
  #resolve: ((value: unknown) => void) | undefined = undefined;
  #reject: ((error: unknown) => void) | undefined = undefined;
  #controller: AbortController | undefined = undefined;
  readonly #clock: Clock;
  readonly #timeout: number;
  #timer: unknown = undefined;
  #timerArmed = false;
  readonly #signal: AbortSignal | undefined;
  #signalListener: (() => void) | undefined = undefined;
  #startedAt: number | undefined = undefined;
  #finishedAt: number | undefined = undefined;
  #owner: TaskOwner | undefined = undefined;

  /**
   * @param fn The work: called with the task's AbortSignal.
   * @throws TypeError if `fn` is not a function or an option has the wrong type; RangeError if `timeout` is NaN.
   */
  constructor(fn: Work<T>, options?: AsyncTaskOptions) {
    assertFunction('AsyncTask fn', fn);
    const o = optionsBag('AsyncTask options', options);
    if (o.name !== undefined && typeof o.name !== 'string')
      throw new TypeError(`AsyncTask options.name must be a string, got ${typeof o.name}.`);
    this.#fn = fn;
    this.name = o.name ?? `Task-${++taskCounter}`;
    this.#timeout = timeoutOption('AsyncTask options.timeout', o.timeout);
    this.#signal = signalOption('AsyncTask options.signal', o.signal);
    this.#clock = o.clock === undefined ? systemClock : clockOption('AsyncTask options.clock', o.clock);
  }

  /** Current state; see {@link TaskStatus}. */
  get status(): TaskStatus {
    return this.#status;
  }

  /** True once the task is fulfilled, rejected or cancelled. */
  get isDone(): boolean {
    return this.#status !== 'pending' && this.#status !== 'running';
  }

  /** The value, once fulfilled; `undefined` before. */
  get result(): T | undefined {
    return this.#value;
  }

  /** The rejection reason, once rejected or cancelled; `undefined` before. */
  get error(): unknown {
    return this.#error;
  }

  /** Clock time (ms) when the work started, if it did. */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  /** Clock time (ms) when the task settled, if it did. */
  get finishedAt(): number | undefined {
    return this.#finishedAt;
  }

  /** `finishedAt - startedAt` in ms, once both are known. */
  get duration(): number | undefined {
    return this.#startedAt === undefined || this.#finishedAt === undefined
      ? undefined
      : this.#finishedAt - this.#startedAt;
  }

  /**
   * Starts the task (once) and returns its promise; repeat calls return the same promise. A task owned by
   * an executor or a group is started by its owner: `execute()` then only returns the promise.
   */
  execute(): Promise<T> {
    if (this.#status === 'pending' && this.#owner === undefined) this.#start();
    return this.#getPromise();
  }

  /**
   * Cancels the task: a pending task never runs; a running task's signal aborts with `reason`. Either way the
   * task rejects at once with `reason` itself and becomes 'cancelled'. Does nothing once the task is done.
   * @param reason The rejection and abort reason. @default new CancelledError()
   */
  cancel(reason: unknown = new CancelledError(`Task ${this.name} was cancelled.`)): void {
    if (this.isDone) return;
    const wasRunning = this.#status === 'running';
    this.#status = 'cancelled';
    this.#error = reason;
    this.#finish();
    if (wasRunning) this.#controller!.abort(reason);
    else this.#neverRuns();
  }

  // biome-ignore lint/suspicious/noThenProperty: an AsyncTask is awaitable by design (SPEC: `await task` starts it).
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.execute().then(onFulfilled, onRejected);
  }

  /** `task.execute().catch(...)`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.execute().catch(onRejected);
  }

  /** `task.execute().finally(...)`. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.execute().finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    return 'AsyncTask';
  }

  /**
   * @internal Hands the task to `owner`, which will start it with {@link kStart}. With `armNow`, the timeout
   * starts counting at once (queue time included, as `submitAsync` promises) instead of at start.
   */
  [kOwn](owner: TaskOwner, armNow: boolean): void {
    this.#owner = owner;
    if (armNow) this.#arm();
  }

  /** @internal Starts an owned task (no-op if it already settled, e.g. cancelled or timed out in the queue). */
  [kStart](): void {
    if (this.#status === 'pending') this.#start();
  }

  #arm(): void {
    if (this.#timerArmed) return;
    this.#timerArmed = true;
    const signal = this.#signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.cancel(signal.reason);
        return;
      }
      this.#signalListener = () => this.cancel(signal.reason);
      signal.addEventListener('abort', this.#signalListener, { once: true });
    }
    if (this.#timeout !== Number.POSITIVE_INFINITY)
      this.#timer = this.#clock.setTimeout(() => this.#timedOut(), this.#timeout);
  }

  #start(): void {
    this.#arm();
    if (this.#status !== 'pending') return; // the signal was already aborted
    this.#status = 'running';
    this.#startedAt = this.#clock.now();
    const controller = new AbortController();
    this.#controller = controller;
    const fn = this.#fn!;
    this.#fn = undefined;
    let out: T | PromiseLike<T>;
    try {
      out = fn(controller.signal);
    } catch (error) {
      this.#workSettled();
      this.#fail(error);
      return;
    }
    if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<T>).then === 'function') {
      Promise.resolve(out).then(
        (value) => {
          this.#workSettled();
          this.#succeed(value);
        },
        (error: unknown) => {
          this.#workSettled();
          this.#fail(error);
        },
      );
    } else {
      this.#workSettled();
      this.#succeed(out as T);
    }
  }

  #timedOut(): void {
    this.#timer = undefined;
    if (this.isDone) return;
    const wasRunning = this.#status === 'running';
    const error = new TimeoutError(`Task ${this.name} timed out after ${this.#timeout} ms.`, {
      timeout: this.#timeout,
    });
    this.#status = 'rejected';
    this.#error = error;
    this.#finish();
    if (wasRunning) this.#controller!.abort(error);
    else this.#neverRuns();
  }

  #succeed(value: T): void {
    if (this.#status !== 'running') return; // cancelled or timed out: the late value is dropped
    this.#status = 'fulfilled';
    this.#value = value;
    this.#finish();
  }

  #fail(error: unknown): void {
    if (this.#status !== 'running') return;
    this.#status = 'rejected';
    this.#error = error;
    this.#finish();
  }

  #neverRuns(): void {
    this.#fn = undefined;
    this.#owner?.workSettled(this as AsyncTask<unknown>);
  }

  #workSettled(): void {
    this.#owner?.workSettled(this as AsyncTask<unknown>);
  }

  /** Common end of every final state: timings, timer and listener cleanup, promise settlement, owner notice. */
  #finish(): void {
    this.#finishedAt = this.#clock.now();
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#signalListener !== undefined) {
      this.#signal!.removeEventListener('abort', this.#signalListener);
      this.#signalListener = undefined;
    }
    if (this.#resolve !== undefined) {
      if (this.#status === 'fulfilled') this.#resolve(this.#value);
      else this.#reject!(this.#error);
      this.#resolve = undefined;
      this.#reject = undefined;
    }
    this.#owner?.taskSettled(this as AsyncTask<unknown>);
  }

  /** The promise is made lazily: a queued task costs no promise until someone asks for one. */
  #getPromise(): Promise<T> {
    if (this.#promise === undefined) {
      if (this.#status === 'fulfilled') this.#promise = Promise.resolve(this.#value as T);
      else if (this.isDone) this.#promise = Promise.reject(this.#error);
      else
        this.#promise = new Promise<T>((resolve, reject) => {
          this.#resolve = resolve as (value: unknown) => void;
          this.#reject = reject;
        });
    }
    return this.#promise;
  }
}
