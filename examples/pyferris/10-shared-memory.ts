/**
 * Shared memory (PyFerris "Integration Examples" > With Shared Memory): several async workers write their
 * results into one shared array. The seed creates `pyferris.create_shared_array([])` and then never writes
 * to it; here the workers really do write, each into its own slots of an `Int32Array` over a
 * `SharedArrayBuffer`, and count finished items with `Atomics.add`.
 *
 * Honest scope: these four workers are async functions on the main thread, so plain writes would be just as
 * safe; `Atomics` is there because the same buffer can be handed to worker threads without copying, where
 * it is needed. Threads and Ferris's `createSharedArray` helpers belong to `ferris/workers`, not shown here.
 * The seed's 0.1 s per item is 1 ms here.
 *
 * Run: npx tsx examples/pyferris/10-shared-memory.ts
 */
import { chunk, gather, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

export async function main(): Promise<number[]> {
  const allItems = Array.from({ length: 20 }, (_, i) => i);
  const sharedResults = new Int32Array(new SharedArrayBuffer(allItems.length * Int32Array.BYTES_PER_ELEMENT));
  const done = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

  async function workerTask(workerId: number, workItems: number[], signal: AbortSignal): Promise<number> {
    for (const item of workItems) {
      await sleep(1, { signal }); // the async work
      Atomics.store(sharedResults, item, item * workerId); // each worker owns its items' slots
      Atomics.add(done, 0, 1);
    }
    return workItems.length;
  }

  // Distribute the work in chunks of 5, one worker per chunk (worker ids start at 1, as in the seed).
  const workers = [...chunk(allItems, 5)].map(
    (items, i) => (signal: AbortSignal) => workerTask(i + 1, items, signal),
  );
  const counts = await gather(workers); // asyncio.gather: all at once, results in order

  const finalResults = Array.from(sharedResults);
  console.log(
    `Processed ${Atomics.load(done, 0)} items across ${workers.length} workers (${counts.join(' + ')})`,
  );
  console.log('Sample results:', finalResults.slice(0, 10));
  return finalResults;
}

if (isMain(import.meta.url)) await main();
