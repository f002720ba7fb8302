/**
 * Async iterators and async generators (asyncio guide, "Common Patterns" > Async Iterators and Async
 * Generators). Python's `__aiter__`/`__anext__` pair is `[Symbol.asyncIterator]()`/`next()`, and an `async
 * def` with `yield` is an `async function*`; both are consumed with `for await`. Each row awaits a coroutine
 * (1 ms here).
 *
 * Ferris addition: `asyncParallelMapStream(fn, source, { maxConcurrent })` processes rows from such a
 * source 4 at a time, pulling the next row only as a slot frees up, and yields results in order. Breaking out
 * of its `for await` calls `return()` on the generator, so its `finally` runs and nothing more is pulled
 * (a generator busy awaiting a row runs that `finally` right after the row arrives).
 *
 * Run: npx tsx examples/guides/asyncio-02-async-iterators.ts
 */
import { asyncParallelMapStream, sleep } from 'ferris';
import { isMain } from './support/isMain.js';

type Row = [index: number, value: string];

/** Stands in for the guide's `coroutine()`. */
async function coroutine(n: number): Promise<string> {
  await sleep(1);
  return `value-${n}`;
}

/** The guide's `AsyncIterator` class. */
class RowIterator implements AsyncIterableIterator<Row> {
  #currentRow = 0;
  constructor(readonly maxRows = 100) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Row>> {
    if (this.#currentRow < this.maxRows) {
      const row: Row = [this.#currentRow, await coroutine(this.#currentRow)];
      this.#currentRow++;
      return { value: row, done: false };
    }
    return { value: undefined, done: true }; // raise StopAsyncIteration
  }
}

/** The guide's `record_streamer(max_rows)`; `onClose` is called from its `finally`, with the rows pulled. */
async function* recordStreamer(maxRows: number, onClose?: (pulled: number) => void): AsyncGenerator<Row> {
  let pulled = 0;
  try {
    for (let currentRow = 0; currentRow < maxRows; currentRow++) {
      pulled++;
      yield [currentRow, await coroutine(currentRow)];
    }
  } finally {
    onClose?.(pulled);
  }
}

export async function main() {
  const fromClass: Row[] = [];
  for await (const row of new RowIterator(3)) fromClass.push(row);
  console.log('AsyncIterator rows:', fromClass);

  const fromGenerator: Row[] = [];
  for await (const row of recordStreamer(3)) fromGenerator.push(row);
  console.log('Async generator rows:', fromGenerator);

  // Process a stream of 1000 rows 4 at a time, and stop after the first 6 results.
  const firstSix: string[] = [];
  let source!: AsyncGenerator<Row>;
  const closed = new Promise<number>((resolve) => {
    source = recordStreamer(1000, resolve);
  });
  const stream = asyncParallelMapStream(
    async ([index, value]: Row, _i, signal) => {
      await sleep(1, { signal });
      return `${index}:${value.toUpperCase()}`;
    },
    source,
    { maxConcurrent: 4 },
  );
  for await (const result of stream) {
    firstSix.push(result);
    if (firstSix.length === 6) break;
  }
  console.log('First six processed rows:', firstSix);
  // The break called the generator's return(); its `finally` runs once the row it is awaiting has arrived.
  const pulled = await closed;
  console.log(`The generator was closed after producing ${pulled} of 1000 rows`);
  return { fromClass, fromGenerator, firstSix, pulled };
}

if (isMain(import.meta.url)) await main();
