/**
 * Batching (PyFerris "Performance Optimization" > Batching Operations): process items in batches of 10,
 * the batches concurrently. `chunk(items, 10)` replaces the seed's `create_batches` generator. The seed's
 * 0.1 s per item is 0.2 ms per item here.
 *
 * Ferris addition: when items arrive one at a time (one request each), a `Batcher` groups them into batches
 * of up to 10 (or whatever arrived within 5 ms) and gives each caller its own result.
 *
 * Run: npx tsx examples/pyferris/11-batching.ts
 */
import { asyncParallelMap, Batcher, chunk, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

/** One call for a whole batch: cheaper than one call per item. */
async function processBatch(batch: number[], signal?: AbortSignal): Promise<number[]> {
  await sleep(0.2 * batch.length, { signal });
  return batch.map((item) => item * 2);
}

export async function main() {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const batches = [...chunk(items, 10)];

  const start = performance.now();
  const batchResults = await asyncParallelMap(
    (batch: number[], _index, signal) => processBatch(batch, signal),
    batches,
  );
  const elapsed = performance.now() - start;
  const finalResults = batchResults.flat();
  console.log(`Processed ${finalResults.length} items in ${batches.length} batches`);
  console.log(`Time taken: ${elapsed.toFixed(0)} ms`);

  // Items arriving one by one, batched behind the callers' backs.
  const batchSizes: number[] = [];
  const batcher = new Batcher<number, number>({
    maxSize: 10,
    maxWait: 5,
    handler: (batch, signal) => {
      batchSizes.push(batch.length);
      return processBatch(batch, signal);
    },
  });
  let oneByOne: number[];
  try {
    oneByOne = await asyncParallelMap((item: number, _index, signal) => batcher.add(item, { signal }), items);
  } finally {
    await batcher.close();
  }
  console.log(`Batcher answered ${oneByOne.length} single calls with ${batchSizes.length} batch calls`);
  return { finalResults, batchCount: batches.length, oneByOne, batchSizes };
}

if (isMain(import.meta.url)) await main();
