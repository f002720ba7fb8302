/**
 * Shared memory (PyFerris "Integration Examples" > With Shared Memory): several workers write their results
 * into one shared array. Here the workers are real threads of a `WorkerPool`, and the array is
 * `createSharedArray('int32', 20)`: a TypedArray over a `SharedArrayBuffer`, handed to every thread without
 * copying. Each worker writes its own items' slots, and all four add into shared totals with `Atomics.add`
 * at the same time, so no addition is lost: the totals come out exact, run after run.
 *
 * The seed's `await asyncio.sleep(0.1)` stands for the work per item; on a thread it is a CPU loop.
 * The workers are plain functions sent with `pool.exec` (no task module): they see only their arguments.
 *
 * Run: npx tsx examples/pyferris/10-shared-memory.ts
 */
import { chunk } from 'ferris';
import { createSharedArray, WorkerPool } from 'ferris/workers';
import { isMain } from '../support/isMain.js';

/** One worker: runs on a thread, writes `item * workerId` into its items' slots and adds to the totals. */
function workerTask(workerId: number, workItems: number[], results: Int32Array, totals: Int32Array): number {
  for (const item of workItems) {
    // The work per item: 10,000 steps, each counted in the one slot all four threads add to at once. A plain
    // `totals[2] += 1` would lose updates when two threads collide; Atomics.add never does.
    for (let step = 0; step < 10_000; step++) Atomics.add(totals, 2, 1);
    const result = item * workerId;
    Atomics.store(results, item, result); // each worker owns its items' slots
    Atomics.add(totals, 0, result);
    Atomics.add(totals, 1, 1);
  }
  return workItems.length;
}

export async function main(): Promise<{
  finalResults: number[];
  total: number;
  processed: number;
  steps: number;
}> {
  const allItems = Array.from({ length: 20 }, (_, i) => i);
  const sharedResults = createSharedArray('int32', allItems.length);
  const totals = createSharedArray('int32', 3); // [sum of the results, items processed, work steps]

  await using pool = new WorkerPool({ maxThreads: 4 });
  // Distribute the work in chunks of 5, one worker per chunk (worker ids start at 1, as in the seed).
  const chunks = [...chunk(allItems, 5)];
  const counts = await Promise.all(
    chunks.map((items, i) => pool.exec(workerTask, [i + 1, items, sharedResults, totals])),
  );

  const finalResults = Array.from(sharedResults);
  const expected = finalResults.reduce((a, b) => a + b, 0);
  console.log(`Processed ${totals.load(1)} items across ${chunks.length} workers (${counts.join(' + ')})`);
  console.log('Sample results:', finalResults.slice(0, 10));
  console.log(`Shared total: ${totals.load(0)} (sum of the results: ${expected})`);
  console.log(`Work steps counted by 4 threads at once: ${totals.load(2)} (expected ${20 * 10_000})`);
  return { finalResults, total: totals.load(0), processed: totals.load(1), steps: totals.load(2) };
}

if (isMain(import.meta.url)) await main();
