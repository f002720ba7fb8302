import type { Clock } from '../core/Clock.js';
import { type Context, captureContext, runInContext } from '../core/context.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { RingBuffer } from '../core/RingBuffer.js';
import type { ClockOptions, Work } from '../core/types.js';
import { clockOption, optionsBag, signalOption, timeoutOption } from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';
import { AsyncTask, kOwn, kStart, type TaskOwner } from './AsyncTask.js';
import { workList } from './workList.js';

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions extends ClockOptions {
  /** Aborts the work still running with `signal.reason`; the iteration then throws it. */
  signal?: AbortSignal | undefined;
  /**
   * Milliseconds from the first `next()` for the whole iteration; then the work still running is aborted and
   * the iteration throws `TimeoutError` (after the values that were already in). `Infinity` means none.
   * @default Infinity
   */
  timeout?: number | undefined;
}

/**
 * Runs every function at once and yields their values in the order they complete (asyncio.as_completed).
 * The work starts on the first `next()` (the first turn of `for await`), in the context of the `asCompleted`
 * call.
 *
 * The first error (a function's failure, `TimeoutError`, or `signal.reason`) aborts the work still running
 * and is thrown when it comes up in completion order: values that completed before it are yielded first, and
 * it is thrown only once the aborted work has settled. Stopping early (`break`, `return`, a throw in the loop
 * body) aborts the rest with a `CancelledError`, and `return()` resolves only after their work has settled.
 * Nothing is left behind: no timer, no listener.
 * @throws TypeError (synchronously) if `fns` is not an iterable of functions or an option has the wrong type;
 *   RangeError if `timeout` is NaN.
 * @example
 * ```ts
 * for await (const page of asCompleted(urls.map((url) => (signal) => fetch(url, { signal })))) {
 *   console.log(page.status);
 * }
 * ```
 */
