import type { Clock } from '../core/Clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { isCancellation, linkSignal, type SignalScope } from '../core/signals.js';
import type { ClockOptions, Work } from '../core/types.js';
import {
  assertFunction,
  clockOption,
  isThenable,
  optionsBag,
  signalOption,
  stringOption,
  timeoutOption,
} from '../core/validate.js';
import { AsyncTask, kOwn, kStart, type TaskOwner } from './AsyncTask.js';

/** Options of {@link TaskGroup} and {@link taskGroup}. */
export interface TaskGroupOptions extends ClockOptions {
  /**
   * Aborts the whole group: `tg.signal` and every child's signal abort with `signal.reason`, and the group
   * rejects with that reason (unchanged) once every child's work has settled.
   */
  signal?: AbortSignal | undefined;
  /**
   * A deadline for the whole group, in ms from its creation: when it passes, the group aborts as on an
   * external abort, with a `TimeoutError` as the reason, and rejects with that `TimeoutError` once every
   * child's work has settled. `Infinity` means none. @default Infinity
   */
  timeout?: number | undefined;
}

/** Options of {@link TaskGroup.createTask}. */
export interface CreateTaskOptions {
  /** A label for logs and stats. @default "Task-<n>" */
  name?: string | undefined;
  /**
   * Milliseconds from the start until the child rejects with `TimeoutError` (which fails the group, as any
   * child error does). `Infinity` means none. @default Infinity
   */
  timeout?: number | undefined;
}

/** Lets {@link taskGroup} report the body's outcome, which the class form cannot see. */
let failBody: (tg: TaskGroup, error: unknown) => void;

/**
 * A scope that owns the tasks started in it (asyncio.TaskGroup, a trio nursery): the group settles only after
 * the work of every child has settled, so no child outlives it.
 *
 * - A child that fails (rejects or times out) fails the group: `tg.signal`, the body and every sibling are
 *   aborted with a `CancelledError` whose `cause` is the failure. The group rejects with that FIRST error once
 *   every child's work has settled; {@link TaskGroup.errors} lists every non-cancellation error.
 * - Cancelling one child (`task.cancel()`) does not fail the group, nor does a child that rejects with a
 *   cancellation (`CancelledError`, `AbortError`, or a signal's reason).
 * - Aborting `options.signal` aborts every child with `signal.reason`; the group rejects with it unchanged;
 *   errors the children throw while unwinding are kept in `errors`.
 * - Children may be added while the group drains (they are awaited too); while it aborts, `createTask` returns
 *   an already-cancelled task; after it settled, `createTask` throws.
 *
 * Prefer {@link taskGroup}: it also sees the body's errors. In the `await using` form the block's own throw
 * does not reach the group (`[Symbol.asyncDispose]` is not told about it), so the children are awaited, not
 * aborted, and the block's error and the group's are combined by the language (a `SuppressedError`).
 *
 * @example
 * ```ts
 * {
 *   await using tg = new TaskGroup();
 *   tg.createTask((signal) => fetch('https://example.com/a', { signal }));
 *   tg.createTask((signal) => fetch('https://example.com/b', { signal }));
 * } // waits for both here; throws the first failure
 * ```
 */
