import type { ClockOptions, Work } from '../core/types.js';
import {
  clockOption,
  describe,
  optionsBag,
  signalOption,
  stringOption,
  timeoutOption,
} from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';
import { AsyncTask } from './AsyncTask.js';

/** When {@link wait} resolves (asyncio's `return_when`). */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

const RETURN_WHEN: readonly ReturnWhen[] = ['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED'];

/** The defaults of {@link WaitTasksOptions} (`timeout`: `Infinity` ms, none). */
const DEFAULT_WAIT = Object.freeze({
  /** When the call returns (a condition, no unit). */
  returnWhen: 'ALL_COMPLETED' as ReturnWhen,
});

/** Options of {@link wait}. */
export interface WaitTasksOptions extends ClockOptions {
  /**
   * `'FIRST_COMPLETED'`: as soon as any task is done (fulfilled, rejected or cancelled).
   * `'FIRST_EXCEPTION'`: as soon as any task is rejected (a timeout counts, a cancellation does not), or when
   * all are done. `'ALL_COMPLETED'`: when all are done. @default 'ALL_COMPLETED'
   */
  returnWhen?: ReturnWhen | undefined;
  /**
   * Milliseconds to wait at most; then the call resolves with the tasks done so far (it never rejects on
   * timeout) and the rest keep running. `Infinity` means none. @default Infinity
   */
  timeout?: number | undefined;
  /** Cancels the still-pending tasks with `signal.reason` and rejects with it at once. */
  signal?: AbortSignal | undefined;
}

/** Any task: `AsyncTask` is covariant in its value type, so every task is an `AsyncTask<unknown>`. */
type AnyTask = AsyncTask<unknown>;

/** The value type of a task or a work function given to {@link wait}. */
export type TaskValue<E> =
  E extends AsyncTask<infer R> ? R : E extends (...args: never[]) => infer R ? Awaited<R> : never;

/** What {@link wait} resolves to: the tasks in input order, split by whether they were done at that moment. */
export interface WaitTasksResult<T> {
  /** Tasks that are fulfilled, rejected or cancelled. */
  done: AsyncTask<T>[];
  /** Tasks still pending or running: they keep running until you cancel them. */
  pending: AsyncTask<T>[];
}

/**
 * Waits until `returnWhen` holds for the given tasks, then resolves to `{ done, pending }` (asyncio.wait).
 * Functions are wrapped in new, started {@link AsyncTask}s; tasks not started yet are started. It is not a
 * scope: pending tasks keep running after it resolves, until you cancel them. A task's error does not reject
 * the call: read it from `task.error` (or `await task`). Once it settles it leaves no timer or listener.
 * An empty input resolves at once with two empty arrays.
 * @throws TypeError (synchronously) if an entry is neither a function nor an AsyncTask or an option has the
 *   wrong type; RangeError for an unknown `returnWhen` or a NaN `timeout`. Rejects with `signal.reason` at once
 *   when the signal aborts (the pending tasks are cancelled with it); a timeout resolves instead.
 * @example
 * ```ts
 * const { done, pending } = await wait([fetchA, fetchB], { returnWhen: 'FIRST_COMPLETED', timeout: 1000 });
 * for (const task of pending) task.cancel();
 * ```
 */
export function wait<E extends Work<unknown> | AnyTask>(
  tasks: Iterable<E>,
  options?: WaitTasksOptions,
): Promise<WaitTasksResult<TaskValue<E>>> {
  type T = TaskValue<E>;
  const entries = entryList(tasks);
  const o = optionsBag('wait options', options);
  const returnWhen = returnWhenOption(o.returnWhen);
  const timeout = timeoutOption('wait options.timeout', o.timeout);
  const signal = signalOption('wait options.signal', o.signal);
  const clock = clockOption('wait options.clock', o.clock);
  const all = entries.map((e) =>
    e instanceof AsyncTask ? e : new AsyncTask(e, { clock }),
  ) as AsyncTask<T>[];

  const snapshot = (): WaitTasksResult<T> => {
    const done: AsyncTask<T>[] = [];
    const pending: AsyncTask<T>[] = [];
    for (const task of all) (task.isDone ? done : pending).push(task);
    return { done, pending };
  };
  const cancelPending = (reason: unknown): void => {
    for (const task of all) task.cancel(reason);
  };
  if (signal?.aborted) {
    cancelPending(signal.reason);
    return Promise.reject(signal.reason);
  }
  if (all.length === 0) return Promise.resolve(snapshot());

  const waiter = new WaitList<WaitTasksResult<T>>();
  let timedOut: WaitTasksResult<T> | undefined;
  const parked = waiter.wait({ signal, timeout }, clock, undefined, (_data, error) => {
    if (signal?.aborted && error === signal.reason) cancelPending(error);
    else timedOut = snapshot();
  });
  let settled = 0;
  let rejected = false;
  const onSettled = (task: AsyncTask<T>): void => {
    settled++;
    if (task.status === 'rejected') rejected = true;
    const ready =
      settled === all.length ||
      returnWhen === 'FIRST_COMPLETED' ||
      (returnWhen === 'FIRST_EXCEPTION' && rejected);
    if (ready && waiter.size > 0) waiter.grant(snapshot());
  };
  for (const task of all) {
    const seen = () => onSettled(task);
    task.execute().then(seen, seen);
  }
  return parked.then(undefined, (error: unknown) => {
    if (timedOut !== undefined) return timedOut;
    throw error;
  });
}

function entryList(tasks: Iterable<unknown>): (Work<unknown> | AsyncTask<unknown>)[] {
  if (
    tasks === null ||
    tasks === undefined ||
    typeof (tasks as Iterable<unknown>)[Symbol.iterator] !== 'function'
  )
    throw new TypeError(`wait tasks must be an iterable of functions or AsyncTasks, got ${describe(tasks)}.`);
  const list = Array.from(tasks);
  for (const [i, e] of list.entries())
    if (typeof e !== 'function' && !(e instanceof AsyncTask))
      throw new TypeError(`wait tasks[${i}] must be a function or an AsyncTask, got ${describe(e)}.`);
  return list as (Work<unknown> | AsyncTask<unknown>)[];
}

function returnWhenOption(option: unknown): ReturnWhen {
  const value = stringOption('wait options.returnWhen', option);
  if (value === undefined) return DEFAULT_WAIT.returnWhen;
  if (!(RETURN_WHEN as readonly string[]).includes(value))
    throw new RangeError(
      `wait options.returnWhen must be one of ${RETURN_WHEN.join(', ')}, got ${describe(value)}.`,
    );
  return value as ReturnWhen;
}
