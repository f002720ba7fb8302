import { Ring } from './ring.js';

interface Job<T> {
  fn: () => T | PromiseLike<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * The floor of an executor: a p-limit-style limiter. `limit(fn)` returns a promise of `fn()`'s result and runs at
 * most `concurrency` functions at once, the rest waiting FIFO in a ring. No names, priorities, timeouts,
 * cancellation, stats or shutdown.
 */
export function createLimiter(concurrency: number): <T>(fn: () => T | PromiseLike<T>) => Promise<T> {
  let active = 0;
  const queue = new Ring<Job<unknown>>();

  const run = async (job: Job<unknown>): Promise<void> => {
    active++;
    try {
      job.resolve(await job.fn());
    } catch (error) {
      job.reject(error);
    }
    active--;
    const next = queue.shift();
    if (next !== undefined) void run(next);
  };

  return <T>(fn: () => T | PromiseLike<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const job = { fn, resolve, reject } as Job<unknown>;
      if (active < concurrency) void run(job);
      else queue.push(job);
    });
}
