import { asyncParallelMap } from '../index.js';
import { WorkerPool } from '../workers/index.js';
import type { Scenario } from './DemoContext.js';

/**
 * CPU-bound work, the guides' `run_in_executor`: counting primes below a bound, once per task, on a worker
 * pool of `async.max_workers` threads, then the same work on the event loop's one thread for the speedup.
 * The function travels to the threads as source (`exec`), so it must not use anything it does not define.
 */
function countPrimes(below: number): number {
  let count = 0;
  for (let n = 2; n < below; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++)
      if (n % d === 0) {
        prime = false;
        break;
      }
    if (prime) count++;
  }
  return count;
}

/** How far each task counts: about 20 ms of work on a 2-core machine of 2026. */
const BOUND = 250_000;

export const cpuWork: Scenario = {
  key: 'cpu_work_example',
  operation: 'cpu_bound_work_on_threads',
  total: (c) => c.async.concurrentTasks * 2,
  async run(ctx) {
    const scenario = 'cpu_work_example';
    const tasks = ctx.config.async.concurrentTasks * 2;
    const threads = ctx.config.async.maxWorkers;
    const bounds = Array.from({ length: tasks }, (_, i) => BOUND + i);
    await using pool = new WorkerPool({ maxThreads: threads, minThreads: threads });
    const onThread = ctx.recorder.track(
      'count-primes',
      (below: number, _index: number, signal: AbortSignal) => pool.exec(countPrimes, [below], { signal }),
      { scenario },
    );
    // One untimed call per thread first: the threads start, so the timing below is the work's.
    await asyncParallelMap((below: number) => pool.exec(countPrimes, [below]), bounds.slice(0, threads));
    const t0 = performance.now();
    const counts = await asyncParallelMap(onThread, bounds, { maxConcurrent: threads * 2 });
    const parallelMs = performance.now() - t0;
    const t1 = performance.now();
    const expected = bounds.map(countPrimes);
    const sequentialMs = performance.now() - t1;
    const correct = counts.every((c, i) => c === expected[i]);
    return {
      status: correct ? 'completed' : 'failed',
      details: {
        tasks,
        threads,
        parallel_time: parallelMs / 1000,
        sequential_time: sequentialMs / 1000,
        speedup: `${(sequentialMs / parallelMs).toFixed(1)}x_vs_one_thread`,
        results_match: correct,
      },
    };
  },
};
