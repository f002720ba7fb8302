/**
 * Error handling (PyFerris "Advanced Usage" > Error Handling in Async Operations): wrap each call so one
 * failure becomes a value instead of failing the whole map. The seed's 0.1 s is 2 ms here.
 *
 * Ferris addition: without a wrapper, the map rejects with the first error and aborts the other items; with
 * `stopOnError: false` it lets every item finish and rejects with an `AggregateError` holding every error in
 * input order, and `onError` sees each error as it happens.
 *
 * Run: npx tsx examples/pyferris/07-error-handling.ts
 */
import { asyncParallelMap, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

async function unreliableOperation(item: number, signal: AbortSignal): Promise<number> {
  await sleep(2, { signal });
  if (item % 3 === 0) throw new RangeError(`Item ${item} caused an error`);
  return item * 2;
}

type Outcome =
  | { success: true; value: number; item: number }
  | { success: false; error: string; item: number };

async function safeOperation(item: number, _index: number, signal: AbortSignal): Promise<Outcome> {
  try {
    return { success: true, value: await unreliableOperation(item, signal), item };
  } catch (error) {
    return { success: false, error: error instanceof Error ? error.message : String(error), item };
  }
}

export async function main() {
  const items = Array.from({ length: 10 }, (_, i) => i);

  const results = await asyncParallelMap(safeOperation, items);
  const successes = results.filter((r) => r.success);
  const failures = results.filter((r) => !r.success);
  console.log(`Successful operations: ${successes.length}`);
  console.log(`Failed operations: ${failures.length}`);
  for (const failure of failures)
    if (!failure.success) console.log(`  [expected] Item ${failure.item}: ${failure.error}`);

  // The same work without the wrapper, collecting every error instead of stopping at the first.
  const seen: number[] = [];
  let aggregate: AggregateError | undefined;
  try {
    await asyncParallelMap((item: number, _index, signal) => unreliableOperation(item, signal), items, {
      stopOnError: false,
      onError: (_error, item) => seen.push(item),
    });
  } catch (error) {
    if (!(error instanceof AggregateError)) throw error;
    aggregate = error;
    const messages = error.errors.map((e: Error) => e.message);
    console.log(
      `[expected] stopOnError: false rejected with ${messages.length} errors: ${messages.join('; ')}`,
    );
  }
  return { successes: successes.length, failures, aggregate, onErrorItems: seen.sort((a, b) => a - b) };
}

if (isMain(import.meta.url)) await main();