export function asCompleted<F extends Work<unknown>>(
  fns: Iterable<F>,
  options?: AsCompletedOptions,
): AsyncIterableIterator<Awaited<ReturnType<F>>> {
  const list = workList('asCompleted fns', fns) as Work<Awaited<ReturnType<F>>>[];
  const o = optionsBag('asCompleted options', options);
  const signal = signalOption('asCompleted options.signal', o.signal);
  const timeout = timeoutOption('asCompleted options.timeout', o.timeout);
  const clock = clockOption('asCompleted options.clock', o.clock);
  return new Completions(list, signal, timeout, clock, captureContext());
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The iterator behind {@link asCompleted}. Invariants: `#live` counts tasks whose work has not settled,
 * `#unsettled` tasks not yet in a final state; values of fulfilled tasks wait in `#ready` until read; once
 * `#error` is set every task still running has been cancelled, and the error is delivered once `#live` is 0.
 */
class Completions<T> implements AsyncIterableIterator<T> {
  #fns: Work<T>[] | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #timeout: number;
  readonly #clock: Clock;
  readonly #context: Context;
  #started = false;
  #tasks: AsyncTask<T>[] = [];
  #live = 0;
  #unsettled = 0;
  readonly #ready = new RingBuffer<T>();
  #error: { error: unknown } | undefined = undefined;
  /** The error was thrown, or the consumer stopped: the iteration is over. */
  #over = false;
  readonly #consumers = new WaitList<IteratorResult<T, undefined>>();
  readonly #drainWaiters: (() => void)[] = [];
  #timer: unknown = undefined;
  #timerArmed = false;
  #abortListener: (() => void) | undefined = undefined;
  readonly #owner: TaskOwner = {
    taskSettled: (task) => this.#taskSettled(task as AsyncTask<T>),
    workSettled: (task) => this.#workSettled(task),
  };

  constructor(
    fns: Work<T>[],
    signal: AbortSignal | undefined,
    timeout: number,
    clock: Clock,
    context: Context,
  ) {
    this.#fns = fns;
    this.#signal = signal;
    this.#timeout = timeout;
    this.#clock = clock;
    this.#context = context;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.#started) runInContext(this.#context, () => this.#start(), undefined);
    const taken = this.#take();
    if (taken === undefined) return this.#consumers.wait(undefined, this.#clock, undefined);
    return 'error' in taken ? Promise.reject(taken.error) : Promise.resolve(taken);
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    if (!this.#started) {
      this.#started = true;
      this.#fns = undefined;
    }
    if (!this.#over) {
      this.#over = true;
      this.#ready.clear();
      if (this.#error === undefined)
        this.#abortRest(new CancelledError('asCompleted was stopped early by its consumer.'));
      this.#disarm();
      this.#pump();
    }
    if (this.#live > 0) await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    return DONE;
  }

  #start(): void {
    this.#started = true;
    const fns = this.#fns!;
    this.#fns = undefined;
    const signal = this.#signal;
    if (signal?.aborted) {
      this.#error = { error: signal.reason };
      return;
    }
    if (fns.length === 0) return;
    if (signal !== undefined) {
      this.#abortListener = () => this.#failWith(signal.reason, signal.reason);
      signal.addEventListener('abort', this.#abortListener, { once: true });
    }
    if (this.#timeout !== Number.POSITIVE_INFINITY) {
      this.#timerArmed = true;
      this.#timer = this.#clock.setTimeout(() => {
        this.#timerArmed = false;
        const error = new TimeoutError(`asCompleted timed out after ${this.#timeout} ms.`, {
          timeout: this.#timeout,
        });
        this.#failWith(error, error);
      }, this.#timeout);
    }
    this.#live = this.#unsettled = fns.length;
    for (const fn of fns) {
      const task = new AsyncTask(fn, { clock: this.#clock });
      (task as AsyncTask<unknown>)[kOwn](this.#owner, false);
      this.#tasks.push(task);
    }
    // Counted and owned first: a function that settles synchronously may already abort the others.
    for (const task of this.#tasks) task[kStart]();
  }

  /** What the next `next()` gets now, or `undefined` if it has to wait. */
  #take(): IteratorResult<T, undefined> | { error: unknown } | undefined {
    if (this.#ready.size > 0) return { done: false, value: this.#ready.shift() as T };
    if (this.#over) return DONE;
    if (this.#error !== undefined) {
      if (this.#live > 0) return undefined;
      this.#over = true;
      return { error: this.#error.error };
    }
    if (this.#unsettled === 0) {
      this.#over = true;
      return DONE;
    }
    return undefined;
  }

  /** Hands results to parked `next()` calls, in order, for as long as there are results. */
  #pump(): void {
    while (this.#consumers.size > 0) {
      const taken = this.#take();
      if (taken === undefined) return;
      const node = this.#consumers.shift()!;
      if ('error' in taken) node.reject(taken.error);
      else node.resolve(taken);
    }
  }

  #taskSettled(task: AsyncTask<T>): void {
    this.#unsettled--;
    if (task.status === 'fulfilled') {
      if (!this.#over) this.#ready.push(task.result as T);
    } else if (task.status === 'rejected') {
      this.#failWith(
        task.error,
        new CancelledError('asCompleted aborted the rest because a task failed.', { cause: task.error }),
      );
    }
    if (this.#unsettled === 0) this.#disarm();
    this.#pump();
  }

  #workSettled(task: AsyncTask<unknown>): void {
    this.#live--;
    // A task that is not done yet settles right after this (AsyncTask's order) and pumps then.
    if (task.isDone) this.#pump();
    if (this.#live === 0) for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }

  /** Records the first error and aborts the work still running with `reason`. */
  #failWith(error: unknown, reason: unknown): void {
    if (this.#error !== undefined || this.#over) return;
    this.#error = { error };
    this.#abortRest(reason);
    this.#pump();
  }

  #abortRest(reason: unknown): void {
    this.#disarm();
    for (const task of this.#tasks) task.cancel(reason);
  }

  #disarm(): void {
    if (this.#timerArmed) {
      this.#timerArmed = false;
      this.#clock.clearTimeout(this.#timer);
    }
    if (this.#abortListener !== undefined) {
      this.#signal!.removeEventListener('abort', this.#abortListener);
      this.#abortListener = undefined;
    }
  }
}
