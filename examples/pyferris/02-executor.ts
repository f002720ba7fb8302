/**
 * AsyncExecutor (PyFerris "Core Components" > AsyncExecutor): a bounded executor that runs submitted work.
 *
 * Ferris takes functions, not started coroutines: `submitAsync((signal) => processItem(5, signal))` lets the
 * executor decide when the work starts and hands it a signal that fires on cancel, timeout or shutdown.
 * The seed's API reference also lists `map_async` and `shutdown`; both are shown. `await using` shuts the
 * executor down (waiting for running work) when `main` returns. Durations: 0.1 s / 0.05 s become 2 / 1 ms.
 *
 * Run: npx tsx examples/pyferris/02-executor.ts
 */
import { AsyncExecutor, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

async function processItem(item: number, signal: AbortSignal): Promise<number> {
  await sleep(2, { signal });
  return item * 2;
}

async function validateItem(item: number, signal: AbortSignal): Promise<boolean> {
  await sleep(1, { signal });
  return item > 0;
}

export async function main() {
  await using executor = new AsyncExecutor({ maxWorkers: 10 });

  // Submit individual tasks: each returns an AsyncTask, which is awaitable.
  const task1 = executor.submitAsync((signal) => processItem(5, signal), { name: 'process' });
  const task2 = executor.submitAsync((signal) => validateItem(10, signal), { name: 'validate' });
  const result1 = await task1;
  const result2 = await task2;
  console.log(`Processed: ${result1}, Valid: ${result2}`);
  console.log(`Task ${task1.name} is ${task1.status}, task ${task2.name} is ${task2.status}`);

  // map_async: every item through the executor's bound, results in input order.
  const doubled = await executor.mapAsync(
    (item: number, _index, signal) => processItem(item, signal),
    [1, 2, 3],
  );
  console.log(`mapAsync doubled [1, 2, 3] to [${doubled.join(', ')}]`);

  const stats = executor.stats();
  console.log(
    `Executor stats: ${stats.completed} completed, ${stats.failed} failed, ${stats.running} running`,
  );
  return { result1, result2, doubled, stats };
}

if (isMain(import.meta.url)) await main();
