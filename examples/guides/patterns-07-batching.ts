/**
 * Batching requests (patterns guide, "Performance Optimization" > Batching Requests). `process_batch(items,
 * batch_size=100, max_concurrent=5)` cuts the items into batches, sends each batch in one API call, at most 5
 * calls at a time, and flattens the results. `chunk(items, 100)` makes the batches (lazily) and
 * `asyncParallelMap(..., { maxConcurrent: 5 })` replaces the guide's semaphore + gather.
 *
 * Ferris addition: when items arrive one at a time from many callers, a `Batcher` groups them behind their
 * backs (up to `maxSize` items, or whatever arrived within `maxWait` ms) and hands each caller its own result.
 *
 * The batch API is simulated: 2 ms per call, whatever the batch size.
 *
 * Run: npx tsx examples/guides/patterns-07-batching.ts
 */
import { asyncParallelMap, Batcher, chunk, sleep } from 'ferris';
import { isMain } from './support/isMain.js';

export async function main() {
  let calls = 0;
  let running = 0;
  let peak = 0;
  /** One API call for a whole batch. */
  async function apiCall(batch: string[], signal?: AbortSignal): Promise<number[]> {
    calls++;
    peak = Math.max(peak, ++running);
    try {
      await sleep(2, { signal });
      return batch.map((item) => item.length);
    } finally {
      running--;
    }
  }

  async function processBatch(items: string[], batchSize = 100, maxConcurrent = 5): Promise<number[]> {
    const batchResults = await asyncParallelMap(
      (batch: string[], _index, signal) => apiCall(batch, signal),
      chunk(items, batchSize),
      { maxConcurrent },
    );
    return batchResults.flat();
  }

  const items = Array.from({ length: 1000 }, (_, i) => `item-${i}`);
  const results = await processBatch(items);
  console.log(`${results.length} results from ${calls} API calls, at most ${peak} at once`);

  calls = 0;
  const batchSizes: number[] = [];
  const batcher = new Batcher<string, number>({
    maxSize: 50,
    maxWait: 5,
    handler: (batch, signal) => {
      batchSizes.push(batch.length);
      return apiCall(batch, signal);
    },
  });
  let single: number[];
  try {
    // 120 callers, each asking for one item.
    single = await Promise.all(items.slice(0, 120).map((item) => batcher.add(item)));
  } finally {
    await batcher.close();
  }
  console.log(
    `Batcher answered ${single.length} single calls with ${calls} API calls (${batchSizes.join(' + ')})`,
  );
  return { results, batchCalls: batchSizes.length, peak, single, batchSizes };
}

if (isMain(import.meta.url)) await main();
