/**
 * Basic async/await (essential guide, "Basic Async/Await"; asyncio guide, "Core Concepts" and "Basic
 * Usage"): the same three tasks run one after the other, then at once with `gather`, then as tasks started
 * first and awaited later (asyncio.create_task). The guides' 1.0 / 0.5 / 0.8 s sleeps are 20 / 10 / 16 ms.
 *
 * Work is a function that receives an AbortSignal, never an already-started promise: `gather` takes
 * `(signal) => asyncTask(...)`, so it can cancel the others if one fails. There is no `asyncio.run()`: an ES
 * module may `await` at the top level, and the event loop runs until nothing is left to do.
 *
 * Run: npx tsx examples/guides/essentials-01-basics.ts
 */
import { AsyncTask, gather, sleep } from 'ferris';
import { isMain } from './support/isMain.js';

/** The guides' `async_task(name, delay)`: announces itself, sleeps without blocking, returns a result. */
export async function asyncTask(name: string, delay: number, signal?: AbortSignal): Promise<string> {
  console.log(`Starting ${name}`);
  await sleep(delay, { signal }); // non-blocking: other tasks run meanwhile
  console.log(`Completed ${name}`);
  return `Result from ${name}`;
}

/** The asyncio guide's `fetch_data()` and `process_data()`. */
async function fetchData(signal?: AbortSignal): Promise<string> {
  await sleep(5, { signal }); // an I/O operation
  return 'Data';
}

async function processData(signal?: AbortSignal): Promise<string> {
  const data = await fetchData(signal);
  return data.toUpperCase();
}

export async function main() {
  // Sequential: each await finishes before the next call starts (~30 ms).
  let start = performance.now();
  const sequential = [await asyncTask('Task-1', 20), await asyncTask('Task-2', 10)];
  console.log(`Sequential: ${(performance.now() - start).toFixed(0)} ms`);

  // Concurrent: all three sleep at the same time (~20 ms, the longest delay).
  start = performance.now();
  const concurrent = await gather([
    (signal) => asyncTask('Task-1', 20, signal),
    (signal) => asyncTask('Task-2', 10, signal),
    (signal) => asyncTask('Task-3', 16, signal),
  ]);
  console.log(`Concurrent: ${(performance.now() - start).toFixed(0)} ms`);
  console.log('Results:', concurrent);

  // Tasks: asyncio.create_task() starts work now and hands back a handle to await later.
  const tasks = [1, 2, 3].map((n) => new AsyncTask(fetchData, { name: `fetch-${n}` }));
  for (const task of tasks) void task.execute(); // started; awaited below
  const fetched = await Promise.all(tasks);
  console.log(`Tasks ${tasks.map((t) => `${t.name} ${t.status}`).join(', ')}: ${fetched.join(', ')}`);

  const processed = await processData();
  console.log(`process_data() returned ${processed}`);
  return { sequential, concurrent, fetched, processed };
}

if (isMain(import.meta.url)) await main();
