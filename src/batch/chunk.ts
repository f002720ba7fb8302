import { assertSource, describe } from '../core/validate.js';

function sizeOf(size: unknown): number {
  if (typeof size !== 'number') throw new TypeError(`chunk size must be a number, got ${describe(size)}.`);
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be an integer >= 1, got ${describe(size)}.`);
  return size;
}

function* chunkSync<T>(source: Iterable<T>, size: number): Generator<T[], void, undefined> {
  let batch: T[] = [];
  // for...of calls the source's return() when the consumer stops early at a yield below.
  for (const item of source) {
    batch.push(item);
    if (batch.length === size) {
      const full = batch;
      batch = [];
      yield full;
    }
  }
  if (batch.length > 0) yield batch;
}

async function* chunkAsync<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[], void, undefined> {
  let batch: T[] = [];
  for await (const item of source) {
    batch.push(item);
    if (batch.length === size) {
      const full = batch;
      batch = [];
      yield full;
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Splits `source` into arrays of `size` items (the last one may be shorter), lazily: it pulls only the items
 * of the chunk it is asked for, and calls `return()` on the source when the consumer stops early (`break`).
 * An Iterable gives an Iterable (an object with both protocols is treated as an Iterable); an AsyncIterable
 * gives an AsyncIterable. Each iteration of the result iterates the source afresh, so an array can be chunked
 * once and iterated twice.
 * @throws TypeError (synchronously) if `source` is not iterable or `size` is not a number; RangeError if
 *   `size` is not an integer >= 1. Errors of the source pass through to the consumer.
 * @example
 * ```ts
 * for (const rows of chunk(allRows, 500)) await db.insertMany(rows);
 * for await (const lines of chunk(readLines(file), 100)) await send(lines);
 * ```
 */
export function chunk<T>(source: Iterable<T>, size: number): Iterable<T[]>;
export function chunk<T>(source: AsyncIterable<T>, size: number): AsyncIterable<T[]>;
export function chunk<T>(
  source: Iterable<T> | AsyncIterable<T>,
  size: number,
): Iterable<T[]> | AsyncIterable<T[]> {
  assertSource('chunk source', source);
  const n = sizeOf(size);
  if (typeof (source as Iterable<T>)[Symbol.iterator] === 'function') {
    const iterable = source as Iterable<T>;
    return { [Symbol.iterator]: () => chunkSync(iterable, n) };
  }
  const asyncIterable = source as AsyncIterable<T>;
  return { [Symbol.asyncIterator]: () => chunkAsync(asyncIterable, n) };
}
