import type { ClockOptions, ItemWork, MapProgress, Source } from '../core/types.js';
import {
  assertFunction,
  assertSource,
  booleanOption,
  clockOption,
  concurrencyOption,
  functionOption,
  optionsBag,
  signalOption,
} from '../core/validate.js';
import { MapStream } from './MapStream.js';

/** The defaults of {@link AsyncParallelMapStreamOptions} (`buffer` defaults to `maxConcurrent`). */
export const DEFAULT_STREAM = Object.freeze({
  /** Items running at once. */
  maxConcurrent: 16,
  /** Results in input order. */
  ordered: true,
});

/** Options of {@link asyncParallelMapStream}. */
export interface AsyncParallelMapStreamOptions extends ClockOptions {
  /** How many items run at once: an integer >= 1 or `Infinity`. @default 16 */
  maxConcurrent?: number | undefined;
  /** `true`: results come in input order. `false`: in completion order, each as soon as it is ready. @default true */
  ordered?: boolean | undefined;
  /**
   * How many finished results may wait unread: an integer >= 1 or `Infinity`. An item starts only while the
   * running items plus the unread results are fewer than `buffer`, so a slow reader holds the producer back;
   * a `buffer` below `maxConcurrent` therefore also lowers the concurrency to `buffer`. @default maxConcurrent
   */
  buffer?: number | undefined;
  /**
   * Aborts the stream: nothing new starts, the items' signal aborts with `signal.reason`, and the iteration
   * throws it once the running items settled.
   */
  signal?: AbortSignal | undefined;
  /**
   * Called each time an item settles, with the counts so far (`total` once the source ended). An error it
   * throws stops the stream, whose iteration then throws that error. @default none
   */
  onProgress?: ((progress: MapProgress) => void) | undefined;
}

/**
 * What {@link asyncParallelMapStream} returns: an async iterator of the results, iterable once (like a
 * generator). `return()` (what `break` calls) and `await using` stop it.
 */
export interface AsyncParallelMapStream<R> extends AsyncIterableIterator<R, undefined>, AsyncDisposable {
  /** The next result; the first call starts the work. */
  next(): Promise<IteratorResult<R, undefined>>;
  /** Stops the stream; resolves once the running items settled and the source was closed. */
  return(): Promise<IteratorResult<R, undefined>>;
  [Symbol.asyncIterator](): AsyncParallelMapStream<R>;
}

/**
 * Maps `source` through `fn(item, index, signal)` with at most `maxConcurrent` calls at a time and yields the
 * results as they come: in input order (`ordered`, the default) or in completion order. Nothing runs until
 * the first `next()`; the source is then pulled, and `fn` called, in the AsyncLocalStorage context of the
 * `asyncParallelMapStream` call. The source is pulled only when there is room, and at most `buffer` finished
 * results wait for the reader, so memory stays O(maxConcurrent + buffer) however long the source is.
 *
 * Leaving early (`break` in `for await`, or `return()`) aborts the running items' signal with a
 * `CancelledError`, calls `return()` on the source's iterator, and completes once the running items settled.
 * An error of `fn` or of the source aborts the others the same way and is thrown from the iteration once they
 * settled; errors that the aborted items report because of it are not failures.
 *
 * @throws TypeError (synchronously) if `fn` is not a function, `source` is not iterable or an option has the
 * wrong type; RangeError if `maxConcurrent` or `buffer` is not an integer >= 1 or `Infinity`.
 * @example
 * ```ts
 * for await (const row of asyncParallelMapStream(enrich, readRows(file), { maxConcurrent: 8 })) {
 *   await write(row);
 * }
 * ```
 */
export function asyncParallelMapStream<T, R>(
  fn: ItemWork<T, R>,
  source: Source<T>,
  options?: AsyncParallelMapStreamOptions,
): AsyncParallelMapStream<R> {
  const name = 'asyncParallelMapStream';
  assertFunction(`${name} fn`, fn);
  assertSource(`${name} source`, source);
  const o = optionsBag(`${name} options`, options);
  const maxConcurrent = concurrencyOption(
    `${name} options.maxConcurrent`,
    o.maxConcurrent,
    DEFAULT_STREAM.maxConcurrent,
  );
  return new MapStream(fn, source, {
    maxConcurrent,
    ordered: booleanOption(`${name} options.ordered`, o.ordered, DEFAULT_STREAM.ordered),
    buffer: concurrencyOption(`${name} options.buffer`, o.buffer, maxConcurrent),
    signal: signalOption(`${name} options.signal`, o.signal),
    onProgress: functionOption(`${name} options.onProgress`, o.onProgress),
    clock: clockOption(`${name} options.clock`, o.clock),
  });
}
