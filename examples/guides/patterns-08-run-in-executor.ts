/**
 * CPU-bound work off the event loop (patterns guide, "CPU-Bound Work with ProcessPoolExecutor"). The guide
 * sends `cpu_intensive_task(item)` to a `ProcessPoolExecutor` with `loop.run_in_executor` and gathers the
 * futures. Ferris's `WorkerPool` (`ferris/workers`) runs the work on threads, two ways:
 *
 * - `pool.exec(fn, [item])`: the one-line port of `run_in_executor(pool, fn, item)`. The function's source
 *   goes to the thread, so it must be self-contained (it reaches `node:crypto` itself);
 * - `pool.run('heavyComputation', item)`: a named export of a task module (`support/cpuTasks.ts`), the
 *   way to share code and imports between tasks.
 *
 * It times the same batch on the main thread, one item after the other, and on the pool. The speedup depends
 * on the cores free at the time (the threads share them with everything else): it is printed, not promised.
 *
 * Run: npx tsx examples/guides/patterns-08-run-in-executor.ts
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from 'ferris/workers';
import { heavyComputation } from './support/cpuTasks.js';
import { isMain } from './support/isMain.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').slice(0, 16);

/** `cpu_intensive_task` as a self-contained function, for `exec`: it imports nothing from this module. */
function cpuIntensiveTask(data: Uint8Array): Uint8Array {
  const { createHash } = process.getBuiltinModule('node:crypto');
  let digest: Uint8Array = data;
  for (let i = 0; i < 10_000; i++) digest = createHash('sha256').update(digest).digest();
  return digest;
}

/** The guide's `process_with_pool(items, max_workers=4)`, with `exec`. */
async function processWithPool(items: Uint8Array[], maxWorkers = 4): Promise<Uint8Array[]> {
  await using pool = new WorkerPool({ maxThreads: maxWorkers });
  return Promise.all(items.map((item) => pool.exec(cpuIntensiveTask, [item])));
}

/** The same with a task module: `pool.map` keeps input order and bounds what is in flight. */
async function processWithTaskModule(items: Uint8Array[], maxWorkers = 4): Promise<Uint8Array[]> {
  await using pool = new WorkerPool({
    filename: new URL('./support/cpuTasks.ts', import.meta.url),
    maxThreads: maxWorkers,
  });
  // `return await`, not `return`: the pool closes when the function returns, and map pulls items lazily.
  return await pool.map<Uint8Array, Uint8Array>('heavyComputation', items);
}

async function timed<T>(label: string, fn: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  console.log(`${label.padEnd(34)} ${(performance.now() - start).toFixed(0).padStart(5)} ms`);
  return result;
}

export async function main(): Promise<{ single: string[]; exec: string[]; run: string[] }> {
  const items = Array.from({ length: 8 }, (_, i) => new TextEncoder().encode(`item ${i}`));
  const workers = Math.min(4, availableParallelism());
  console.log(`${items.length} items of CPU-bound work, ${workers} worker threads:`);
  const single = await timed('main thread, one after the other', () => items.map((i) => heavyComputation(i)));
  const viaExec = await timed('pool.exec (run_in_executor)', () => processWithPool(items, workers));
  const viaRun = await timed('pool.run with a task module', () => processWithTaskModule(items, workers));
  const same = viaExec.every((d, i) => hex(d) === hex(single[i] as Uint8Array));
  console.log(
    `Same digests on every path: ${same && viaRun.every((d, i) => hex(d) === hex(viaExec[i] as Uint8Array))}`,
  );
  console.log(`First digest: ${hex(single[0] as Uint8Array)}...`);
  return { single: single.map(hex), exec: viaExec.map(hex), run: viaRun.map(hex) };
}

if (isMain(import.meta.url)) await main();