export class TaskGroup {
  /**
   * The group's cancel scope: aborted by `options.signal`, by the deadline, or by the first failure (whose
   * `#failure` is set just before). Its signal is created only when someone reads `tg.signal`.
   */
  readonly #scope: SignalScope;
  readonly #clock: Clock;
  /** Children whose work function has not settled yet. */
  readonly #live = new Set<AsyncTask<unknown>>();
  readonly #errors: unknown[] = [];
  #failure: { error: unknown } | undefined = undefined;
  /** The body is over: the group settles as soon as `#live` is empty. */
  #closing = false;
  #settled = false;
  #joined: Promise<void> | undefined = undefined;
  #resolve: (() => void) | undefined = undefined;
  #reject: ((error: unknown) => void) | undefined = undefined;
  readonly #owner: TaskOwner = {
    taskSettled: (task) => this.#taskSettled(task),
    workSettled: (task) => this.#workSettled(task),
  };

  static {
    failBody = (tg, error) => tg.#bodyFailed(error);
  }

  /**
   * @throws TypeError if an option has the wrong type.
   */
  constructor(options?: TaskGroupOptions) {
    const o = optionsBag('TaskGroup options', options);
    const signal = signalOption('TaskGroup options.signal', o.signal);
    this.#clock = clockOption('TaskGroup options.clock', o.clock);
    const timeout = timeoutOption('TaskGroup options.timeout', o.timeout);
    // An abort from outside the group (its signal or its deadline) makes the group reject with that reason
    // itself; an abort after a failure carries a CancelledError and leaves `#failure` as it was.
    this.#scope = linkSignal(signal, {
      shared: true,
      timeout,
      clock: this.#clock,
      timeoutReason: () => new TimeoutError(`The task group timed out after ${timeout} ms.`, { timeout }),
      onAbort: (reason) => {
        this.#failure ??= { error: reason };
        for (const task of [...this.#live]) task.cancel(reason);
      },
    });
  }

  /**
   * Aborts when the group fails (a child or the body threw) or `options.signal` aborts. The body's own waits
   * should use it, so they stop with the group.
   */
  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  /** Every non-cancellation error of the children and the body, in the order they happened. */
  get errors(): readonly unknown[] {
    return this.#errors;
  }

  /**
   * Starts `fn(signal)` now as a child of the group and returns its task (awaitable; `task.cancel()` cancels
   * only this child). The signal aborts when the child is cancelled or times out, or the group aborts.
   * @throws TypeError if `fn` is not a function or an option has the wrong type; RangeError if `timeout` is
   *   NaN; Error if the group has already settled. While the group aborts, the task comes back cancelled.
   */
  createTask<T>(fn: Work<T>, options?: CreateTaskOptions): AsyncTask<T> {
    assertFunction('TaskGroup.createTask fn', fn);
    const o = optionsBag('TaskGroup.createTask options', options);
    const name = stringOption('TaskGroup.createTask options.name', o.name);
    const timeout = timeoutOption('TaskGroup.createTask options.timeout', o.timeout);
    if (this.#settled)
      throw new Error('TaskGroup.createTask: the group has already settled; start tasks before it ends.');
    if (this.#scope.aborted) {
      const cancelled = new AsyncTask(fn, { name, clock: this.#clock });
      cancelled.cancel(this.#scope.reason);
      return cancelled;
    }
    let task: AsyncTask<T> | undefined;
    const observed: Work<T> = (signal) => {
      const out = fn(signal);
      if (!isThenable<T>(out)) return out;
      // Sees what the work does after its task was cancelled or timed out (AsyncTask drops it).
      return Promise.resolve(out).then(undefined, (error: unknown) => {
        if (task!.isDone) this.#lateError(error, signal);
        throw error;
      });
    };
    task = new AsyncTask(observed, { name, timeout, clock: this.#clock });
    const child = task as AsyncTask<unknown>;
    this.#live.add(child);
    child[kOwn](this.#owner, 0);
    child[kStart]();
    return task;
  }

  /**
   * Ends the body: resolves once the work of every child (including any started while draining) has settled,
   * or rejects with the group's first error. Repeat calls return the same promise. `[Symbol.asyncDispose]`
   * calls it, so `await using` needs no explicit call.
   * @throws The first child error, or `options.signal.reason` after an external abort.
   */
  join(): Promise<void> {
    if (this.#joined === undefined) {
      this.#joined = new Promise<void>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
      this.#closing = true;
      this.#maybeSettle();
    }
    return this.#joined;
  }

  /** `await using tg = new TaskGroup()`: the same as {@link TaskGroup.join}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.join();
  }

  get [Symbol.toStringTag](): string {
    return 'TaskGroup';
  }

  #taskSettled(task: AsyncTask<unknown>): void {
    if (task.status === 'rejected' && !this.#isCancellation(task.error)) this.#fail(task.error);
    this.#maybeSettle();
  }

  #workSettled(task: AsyncTask<unknown>): void {
    this.#live.delete(task);
    // A task that is not done yet settles right after this (AsyncTask's order), and checks then.
    if (task.isDone) this.#maybeSettle();
  }

  #lateError(error: unknown, signal: AbortSignal): void {
    if (!this.#isCancellation(error, signal)) this.#errors.push(error);
  }

  /** Whether `error` is a cancellation: see {@link isCancellation}; the group's own abort reason counts too. */
  #isCancellation(error: unknown, signal?: AbortSignal): boolean {
    return isCancellation(error, signal) || (this.#scope.aborted && this.#scope.reason === error);
  }

  #fail(error: unknown): void {
    this.#errors.push(error);
    if (this.#failure !== undefined) return;
    this.#failure = { error };
    this.#scope.abort(
      new CancelledError('The task group was aborted because a task failed.', { cause: error }),
    );
  }

  #bodyFailed(error: unknown): void {
    const cancellation = this.#isCancellation(error);
    // The body often rethrows a child's error it awaited: that one is listed already.
    if (!cancellation && !this.#errors.includes(error)) this.#errors.push(error);
    if (this.#failure !== undefined) return;
    this.#failure = { error };
    this.#scope.abort(
      new CancelledError('The task group was aborted because its body threw.', { cause: error }),
    );
  }

  #maybeSettle(): void {
    if (!this.#closing || this.#settled || this.#live.size > 0) return;
    this.#settled = true;
    this.#scope.dispose();
    if (this.#failure === undefined) this.#resolve!();
    else this.#reject!(this.#failure.error);
    this.#resolve = undefined;
    this.#reject = undefined;
  }
}

/**
 * Runs `body(tg)` in a new {@link TaskGroup} and resolves to the body's result once the work of every child
 * has settled. A throw in the body fails the group like a failing child: the children are aborted and the
 * call rejects with the first error. A group run inside another group's child is a child like any other: its
 * failure fails the parent with the inner group's first error.
 * @throws TypeError if `body` is not a function or an option has the wrong type. Rejects with the first error
 *   of a child or the body, or with `options.signal.reason` (at once, without running the body, when the
 *   signal is already aborted).
 * @example
 * ```ts
 * const [a, b] = await taskGroup(async (tg) => {
 *   const a = tg.createTask((signal) => fetch('https://example.com/a', { signal }));
 *   const b = tg.createTask((signal) => fetch('https://example.com/b', { signal }));
 *   return [await a, await b];
 * });
 * ```
 */
export function taskGroup<T>(
  body: (tg: TaskGroup) => T | PromiseLike<T>,
  options?: TaskGroupOptions,
): Promise<T> {
  assertFunction('taskGroup body', body);
  const tg = new TaskGroup(options);
  if (options?.signal?.aborted) {
    tg.join().catch(() => {});
    return Promise.reject(options.signal.reason);
  }
  return runBody(tg, body);
}

async function runBody<T>(tg: TaskGroup, body: (tg: TaskGroup) => T | PromiseLike<T>): Promise<T> {
  let result: T | undefined;
  try {
    result = await body(tg);
  } catch (error) {
    failBody(tg, error);
  }
  await tg.join();
  return result as T;
}
