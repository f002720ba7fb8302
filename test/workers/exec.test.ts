import { threadId } from 'node:worker_threads';
import { TimeoutError, WorkerPool } from 'ferris/workers';
import { describe, expect, it } from 'vitest';
import { EXEC_CACHE_SIZE } from '../../src/workers/FunctionCache.js';
import { flags, open, TASKS, trackThreads, untilChanged } from './threads.js';

trackThreads();

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/**
 * Counts its own calls on itself: each compiled copy in a thread starts again at 1, so the count shows
 * whether the thread still had the function or compiled it anew.
 */
function counter(): number {
  const self = counter as unknown as { calls?: number };
  self.calls = (self.calls ?? 0) + 1;
  return self.calls;
}

/** `n` distinct functions (each its own source), each returning its index. */
const others = (from: number, n: number): ((...args: unknown[]) => unknown)[] =>
  Array.from({ length: n }, (_, i) => new Function(`return ${from + i};`) as () => number);

describe('WorkerPool.exec', () => {
  it('runs a self-contained function with its arguments on another thread, without a task module', async () => {
    await using pool = new WorkerPool({ maxThreads: 2 });
    expect(await pool.exec((a: number, b: number) => a * b, [6, 7])).toBe(42);
    expect(await pool.exec(fib, [20])).toBe(6765);
    expect(await pool.exec(async (s: string) => s.toUpperCase(), ['abc'])).toBe('ABC');
    const id = await pool.exec(() => process.getBuiltinModule('node:worker_threads').threadId);
    expect(id).not.toBe(threadId);
  });

  it(`remembers the last ${EXEC_CACHE_SIZE} functions, forgetting the least recently used first`, async () => {
    await using pool = new WorkerPool({ maxThreads: 1 });
    const runAll = async (fns: ((...args: unknown[]) => unknown)[]) => {
      for (const fn of fns) await pool.exec(fn);
    };
    expect(await pool.exec(counter)).toBe(1);
    expect(await pool.exec(counter)).toBe(2); // the thread kept its compiled copy
    await runAll(others(0, EXEC_CACHE_SIZE - 1)); // the cache is full, counter the oldest
    expect(await pool.exec(counter)).toBe(3); // used again: now the most recent
    await runAll(others(1000, 1)); // pushes out the oldest, which is no longer counter
    expect(await pool.exec(counter)).toBe(4);
    await runAll(others(2000, EXEC_CACHE_SIZE)); // counter is pushed out, here and in the thread
    expect(await pool.exec(counter)).toBe(1); // sent again and compiled anew: the same function, a fresh copy
    // Functions forgotten along the way still run, compiled again.
    expect(await Promise.all(others(0, 3).map((fn) => pool.exec(fn)))).toEqual([0, 1, 2]);
  });

  it('a queued call whose function was forgotten meanwhile still runs it', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const flag = flags();
    const blocker = pool.run('gate', { flag, value: 'done' });
    let calls: Promise<unknown>[] = [];
    try {
      await untilChanged(flag, 0, 0);
      const first = pool.exec(counter);
      const rest = others(0, EXEC_CACHE_SIZE).map((fn) => pool.exec(fn)); // forget counter while it waits
      calls = [first, ...rest];
    } finally {
      open(flag);
    }
    expect(await blocker).toBe('done');
    const results = await Promise.all(calls);
    expect(results[0]).toBe(1);
    expect(results.slice(1)).toEqual(Array.from({ length: EXEC_CACHE_SIZE }, (_, i) => i));
    expect(await pool.exec(counter)).toBe(1);
  });

  it('rejects a closure over an outer variable with a ReferenceError naming that variable', async () => {
    await using pool = new WorkerPool({ maxThreads: 1 });
    const factor = 3;
    const error = await pool.exec((x: number) => x * factor, [2]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReferenceError);
    expect((error as Error).message).toMatch(
      /^factor is not defined: exec\(\) runs its function in a worker thread/,
    );
    expect((error as Error).message).toContain("Pass factor in exec's args");
    // The fix the message suggests works, and the pool stayed usable.
    expect(await pool.exec((x: number, f: number) => x * f, [2, factor])).toBe(6);
  });

  it('runs functions in strict mode, as the module they were written in', async () => {
    await using pool = new WorkerPool({ maxThreads: 1 });
    const strict = await pool.exec(function (this: unknown) {
      return this === undefined;
    });
    expect(strict).toBe(true);
  });

  it('accepts methods written in shorthand', async () => {
    await using pool = new WorkerPool({ maxThreads: 1 });
    const math = {
      square(x: number) {
        return x * x;
      },
    };
    expect(await pool.exec(math.square, [9])).toBe(81);
  });

  it('throws synchronously for a native or bound function, or args that are not an array', async () => {
    await using pool = new WorkerPool({ maxThreads: 1 });
    expect(() => pool.exec(Math.max, [1, 2])).toThrow(/native or bound/);
    expect(() => pool.exec(fib.bind(null), [1])).toThrow(/native or bound/);
    expect(() => pool.exec(fib, 3 as unknown as [number])).toThrow(/args must be an array/);
    expect(() => pool.exec('x => x' as unknown as () => void)).toThrow(/fn must be a function/);
  });

  it('stops an endless exec function at its timeout with TimeoutError, like run', async () => {
    await using pool = new WorkerPool({ maxThreads: 1 });
    expect(await pool.exec(() => 'warm')).toBe('warm'); // the thread has started: the timeout is the loop's
    const flag = flags();
    const spinning = pool.exec(
      (f: Int32Array) => {
        Atomics.store(f, 0, 1);
        for (;;) {}
      },
      [flag],
      { timeout: 50 },
    );
    await expect(spinning).rejects.toBeInstanceOf(TimeoutError);
    expect(Atomics.load(flag, 0)).toBe(1);
    expect(await pool.exec(() => 'alive')).toBe('alive');
  });

  it('aborting a running exec function rejects with signal.reason and replaces the thread', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const flag = flags();
    const controller = new AbortController();
    const spinning = pool.exec(
      (f: Int32Array) => {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        for (;;) {}
      },
      [flag],
      { signal: controller.signal },
    );
    await untilChanged(flag, 0, 0);
    const reason = new Error('enough');
    controller.abort(reason);
    await expect(spinning).rejects.toBe(reason);
    expect(await pool.run('increment', 1)).toBe(2);
  });

  it('throws from run() on a pool without a task module, pointing to exec', async () => {
    await using pool = new WorkerPool({ maxThreads: 1 });
    expect(() => pool.run('anything')).toThrow(/needs a pool built with `filename`/);
  });
});
