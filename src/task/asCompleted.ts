import type { Clock } from '../core/Clock.js';
import { type Context, captureContext, runInContext } from '../core/context.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { RingBuffer } from '../core/RingBuffer.js';
import { RunLife } from '../core/RunLife.js';
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
/** The rejection of a stop by the consumer (`return()`): nothing to throw. */
const LEFT: unique symbol = Symbol('ferris.asCompleted.left');

/**
 * The iterator behind {@link asCompleted}. Its life is the maps' {@link RunLife}: it holds the work of every
 * task, the first error (or the deadline, the caller's abort, the consumer leaving) stops it and cancels the
 * tasks still running through the one signal they are linked to, and it settles once every task's work has
 * settled. Values of fulfilled tasks wait in `#ready` until read; the error that stopped the run is handed
 * out once the run settled, after the values that came in before it.
 */
class Completions<T> implements AsyncIterableIterator<T> {
  #fns: Work<T>[] | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #timeout: number;
  readonly #clock: Clock;
  readonly #context: Context;
  #life: RunLife | undefined = undefined;
  readonly #release = (): void => this.#life!.release();
  readonly #ready = new RingBuffer<T>();
  /** The error was thrown, or the consumer stopped: the iteration is over. */
  #over = false;
  readonly #consumers = new WaitList<IteratorResult<T, undefined>>();
  readonly #drainWaiters: (() => void)[] = [];
  readonly #owner: TaskOwner = {
    taskSettled: (task) => this.#taskSettled(task as AsyncTask<T>),
    // A task whose work settled on its own reaches its final state right after this: count the work as done
    // only then, so that its value is in before the run may settle.
    workSettled: (task) => (task.isDone ? this.#life!.release() : queueMicrotask(this.#release)),
    readsFailure: () => true,
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
    if (this.#fns !== undefined) runInContext(this.#context, () => this.#start(), undefined);
    const taken = this.#take();
    if (taken === undefined) return this.#consumers.wait(undefined, this.#clock, undefined);
    return 'error' in taken ? Promise.reject(taken.error) : Promise.resolve(taken);
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.#fns = undefined;
    if (!this.#over) {
      this.#over = true;
      this.#ready.clear();
      this.#life?.stop(LEFT, new CancelledError('asCompleted was stopped early by its consumer.'));
      this.#pump();
    }
    const life = this.#life;
    if (life !== undefined && life.phase !== 'settled')
      await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    return DONE;
  }

  #start(): void {
    const fns = this.#fns!;
    this.#fns = undefined;
    const timeout = this.#timeout;
    const life = new RunLife({
      signal: this.#signal,
      timeout,
      clock: this.#clock,
      timeoutReason: () => new TimeoutError(`asCompleted timed out after ${timeout} ms.`, { timeout }),
      onStop: () => this.#pump(),
      onSettle: () => {
        this.#pump();
        for (const resolve of this.#drainWaiters.splice(0)) resolve();
      },
    });
    this.#life = life;
    if (life.stopped) {
      life.release();
      return;
    }
    const tasks: AsyncTask<T>[] = [];
    for (const fn of fns) {
      // Linked to the run's signal: the first stop cancels every task still running, with its reason.
      const task = new AsyncTask(fn, { clock: this.#clock, signal: life.signal });
      (task as AsyncTask<unknown>)[kOwn](this.#owner, 0);
      tasks.push(task);
    }
    // Counted and owned first: a function that settles synchronously may already stop the run.
    life.hold(tasks.length);
    for (const task of tasks) task[kStart]();
    life.release();
  }

  /** What the next `next()` gets now, or `undefined` if it has to wait. */
  #take(): IteratorResult<T, undefined> | { error: unknown } | undefined {
    if (this.#ready.size > 0) return { done: false, value: this.#ready.shift() as T };
    if (this.#over) return DONE;
    const life = this.#life;
    if (life === undefined || life.phase !== 'settled') return undefined;
    this.#over = true;
    return life.stopped && life.rejection !== LEFT ? { error: life.rejection } : DONE;
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
    if (task.status === 'fulfilled') {
      if (!this.#over) this.#ready.push(task.result as T);
    } else if (task.status === 'rejected') {
      const error = task.error;
      this.#life!.stop(
        error,
        new CancelledError('asCompleted aborted the rest because a task failed.', { cause: error }),
      );
    }
    this.#pump();
  }
}
