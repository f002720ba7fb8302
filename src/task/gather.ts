import type { ClockOptions, Work } from '../core/types.js';
import {
  booleanOption,
  clockOption,
  isThenable,
  optionsBag,
  signalOption,
  timeoutOption,
} from '../core/validate.js';
import { taskGroup } from './TaskGroup.js';
import { workList } from './workList.js';

/** Options of {@link gather}. */
export interface GatherOptions extends ClockOptions {
  /**
   * Put each error in the result array at its function's position instead of failing the call; the other
   * functions then all run to the end. @default false
   */
  returnExceptions?: boolean | undefined;
  /** Aborts every function's signal with `signal.reason`; the call rejects with it once all work has settled. */
  signal?: AbortSignal | undefined;
  /**
   * A deadline for the whole call, in ms: when it passes, every function's signal aborts with a `TimeoutError`
   * and the call rejects with it once all work has settled (even with `returnExceptions`). @default Infinity
   */
  timeout?: number | undefined;
}

/** The defaults of {@link GatherOptions} (`timeout`: `Infinity` ms, none). */
const DEFAULT_GATHER = Object.freeze({
  /** Whether errors go into the results (a flag, no unit). */
  returnExceptions: false,
});

/** The results of {@link gather}, in input order. */
export type GatherResults<F extends readonly Work<unknown>[]> = {
  -readonly [K in keyof F]: Awaited<ReturnType<F[K]>>;
};

/**
 * The results of {@link gather} with `returnExceptions: true`: a value or the error in its place (hence
 * `unknown`: narrow with `instanceof`).
 */
export type GatherSettled<F extends readonly Work<unknown>[]> = {
  -readonly [K in keyof F]: Awaited<ReturnType<F[K]>> | unknown;
};

/**
 * Runs every function at once, each with its own AbortSignal, and resolves to their results in input order
 * (asyncio.gather). On the first failure the others' signals abort (with a `CancelledError` whose `cause` is
 * the failure) and the call rejects with that first error, but only after every function's work has
 * settled. With `returnExceptions: true` nothing is aborted: each error takes its function's place in the
 * result.
 * @throws TypeError (synchronously) if `fns` is not an iterable of functions or an option has the wrong type.
 *   Rejects with the first error, or with `options.signal.reason` after an abort.
 * @example
 * ```ts
 * const [user, posts] = await gather([
 *   (signal) => fetch('https://example.com/user', { signal }).then((r) => r.json()),
 *   (signal) => fetch('https://example.com/posts', { signal }).then((r) => r.json()),
 * ]);
 * ```
 */
export function gather<const F extends readonly Work<unknown>[]>(
  fns: F,
  options: GatherOptions & { returnExceptions: true },
): Promise<GatherSettled<F>>;
export function gather<const F extends readonly Work<unknown>[]>(
  fns: F,
  options?: GatherOptions,
): Promise<GatherResults<F>>;
export function gather<T>(
  fns: Iterable<Work<T>>,
  options: GatherOptions & { returnExceptions: true },
): Promise<unknown[]>;
export function gather<T>(fns: Iterable<Work<T>>, options?: GatherOptions): Promise<T[]>;
export function gather(fns: Iterable<Work<unknown>>, options?: GatherOptions): Promise<unknown[]> {
  const list = workList('gather fns', fns);
  const o = optionsBag('gather options', options);
  const settle = booleanOption(
    'gather options.returnExceptions',
    o.returnExceptions,
    DEFAULT_GATHER.returnExceptions,
  );
  const signal = signalOption('gather options.signal', o.signal);
  const timeout = timeoutOption('gather options.timeout', o.timeout);
  const clock = clockOption('gather options.clock', o.clock);
  return taskGroup(
    (tg) =>
      Promise.all(
        list.map((fn) => tg.createTask(settle ? (s: AbortSignal) => runSettled(fn, s) : fn).execute()),
      ),
    { signal, timeout, clock },
  );
}

/** Calls `fn` and turns its error (sync or async) into its value. */
function runSettled(fn: Work<unknown>, signal: AbortSignal): unknown {
  try {
    const out = fn(signal);
    if (isThenable(out)) return Promise.resolve(out).then(undefined, (error: unknown) => error);
    return out;
  } catch (error) {
    return error;
  }
}
