/**
 * Acceptance audit of SPEC §2, §3 "Seed surface" and "Tasks and time", and the "Details the tests rely on"
 * that concern them: each test checks one pinned sentence as SPEC words it, through the public entry points.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AsyncExecutor,
  AsyncTask,
  asCompleted,
  asyncParallelFilter,
  asyncParallelMap,
  asyncParallelMapStream,
  CancelledError,
  ExecutorShutdownError,
  FerrisError,
  gather,
  ResourceScope,
  sleep,
  TaskGroup,
  TimeoutError,
  taskGroup,
  wait,
  withTimeout,
} from 'ferris';
import { FakeClock, systemClock } from 'ferris/testing';
import { describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, track, until } from '../support/work.js';

/** Work that ignores its signal and settles only when `gate` resolves (the caller must not wait on it). */
function stubborn<T>(gate: Promise<unknown>, value: T): () => Promise<T> {
  return () => gate.then(() => value);
}

describe('SPEC seed surface: AsyncExecutor', () => {
  it('defaults maxWorkers to 10 and accepts a number as shorthand for { maxWorkers }', async () => {
    await using a = new AsyncExecutor();
    await using b = new AsyncExecutor(4);
    expect(a.stats().maxWorkers).toBe(10);
    expect(b.stats().maxWorkers).toBe(4);
    expect(new AsyncExecutor({ name: 'io' }).name).toBe('io');
  });

  it('rejects a maxWorkers that is not an integer >= 1 or Infinity synchronously with RangeError', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new AsyncExecutor(bad)).toThrow(RangeError);
    expect(new AsyncExecutor(Number.POSITIVE_INFINITY).maxWorkers).toBe(Number.POSITIVE_INFINITY);
  });

  it('runs at most maxWorkers tasks at once and submitAsync returns an AsyncTask', async () => {
    const executor = new AsyncExecutor(2);
    const gate = deferred();
    let running = 0;
    let peak = 0;
    const tasks = [1, 2, 3, 4, 5].map((n) =>
      executor.submitAsync(async (signal) => {
        running++;
        peak = Math.max(peak, running);
        await until(gate.promise, signal, n);
        running--;
        return n;
      }),
    );
    expect(tasks[0]).toBeInstanceOf(AsyncTask);
    await flush();
    expect(executor.stats()).toMatchObject({ running: 2, queued: 3 });
    gate.resolve();
    expect(await Promise.all(tasks)).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    await executor.shutdown();
  });

  it('mapAsync resolves to the results in input order under the executor bound', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 2, clock });
    const p = executor.mapAsync((ms: number) => sleep(ms, { clock }).then(() => ms), [30, 10, 20]);
    await clock.advance(50);
    expect(await p).toEqual([30, 10, 20]);
    await executor.shutdown();
  });

  it('from the moment shutdown() is called, submitAsync returns a task already rejected with ExecutorShutdownError and the work never runs', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    const first = executor.submitAsync(stubborn(gate.promise, 1));
    const closing = executor.shutdown();
    const fn = vi.fn(() => 2);
    const late = executor.submitAsync(fn);
    expect(late).toBeInstanceOf(AsyncTask);
    expect(late.isDone).toBe(true);
    expect(late.status).toBe('rejected');
    expect(late.error).toBeInstanceOf(ExecutorShutdownError);
    await expect(late).rejects.toBeInstanceOf(ExecutorShutdownError);
    await expect(executor.mapAsync((x: number) => x, [1])).rejects.toBeInstanceOf(ExecutorShutdownError);
    gate.resolve();
    await closing;
    expect(await first).toBe(1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('ExecutorShutdownError and every typed error extend FerrisError', () => {
    expect(new ExecutorShutdownError()).toBeInstanceOf(FerrisError);
    expect(new CancelledError()).toBeInstanceOf(FerrisError);
    expect(new TimeoutError()).toBeInstanceOf(FerrisError);
  });

  it('shutdown() defaults to { cancelPending: false, wait: true }: queued work still runs and it waits for all of it', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    const a = executor.submitAsync(stubborn(gate.promise, 'a'));
    const b = executor.submitAsync(() => 'b');
    const closing = track(executor.shutdown());
    await flush();
    expect(closing.settled).toBe(false);
    gate.resolve();
    await flush();
    expect(closing.settled).toBe(true);
    expect([await a, await b]).toEqual(['a', 'b']);
  });

  it('shutdown({ wait: false }) resolves without waiting for running work', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    const a = executor.submitAsync(stubborn(gate.promise, 'a'));
    await executor.shutdown({ wait: false });
    expect(a.isDone).toBe(false);
    gate.resolve();
    expect(await a).toBe('a');
  });

  it('cancelPending: true cancels queued tasks (they never run), aborts running signals and wait: true waits for running work', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    let runningSignal: AbortSignal | undefined;
    const running = executor.submitAsync((signal) => {
      runningSignal = signal;
      return gate.promise; // ignores the abort: shutdown must still wait for it
    });
    const queuedFn = vi.fn(() => 'never');
    const queued = executor.submitAsync(queuedFn);
    const closing = track(executor.shutdown({ cancelPending: true }));
    expect(queued.status).toBe('cancelled');
    expect(running.status).toBe('cancelled');
    expect(runningSignal?.aborted).toBe(true);
    expect(runningSignal?.reason).toBeInstanceOf(CancelledError);
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    await expect(queued).rejects.toBeInstanceOf(CancelledError);
    await flush();
    expect(closing.settled).toBe(false);
    gate.resolve();
    await flush();
    expect(closing.settled).toBe(true);
    expect(queuedFn).not.toHaveBeenCalled();
  });

  it('await using calls shutdown() with its defaults (waits for queued and running work)', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    const block = (async () => {
      await using executor = new AsyncExecutor({ maxWorkers: 1, clock });
      executor.submitAsync(() => sleep(10, { clock }).then(() => seen.push('a')));
      executor.submitAsync(() => seen.push('b'));
    })();
    const state = track(block);
    await clock.advance(5);
    expect(state.settled).toBe(false);
    await clock.advance(5);
    await block;
    expect(seen).toEqual(['a', 'b']);
  });

  it('priority: higher runs first, FIFO among equals, default 0', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    const order: string[] = [];
    executor.submitAsync(stubborn(gate.promise, 0));
    executor.submitAsync(() => order.push('low'), { priority: -1 });
    executor.submitAsync(() => order.push('d1'));
    executor.submitAsync(() => order.push('high1'), { priority: 5 });
    executor.submitAsync(() => order.push('d2'), { priority: 0 });
    executor.submitAsync(() => order.push('high2'), { priority: 5 });
    gate.resolve();
    await executor.shutdown();
    expect(order).toEqual(['high1', 'high2', 'd1', 'd2', 'low']);
  });

  it('priority must be finite: Infinity and NaN throw RangeError synchronously', () => {
    const executor = new AsyncExecutor();
    expect(() => executor.submitAsync(() => 1, { priority: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => executor.submitAsync(() => 1, { priority: Number.NaN })).toThrow(RangeError);
    expect(() => executor.submitAsync('x' as never)).toThrow(TypeError);
    expect(() => executor.submitAsync(() => 1, { timeout: Number.NaN })).toThrow(RangeError);
  });

  it("submitAsync's timeout counts from submission, queue time included", async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    executor.submitAsync(() => sleep(80, { clock }));
    const fn = vi.fn(() => 'late');
    const queued = executor.submitAsync(fn, { timeout: 50 });
    const rejected = expect(queued).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await rejected;
    expect(queued.status).toBe('rejected');
    await clock.advance(30);
    await executor.shutdown();
    expect(fn).not.toHaveBeenCalled();
  });

  it('an aborted task keeps its slot until its work settles', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    const a = executor.submitAsync(stubborn(gate.promise, 'a'));
    await flush();
    a.cancel();
    await expect(a).rejects.toBeInstanceOf(CancelledError);
    const bFn = vi.fn(() => 'b');
    const b = executor.submitAsync(bFn);
    await flush();
    expect(bFn).not.toHaveBeenCalled();
    expect(executor.stats().running).toBe(1);
    gate.resolve();
    expect(await b).toBe('b');
    await executor.shutdown();
  });

  it('submitAsync signal: aborting rejects with signal.reason unchanged and a queued task never runs', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    executor.submitAsync(stubborn(gate.promise, 0));
    const controller = new AbortController();
    const fn = vi.fn();
    const task = executor.submitAsync(fn, { signal: controller.signal });
    const reason = { why: 'user' };
    controller.abort(reason);
    await expect(task).rejects.toBe(reason);
    expect(task.status).toBe('cancelled');
    gate.resolve();
    await executor.shutdown();
    expect(fn).not.toHaveBeenCalled();
  });

  it('stats() returns a fresh object counting each task once: completed, failed (timeouts included), cancelled', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 4, clock });
    const ok = executor.submitAsync(() => 1);
    const bad = executor.submitAsync(() => {
      throw new Error('x');
    });
    const slow = executor.submitAsync((signal) => neverSettles(signal), { timeout: 10 });
    const cancelled = executor.submitAsync((signal) => neverSettles(signal));
    cancelled.cancel();
    const slowRejected = expect(slow).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await slowRejected;
    await ok;
    await expect(bad).rejects.toThrow('x');
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    await executor.shutdown();
    const s1 = executor.stats();
    const s2 = executor.stats();
    expect(s1).not.toBe(s2);
    expect(s1).toEqual({ running: 0, queued: 0, completed: 1, failed: 2, cancelled: 1, maxWorkers: 4 });
  });

  it('a queued task cancelled or timed out leaves queued at once and is counted once', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    const gate = deferred();
    const head = executor.submitAsync(stubborn(gate.promise, 'head'), { timeout: 10 });
    const next = executor.submitAsync(() => 'next');
    const dropped = executor.submitAsync(() => 'dropped');
    dropped.cancel();
    expect(executor.stats()).toMatchObject({ running: 1, queued: 1, cancelled: 1 });
    const timedOut = expect(head).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await timedOut;
    // The timed-out head keeps its slot until its work settles.
    expect(executor.stats()).toMatchObject({ running: 1, queued: 1, failed: 1 });
    expect(next.status).toBe('pending');
    gate.resolve();
    expect(await next).toBe('next');
    await expect(dropped).rejects.toBeInstanceOf(CancelledError);
    await executor.shutdown();
    expect(executor.stats()).toEqual({
      running: 0,
      queued: 0,
      completed: 1,
      failed: 1,
      cancelled: 1,
      maxWorkers: 1,
    });
  });

  it('a task from submitAsync sees the AsyncLocalStorage context of its submitter, even when queued', async () => {
    const als = new AsyncLocalStorage<string>();
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    executor.submitAsync(stubborn(gate.promise, 0));
    const task = als.run('submitter', () => executor.submitAsync(() => als.getStore()));
    const mapped = als.run('mapper', () => executor.mapAsync(() => als.getStore(), [1, 2]));
    gate.resolve();
    expect(await task).toBe('submitter');
    expect(await mapped).toEqual(['mapper', 'mapper']);
    await executor.shutdown();
  });

  it('mapAsync takes the map options except maxConcurrent: stopOnError false rejects with an AggregateError in input order', async () => {
    const executor = new AsyncExecutor(4);
    const e0 = new Error('0');
    const e2 = new Error('2');
    const p = executor.mapAsync(
      async (n: number) => {
        await Promise.resolve();
        if (n === 2) throw e2;
        await sleep(0);
        if (n === 0) throw e0;
        return n;
      },
      [0, 1, 2],
      { stopOnError: false },
    );
    const error = (await p.catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toEqual([e0, e2]);
    await executor.shutdown();
  });
});

describe('SPEC seed surface: AsyncTask', () => {
  it('execute() runs the work once and repeat calls return the same promise', async () => {
    const fn = vi.fn(() => 7);
    const task = new AsyncTask(fn);
    const p1 = task.execute();
    const p2 = task.execute();
    expect(p1).toBe(p2);
    expect(await p1).toBe(7);
    await task;
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a bare task does not start until execute() or await', async () => {
    const fn = vi.fn(() => 'v');
    const task = new AsyncTask(fn, { name: 'job' });
    await flush();
    expect(fn).not.toHaveBeenCalled();
    expect(task.status).toBe('pending');
    expect(task.name).toBe('job');
    expect(await task).toBe('v');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('has a default name "Task-<n>"', () => {
    expect(new AsyncTask(() => 1).name).toMatch(/^Task-\d+$/);
  });

  it('moves pending -> running -> fulfilled with result, isDone and clock-millisecond timings', async () => {
    const clock = fakeClock({ start: 1000 });
    const task = new AsyncTask(() => sleep(25, { clock }).then(() => 'ok'), { clock });
    expect(task.status).toBe('pending');
    expect(task.result).toBeUndefined();
    expect(task.error).toBeUndefined();
    expect(task.startedAt).toBeUndefined();
    const p = task.execute();
    expect(task.status).toBe('running');
    expect(task.isDone).toBe(false);
    expect(task.result).toBeUndefined();
    expect(task.startedAt).toBe(1000);
    await clock.advance(25);
    expect(await p).toBe('ok');
    expect(task.status).toBe('fulfilled');
    expect(task.isDone).toBe(true);
    expect(task.result).toBe('ok');
    expect(task.finishedAt).toBe(1025);
    expect(task.duration).toBe(25);
  });

  it('a failing task is rejected with error set to the thrown value', async () => {
    const boom = new Error('boom');
    const task = new AsyncTask(async () => {
      throw boom;
    });
    await expect(task.execute()).rejects.toBe(boom);
    expect(task.status).toBe('rejected');
    expect(task.error).toBe(boom);
    expect(task.result).toBeUndefined();
  });

  it('cancel(reason) rejects at once with reason itself; a task cancelled while running is cancelled and its signal aborts', async () => {
    let seen: AbortSignal | undefined;
    const gate = deferred();
    const task = new AsyncTask((signal) => {
      seen = signal;
      return gate.promise; // ignores the signal: the task must not wait for it
    });
    const p = task.execute();
    const reason = 'stop now';
    task.cancel(reason);
    await expect(p).rejects.toBe(reason);
    expect(task.status).toBe('cancelled');
    expect(task.error).toBe(reason);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    gate.resolve();
  });

  it('cancel() without a reason rejects with a new CancelledError', async () => {
    const task = new AsyncTask((signal) => neverSettles(signal));
    task.execute();
    task.cancel();
    await expect(task).rejects.toBeInstanceOf(CancelledError);
  });

  it('a task cancelled before it starts never runs and is cancelled', async () => {
    const fn = vi.fn();
    const task = new AsyncTask(fn);
    task.cancel();
    expect(task.status).toBe('cancelled');
    await expect(task.execute()).rejects.toBeInstanceOf(CancelledError);
    expect(fn).not.toHaveBeenCalled();
  });

  it("AsyncTask's timeout counts from execute(); a timed-out task is 'rejected' with TimeoutError", async () => {
    const clock = fakeClock();
    let seen: AbortSignal | undefined;
    const task = new AsyncTask(
      (signal) => {
        seen = signal;
        return neverSettles(signal);
      },
      { timeout: 50, clock },
    );
    await clock.advance(100);
    expect(task.status).toBe('pending');
    const p = expect(task.execute()).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(49);
    expect(task.isDone).toBe(false);
    await clock.advance(1);
    await p;
    expect(task.status).toBe('rejected');
    expect(task.error).toBeInstanceOf(TimeoutError);
    expect(seen?.reason).toBe(task.error);
  });

  it('a timeout of 0 or negative fires on the next macrotask, and work already settled wins', async () => {
    for (const timeout of [0, -5]) {
      const quick = new AsyncTask(() => 'sync', { timeout });
      expect(await quick).toBe('sync');
      const micro = new AsyncTask(() => Promise.resolve('micro'), { timeout });
      expect(await micro).toBe('micro');
      const slow = new AsyncTask((signal) => neverSettles(signal), { timeout });
      await expect(slow).rejects.toBeInstanceOf(TimeoutError);
      expect(slow.status).toBe('rejected');
    }
  });

  it('a timeout of Infinity means none and NaN throws RangeError synchronously', async () => {
    const clock = fakeClock();
    const task = new AsyncTask(() => sleep(1e9, { clock }).then(() => 'x'), {
      timeout: Number.POSITIVE_INFINITY,
      clock,
    });
    const p = task.execute();
    await clock.advance(1e9);
    expect(await p).toBe('x');
    expect(() => new AsyncTask(() => 1, { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => new AsyncTask('nope' as never)).toThrow(TypeError);
  });

  it('the signal option cancels the task with signal.reason unchanged', async () => {
    const controller = new AbortController();
    const task = new AsyncTask((signal) => neverSettles(signal), { signal: controller.signal });
    const p = task.execute();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(task.status).toBe('cancelled');
  });
});

describe('SPEC seed surface: asyncParallelMap and asyncParallelFilter', () => {
  it('resolves in input order and is unbounded without maxConcurrent', async () => {
    const clock = fakeClock();
    let running = 0;
    let peak = 0;
    const items = Array.from({ length: 50 }, (_, i) => 50 - i);
    const p = asyncParallelMap(async (ms: number, index: number, signal: AbortSignal) => {
      expect(signal).toBeInstanceOf(AbortSignal);
      running++;
      peak = Math.max(peak, running);
      await sleep(ms, { clock });
      running--;
      return index;
    }, items);
    await clock.advance(50);
    expect(await p).toEqual(items.map((_, i) => i));
    expect(peak).toBe(50);
  });

  it('maxConcurrent bounds the work and pulls an iterable lazily', async () => {
    const clock = fakeClock();
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 6; i++) {
        pulled++;
        yield i;
      }
    }
    const p = asyncParallelMap((n: number) => sleep(10, { clock }).then(() => n * 2), source(), {
      maxConcurrent: 2,
    });
    await flush();
    expect(pulled).toBeLessThanOrEqual(3);
    await clock.advance(30);
    expect(await p).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('concurrency must be an integer >= 1 or Infinity; bad arguments throw synchronously', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => asyncParallelMap((x) => x, [1], { maxConcurrent: bad })).toThrow(RangeError);
    expect(() => asyncParallelMap('f' as never, [1])).toThrow(TypeError);
    expect(() => asyncParallelMap((x) => x, 5 as never)).toThrow(TypeError);
    expect(() => asyncParallelMap((x) => x, [1], { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => asyncParallelFilter((x) => x, [1], { maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => asyncParallelMapStream((x) => x, [1], { maxConcurrent: 0 })).toThrow(RangeError);
  });

  it('the first error rejects with that error itself, aborts the others with CancelledError, and settles after every child settled', async () => {
    const boom = new Error('boom');
    const gate = deferred();
    let siblingReason: unknown;
    let siblingSettled = false;
    const p = asyncParallelMap(
      async (n: number, _i: number, signal: AbortSignal) => {
        if (n === 1) throw boom;
        try {
          await neverSettles(signal);
        } catch (error) {
          siblingReason = error;
          await gate.promise; // slow cleanup: the map must wait for it
          siblingSettled = true;
          throw error;
        }
      },
      [0, 1],
    );
    const state = track(p);
    await flush();
    expect(siblingReason).toBeInstanceOf(CancelledError);
    expect(state.settled).toBe(false);
    gate.resolve();
    await expect(p).rejects.toBe(boom);
    expect(siblingSettled).toBe(true);
  });

  it('onError is called for every non-cancellation error as it happens, the first included, before the map settles', async () => {
    const calls: [unknown, unknown, number][] = [];
    const first = new Error('first');
    const later = new Error('later');
    const p = asyncParallelMap(
      async (n: string, _i: number, signal: AbortSignal) => {
        if (n === 'a') throw first;
        if (n === 'b') {
          await neverSettles(signal).catch(() => undefined);
          throw later; // a real error while unwinding is still reported
        }
        return neverSettles(signal); // a cancellation: not reported
      },
      ['a', 'b', 'c'],
      { onError: (error, item, index) => calls.push([error, item, index]) },
    );
    await expect(p).rejects.toBe(first);
    expect(calls).toEqual([
      [first, 'a', 0],
      [later, 'b', 1],
    ]);
  });

  it('stopOnError: false runs everything and rejects with an AggregateError of every error in input order', async () => {
    const clock = fakeClock();
    const ran: number[] = [];
    const p = asyncParallelMap(
      async (n: number) => {
        await sleep(10 - n, { clock });
        ran.push(n);
        if (n % 2 === 0) throw new Error(`e${n}`);
        return n;
      },
      [0, 1, 2, 3, 4],
      { stopOnError: false },
    );
    const caught = p.catch((e: unknown) => e);
    await clock.advance(10);
    const error = (await caught) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.message)).toEqual(['e0', 'e2', 'e4']);
    expect(ran.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('a signal abort rejects with signal.reason unchanged once the running items settled', async () => {
    const controller = new AbortController();
    const reason = Symbol('why');
    const p = asyncParallelMap((_x: number, _i, signal) => neverSettles(signal), [1, 2], {
      signal: controller.signal,
    });
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    const already = asyncParallelMap((x: number) => x, [1], { signal: controller.signal });
    await expect(already).rejects.toBe(reason);
  });

  it("a map's timeout is a deadline for the whole call: it rejects with TimeoutError", async () => {
    const clock = fakeClock();
    const started: number[] = [];
    const p = asyncParallelMap(
      (ms: number, i: number, signal: AbortSignal) => {
        started.push(i);
        return sleep(ms, { clock, signal }).then(() => ms);
      },
      [30, 30, 30],
      {
        maxConcurrent: 1,
        timeout: 50,
        clock,
      },
    );
    const rejected = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await rejected;
    expect(started).toEqual([0, 1]);
  });

  it('limiter: each item waits for one token, acquired as acquire(1, { signal }), before it starts', async () => {
    const grants: (() => void)[] = [];
    const calls: [number, unknown][] = [];
    const limiter = {
      acquire(tokens: number, options: { signal: AbortSignal }) {
        calls.push([tokens, options.signal instanceof AbortSignal]);
        return new Promise<void>((resolve) => grants.push(resolve));
      },
    };
    const started: number[] = [];
    const p = asyncParallelMap(
      (n: number) => {
        started.push(n);
        return n;
      },
      [1, 2, 3],
      { limiter },
    );
    await flush();
    expect(started).toEqual([]);
    expect(calls).toEqual([
      [1, true],
      [1, true],
      [1, true],
    ]);
    grants[1]!();
    await flush();
    expect(started).toEqual([2]);
    grants[0]!();
    grants[2]!();
    expect(await p).toEqual([1, 2, 3]);
  });

  it('asyncParallelFilter keeps the items whose predicate is truthy, in input order', async () => {
    const clock = fakeClock();
    const p = asyncParallelFilter(
      async (n: number) => {
        await sleep(10 - n, { clock });
        return n % 2 === 0 ? 'yes' : 0;
      },
      new Set([1, 2, 3, 4, 5, 6]),
    );
    await clock.advance(10);
    expect(await p).toEqual([2, 4, 6]);
  });

  it('the maps run the work in the caller’s AsyncLocalStorage context', async () => {
    const als = new AsyncLocalStorage<string>();
    async function* source() {
      yield 1;
      yield 2;
    }
    const values = await als.run('ctx', () =>
      asyncParallelMap(() => als.getStore(), source(), { maxConcurrent: 1 }),
    );
    expect(values).toEqual(['ctx', 'ctx']);
  });
});

describe('SPEC seed surface: asyncParallelMapStream', () => {
  it('defaults to 16 at once, ordered results, with backpressure of buffer = maxConcurrent unread results', async () => {
    let started = 0;
    const stream = asyncParallelMapStream(
      async (n: number) => {
        started++;
        return n;
      },
      Array.from({ length: 100 }, (_, i) => i),
    );
    const first = await stream.next();
    expect(first).toEqual({ done: false, value: 0 });
    await flush();
    // Nothing more is read: at most 16 results (finished or running) are held besides the one read.
    expect(started).toBeLessThanOrEqual(17);
    expect(started).toBeGreaterThanOrEqual(16);
    const rest: number[] = [];
    for await (const v of stream) rest.push(v);
    expect(rest).toEqual(Array.from({ length: 99 }, (_, i) => i + 1));
  });

  it('ordered: false yields in completion order', async () => {
    const clock = fakeClock();
    const stream = asyncParallelMapStream((ms: number) => sleep(ms, { clock }).then(() => ms), [30, 10, 20], {
      ordered: false,
      clock,
    });
    const out: number[] = [];
    const reading = (async () => {
      for await (const v of stream) out.push(v);
    })();
    await clock.advance(30);
    await reading;
    expect(out).toEqual([10, 20, 30]);
  });

  it('breaking out of for await calls return() on the source and aborts in-flight work', async () => {
    let returned = false;
    const signals: AbortSignal[] = [];
    const source: Iterable<number> = {
      [Symbol.iterator]() {
        let i = 0;
        return {
          next: () => ({ done: false, value: i++ }),
          return: () => {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    for await (const v of asyncParallelMapStream(
      (n: number, _i, signal) => {
        signals.push(signal);
        return n === 0 ? n : neverSettles(signal);
      },
      source,
      { maxConcurrent: 3 },
    )) {
      expect(v).toBe(0);
      break;
    }
    expect(returned).toBe(true);
    expect(signals.length).toBeGreaterThan(1);
    expect(signals.every((s) => s.aborted && s.reason instanceof CancelledError)).toBe(true);
  });

  it('runs the work in the AsyncLocalStorage context of the call, even when iterated elsewhere', async () => {
    const als = new AsyncLocalStorage<string>();
    async function* source() {
      yield 1;
      yield 2;
    }
    const stream = als.run('caller', () => asyncParallelMapStream(() => als.getStore(), source()));
    const out: unknown[] = [];
    for await (const v of stream) out.push(v);
    expect(out).toEqual(['caller', 'caller']);
  });

  it('a signal abort ends the iteration with signal.reason unchanged', async () => {
    const controller = new AbortController();
    const stream = asyncParallelMapStream((_n: number, _i, signal) => neverSettles(signal), [1, 2], {
      signal: controller.signal,
    });
    const p = stream.next();
    controller.abort('halt');
    await expect(p).rejects.toBe('halt');
  });
});

describe('SPEC tasks and time: TaskGroup', () => {
  it('taskGroup(body) resolves to the body result after every child settled; children are started by the group', async () => {
    const gate = deferred();
    const fn = vi.fn((signal: AbortSignal) => until(gate.promise, signal, 'child'));
    let child: AsyncTask<string> | undefined;
    const run = taskGroup((tg) => {
      child = tg.createTask(fn, { name: 'kid' });
      return 'body';
    });
    const state = track(run);
    await flush();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(child?.name).toBe('kid');
    expect(state.settled).toBe(false);
    gate.resolve();
    expect(await run).toBe('body');
    expect(child?.result).toBe('child');
  });

  it('a failing child aborts its siblings, the body and tg.signal; the group rejects with that error after all children settle', async () => {
    const boom = new Error('boom');
    const cleanup = deferred();
    let siblingReason: unknown;
    let bodyReason: unknown;
    let group: TaskGroup | undefined;
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask(async (signal) => {
        await neverSettles(signal).catch((e: unknown) => {
          siblingReason = e;
        });
        await cleanup.promise;
      });
      tg.createTask(async () => {
        await Promise.resolve();
        throw boom;
      });
      await neverSettles(tg.signal).catch((e: unknown) => {
        bodyReason = e;
      });
    });
    const state = track(run);
    await flush();
    expect(siblingReason).toBeInstanceOf(CancelledError);
    expect(bodyReason).toBeInstanceOf(CancelledError);
    expect(group?.signal.aborted).toBe(true);
    expect(state.settled).toBe(false);
    cleanup.resolve();
    await expect(run).rejects.toBe(boom);
    expect(group?.errors).toEqual([boom]);
  });

  it('tg.errors lists every child error; siblings cancellation errors are not failures', async () => {
    const e1 = new Error('e1');
    const e2 = new Error('e2');
    let group: TaskGroup | undefined;
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask(async () => {
        await Promise.resolve();
        throw e1;
      });
      tg.createTask(async (signal) => {
        await neverSettles(signal).catch(() => undefined);
        throw e2;
      });
      tg.createTask((signal) => neverSettles(signal)); // rejects with the abort reason: a cancellation
      tg.createTask(async (signal) => {
        await neverSettles(signal).catch(() => undefined);
        throw new CancelledError();
      });
    });
    await expect(run).rejects.toBe(e1);
    expect(group?.errors).toEqual([e1, e2]);
  });

  it('a throwing body fails the group: children abort and the group rejects with the body error', async () => {
    const bad = new Error('body');
    let childReason: unknown;
    let group: TaskGroup | undefined;
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask((signal) =>
        neverSettles(signal).catch((e: unknown) => {
          childReason = e;
          throw e;
        }),
      );
      await Promise.resolve();
      throw bad;
    });
    await expect(run).rejects.toBe(bad);
    expect(childReason).toBeInstanceOf(CancelledError);
    expect(group?.signal.aborted).toBe(true);
  });

  it('an external abort aborts body and children at once, rejects with signal.reason unchanged, and keeps unwinding errors in tg.errors', async () => {
    const controller = new AbortController();
    const reason = { external: true };
    const unwind = new Error('cleanup failed');
    const seen: unknown[] = [];
    let group: TaskGroup | undefined;
    const run = taskGroup(
      async (tg) => {
        group = tg;
        tg.createTask(async (signal) => {
          await neverSettles(signal).catch((e: unknown) => seen.push(e));
          throw unwind;
        });
        await neverSettles(tg.signal).catch((e: unknown) => seen.push(e));
      },
      { signal: controller.signal },
    );
    await flush();
    controller.abort(reason);
    expect(group?.signal.reason).toBe(reason);
    await expect(run).rejects.toBe(reason);
    expect(seen).toEqual([reason, reason]);
    expect(group?.errors).toEqual([unwind]);
  });

  it('taskGroup with an already aborted signal rejects with its reason', async () => {
    await expect(taskGroup(() => 1, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
  });

  it('createTask returns an already-cancelled task while the group aborts and throws after it settled', async () => {
    const boom = new Error('boom');
    let group: TaskGroup | undefined;
    let late: AsyncTask<unknown> | undefined;
    const lateFn = vi.fn();
    const run = taskGroup(async (tg) => {
      group = tg;
      tg.createTask(async () => {
        throw boom;
      });
      await neverSettles(tg.signal).catch(() => undefined);
      late = tg.createTask(lateFn);
    });
    await expect(run).rejects.toBe(boom);
    expect(late?.status).toBe('cancelled');
    await expect(late).rejects.toBeDefined();
    expect(lateFn).not.toHaveBeenCalled();
    expect(() => group!.createTask(() => 1)).toThrow(Error);
  });

  it('a nested group that fails is a failing child of its parent: the parent rejects with the inner first error', async () => {
    const inner = new Error('inner');
    const run = taskGroup(async (outer) => {
      outer.createTask(() =>
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            throw inner;
          });
        }),
      );
      outer.createTask((signal) => neverSettles(signal));
    });
    await expect(run).rejects.toBe(inner);
  });

  it('await using tg = new TaskGroup() waits for the children and throws the first failure', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    const ok = (async () => {
      await using tg = new TaskGroup({ clock });
      tg.createTask(() => sleep(10, { clock }).then(() => seen.push('child')));
    })();
    const state = track(ok);
    await clock.advance(5);
    expect(state.settled).toBe(false);
    await clock.advance(5);
    await ok;
    expect(seen).toEqual(['child']);

    const boom = new Error('boom');
    const failing = (async () => {
      await using tg = new TaskGroup();
      tg.createTask(async () => {
        throw boom;
      });
    })();
    await expect(failing).rejects.toBe(boom);
  });

  it('children see the AsyncLocalStorage context of the code that created them', async () => {
    const als = new AsyncLocalStorage<string>();
    const value = await als.run('group', () =>
      taskGroup(async (tg) => {
        const t = tg.createTask(async () => {
          await Promise.resolve();
          return als.getStore();
        });
        return t;
      }),
    );
    expect(value).toBe('group');
  });
});

describe('SPEC tasks and time: gather', () => {
  it('resolves in input order', async () => {
    const clock = fakeClock();
    const p = gather([() => sleep(20, { clock }).then(() => 'a'), () => 'b', async () => 'c']);
    await clock.advance(20);
    expect(await p).toEqual(['a', 'b', 'c']);
  });

  it('aborts the others on the first failure and rejects with it after every child settled', async () => {
    const boom = new Error('boom');
    const cleanup = deferred();
    let reason: unknown;
    let settled = false;
    const p = gather([
      async (signal: AbortSignal) => {
        await neverSettles(signal).catch((e: unknown) => {
          reason = e;
        });
        await cleanup.promise;
        settled = true;
      },
      async () => {
        await Promise.resolve();
        throw boom;
      },
    ]);
    const state = track(p);
    await flush();
    expect(reason).toBeInstanceOf(CancelledError);
    expect(state.settled).toBe(false);
    cleanup.resolve();
    await expect(p).rejects.toBe(boom);
    expect(settled).toBe(true);
  });

  it('returnExceptions: true puts each error at its position and aborts nothing', async () => {
    const boom = new Error('boom');
    let aborted = false;
    const out = await gather(
      [
        () => {
          throw boom;
        },
        async (signal: AbortSignal) => {
          await flush();
          aborted = signal.aborted;
          return 2;
        },
      ],
      { returnExceptions: true },
    );
    expect(out).toEqual([boom, 2]);
    expect(aborted).toBe(false);
  });

  it('throws synchronously for entries that are not functions', () => {
    expect(() => gather([1 as never])).toThrow(TypeError);
  });
});

describe('SPEC tasks and time: wait', () => {
  it('defaults to ALL_COMPLETED and resolves { done, pending } as arrays of AsyncTask, accepting functions and AsyncTasks', async () => {
    const clock = fakeClock();
    const bare = new AsyncTask(() => 'bare');
    const p = wait([() => sleep(10, { clock }).then(() => 'f'), bare], { clock });
    const state = track(p);
    await flush();
    expect(state.settled).toBe(false);
    expect(bare.status).toBe('fulfilled'); // wait started the bare task
    await clock.advance(10);
    const { done, pending } = await p;
    expect(pending).toEqual([]);
    expect(done).toHaveLength(2);
    expect(done.every((t) => t instanceof AsyncTask)).toBe(true);
    expect(done.map((t) => t.result)).toEqual(['f', 'bare']);
    expect(done[1]).toBe(bare);
  });

  it('FIRST_COMPLETED resolves on the first done task; pending tasks keep running until the caller cancels them', async () => {
    const clock = fakeClock();
    let slowSignal: AbortSignal | undefined;
    const { done, pending } = await wait(
      [
        () => 'fast',
        (signal: AbortSignal) => {
          slowSignal = signal;
          return neverSettles(signal);
        },
      ],
      { returnWhen: 'FIRST_COMPLETED', clock },
    );
    expect(done.map((t) => t.result)).toEqual(['fast']);
    expect(pending).toHaveLength(1);
    await flush();
    expect(slowSignal?.aborted).toBe(false);
    expect(pending[0]!.status).toBe('running');
    pending[0]!.cancel();
    await expect(pending[0]).rejects.toBeInstanceOf(CancelledError);
  });

  it('FIRST_EXCEPTION resolves when a task is rejected, and does not reject itself', async () => {
    const boom = new Error('boom');
    const { done, pending } = await wait(
      [
        async () => {
          throw boom;
        },
        (signal: AbortSignal) => neverSettles(signal),
      ],
      { returnWhen: 'FIRST_EXCEPTION' },
    );
    expect(done[0]!.error).toBe(boom);
    expect(pending).toHaveLength(1);
    pending[0]!.cancel();
    await expect(pending[0]).rejects.toBeInstanceOf(CancelledError);
  });

  it('resolves with { done, pending } on timeout, as asyncio does', async () => {
    const clock = fakeClock();
    const p = wait([() => 'a', (signal: AbortSignal) => neverSettles(signal)], { timeout: 100, clock });
    await clock.advance(100);
    const { done, pending } = await p;
    expect(done).toHaveLength(1);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.status).toBe('running');
    pending[0]!.cancel();
    await expect(pending[0]).rejects.toBeInstanceOf(CancelledError);
  });

  it('aborting its signal rejects with signal.reason unchanged at once and cancels the pending tasks', async () => {
    const controller = new AbortController();
    const gate = deferred();
    const task = new AsyncTask(stubborn(gate.promise, 1));
    const p = wait([task], { signal: controller.signal });
    controller.abort('abandon');
    await expect(p).rejects.toBe('abandon');
    expect(task.status).toBe('cancelled');
    expect(task.error).toBe('abandon');
    gate.resolve();
  });

  it('throws RangeError for an unknown returnWhen or a NaN timeout, synchronously', () => {
    expect(() => wait([() => 1], { returnWhen: 'ANY' as never })).toThrow(RangeError);
    expect(() => wait([() => 1], { timeout: Number.NaN })).toThrow(RangeError);
  });
});

describe('SPEC tasks and time: asCompleted', () => {
  it('yields values in completion order', async () => {
    const clock = fakeClock();
    const it = asCompleted(
      [30, 10, 20].map((ms) => () => sleep(ms, { clock }).then(() => ms)),
      { clock },
    );
    const out: number[] = [];
    const reading = (async () => {
      for await (const v of it) out.push(v);
    })();
    await clock.advance(30);
    await reading;
    expect(out).toEqual([10, 20, 30]);
  });

  it('throws the first error when it comes up in completion order, after the values completed before it', async () => {
    const clock = fakeClock();
    const boom = new Error('boom');
    const it = asCompleted(
      [
        () => sleep(10, { clock }).then(() => 'first'),
        () =>
          sleep(20, { clock }).then(() => {
            throw boom;
          }),
        (signal: AbortSignal) => sleep(30, { clock, signal }).then(() => 'never'),
      ],
      { clock },
    );
    const out: unknown[] = [];
    const reading = (async () => {
      for await (const v of it) out.push(v);
    })().catch((e: unknown) => e);
    await clock.advance(20);
    expect(await reading).toBe(boom);
    expect(out).toEqual(['first']);
  });

  it('aborts the rest when the consumer stops early', async () => {
    const signals: AbortSignal[] = [];
    const fns = [
      () => 'quick',
      (signal: AbortSignal) => {
        signals.push(signal);
        return neverSettles(signal);
      },
    ];
    for await (const v of asCompleted(fns)) {
      expect(v).toBe('quick');
      break;
    }
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('timeout ends the iteration with TimeoutError and signal abort with signal.reason unchanged', async () => {
    const clock = fakeClock();
    const it = asCompleted([(signal: AbortSignal) => neverSettles(signal)], { timeout: 50, clock });
    const first = expect(it.next()).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await first;

    const controller = new AbortController();
    const it2 = asCompleted([(signal: AbortSignal) => neverSettles(signal)], { signal: controller.signal });
    const next = it2.next();
    controller.abort('stop');
    await expect(next).rejects.toBe('stop');
  });
});

describe('SPEC tasks and time: withTimeout', () => {
  it('resolves with the value when the work finishes first and clears its timer', async () => {
    const clock = fakeClock();
    const p = withTimeout(() => sleep(10, { clock }).then(() => 'v'), 50, { clock });
    await clock.advance(10);
    expect(await p).toBe('v');
    expect(clock.pending()).toEqual([]);
  });

  it('rejects at once with TimeoutError, aborts the work, never waits for it, and drops its late outcome', async () => {
    const clock = fakeClock();
    const gate = deferred();
    let seen: AbortSignal | undefined;
    const p = withTimeout(
      (signal) => {
        seen = signal;
        return gate.promise.then(() => {
          throw new Error('late failure');
        });
      },
      50,
      { clock },
    );
    const rejected = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await rejected;
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
    gate.resolve(); // the late rejection must not be unhandled (the leak check would fail)
    await flush();
  });

  it('with fallback (key present, even undefined) resolves to it on timeout only; work errors and aborts still reject', async () => {
    const clock = fakeClock();
    const a = withTimeout((signal) => neverSettles(signal), 10, { fallback: 'stale', clock });
    const b = withTimeout((signal) => neverSettles(signal), 10, { fallback: undefined, clock });
    await clock.advance(10);
    expect(await a).toBe('stale');
    expect(await b).toBeUndefined();
    const boom = new Error('boom');
    await expect(
      withTimeout(
        async () => {
          throw boom;
        },
        10,
        { fallback: 'x', clock },
      ),
    ).rejects.toBe(boom);
    const controller = new AbortController();
    const c = withTimeout((signal) => neverSettles(signal), 10, {
      fallback: 'x',
      signal: controller.signal,
      clock,
    });
    controller.abort('user');
    await expect(c).rejects.toBe('user');
  });

  it('with ms <= 0 the function is still called and wins only if it settled before the next macrotask', async () => {
    for (const ms of [0, -1]) {
      const fn = vi.fn(() => 'sync');
      expect(await withTimeout(fn, ms)).toBe('sync');
      expect(fn).toHaveBeenCalledTimes(1);
      expect(await withTimeout(() => Promise.resolve('micro'), ms)).toBe('micro');
      await expect(withTimeout((signal) => neverSettles(signal), ms)).rejects.toBeInstanceOf(TimeoutError);
    }
  });

  it('Infinity means no deadline; NaN throws RangeError synchronously', async () => {
    const clock = fakeClock();
    const p = withTimeout(() => sleep(1e12, { clock }).then(() => 1), Number.POSITIVE_INFINITY, { clock });
    expect(clock.pending()).toHaveLength(1); // only the sleep's timer
    await clock.advance(1e12);
    expect(await p).toBe(1);
    expect(() => withTimeout(() => 1, Number.NaN)).toThrow(RangeError);
    expect(() => withTimeout('x' as never, 1)).toThrow(TypeError);
  });

  it('runs the work in the caller’s AsyncLocalStorage context', async () => {
    const als = new AsyncLocalStorage<string>();
    expect(await als.run('ctx', () => withTimeout(() => als.getStore(), 100))).toBe('ctx');
  });
});

describe('SPEC tasks and time: sleep', () => {
  it('resolves after ms on the injected clock', async () => {
    const clock = fakeClock();
    const state = track(sleep(100, { clock }));
    await clock.advance(99);
    expect(state.settled).toBe(false);
    await clock.advance(1);
    expect(state.settled).toBe(true);
  });

  it('abort rejects at once with signal.reason unchanged, and an already aborted signal rejects', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const p = sleep(1000, { clock, signal: controller.signal });
    const reason = new DOMException('x', 'AbortError');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(clock.pending()).toEqual([]);
    await expect(sleep(1, { signal: AbortSignal.abort(42) })).rejects.toBe(42);
  });

  it('0 and negative resolve on the next macrotask; Infinity never resolves unless aborted; NaN throws RangeError', async () => {
    await sleep(0);
    await sleep(-10);
    const controller = new AbortController();
    const forever = sleep(Number.POSITIVE_INFINITY, { signal: controller.signal });
    const state = track(forever);
    await flush();
    expect(state.settled).toBe(false);
    controller.abort('done');
    await expect(forever).rejects.toBe('done');
    expect(() => sleep(Number.NaN)).toThrow(RangeError);
  });
});

describe('SPEC testing kit: FakeClock and the Clock', () => {
  it('advance(ms) is async and fires due timers in order with microtasks drained between them', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    clock.setTimeout(() => {
      log.push('b@20');
    }, 20);
    clock.setTimeout(() => {
      log.push('a@10');
      Promise.resolve().then(() => log.push('micro after a'));
    }, 10);
    clock.setTimeout(() => log.push('c@10'), 10);
    const result = clock.advance(15);
    expect(result).toBeInstanceOf(Promise);
    await result;
    expect(log).toEqual(['a@10', 'micro after a', 'c@10']);
    expect(clock.now()).toBe(15);
    expect(clock.pending()).toEqual([{ due: 20 }]);
    await clock.advance(5);
    expect(log.at(-1)).toBe('b@20');
    expect(clock.pending()).toEqual([]);
  });

  it('runAll() fires everything in order and stops after a bounded number of timers so an interval cannot spin', async () => {
    const clock = new FakeClock({ maxTimers: 50 });
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.runAll();
    expect(ticks).toBe(50);
    expect(clock.pending()).toHaveLength(1);
    expect(clock.now()).toBe(500);
  });

  it('untilIdle() resolves once no timer is due and the microtask queue is empty', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    clock.setTimeout(() => log.push('now'), 0);
    clock.setTimeout(() => log.push('later'), 5);
    void Promise.resolve().then(() => log.push('micro'));
    await clock.untilIdle();
    expect(log).toEqual(['micro', 'now']);
    expect(clock.pending()).toEqual([{ due: 5 }]);
    clock.clearTimeout(undefined);
    await clock.runAll();
  });

  it('rejects bad options synchronously with RangeError naming the option', () => {
    expect(() => new FakeClock({ start: Number.NaN })).toThrow(/options\.start/);
    expect(() => new FakeClock({ maxTimers: 0 })).toThrow(RangeError);
    expect(() => new FakeClock({ maxTimers: 1.5 })).toThrow(/options\.maxTimers/);
    expect(new FakeClock({ start: 5 }).now()).toBe(5);
  });

  it('pending() returns one { due } entry per scheduled timer', () => {
    const clock = new FakeClock({ start: 100 });
    const h = clock.setTimeout(() => {}, 5);
    clock.setTimeout(() => {}, 1);
    expect(clock.pending()).toEqual([{ due: 101 }, { due: 105 }]);
    clock.clearTimeout(h);
    expect(clock.pending()).toEqual([{ due: 101 }]);
    void clock.runAll();
  });

  it('the system clock is monotonic, treats Infinity as no timer and clamps delays above 2^31 - 1 ms', () => {
    const a = systemClock.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(a);
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const none = systemClock.setTimeout(() => {}, Number.POSITIVE_INFINITY);
      expect(spy).not.toHaveBeenCalled();
      systemClock.clearTimeout(none);
      const long = systemClock.setTimeout(() => {}, 2 ** 31 + 5);
      expect(spy).toHaveBeenCalledWith(expect.any(Function), 2 ** 31 - 1);
      systemClock.clearTimeout(long);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('SPEC details: timeouts of 0 on composites and waits', () => {
  it('work already settled wins over a 0 timeout in the maps, wait, asCompleted and submitAsync', async () => {
    expect(await asyncParallelMap((x: number) => x, [1, 2], { timeout: 0 })).toEqual([1, 2]);
    expect(await asyncParallelMap(async (x: number) => x, [1, 2], { timeout: -1, maxConcurrent: 1 })).toEqual(
      [1, 2],
    );
    const { done, pending } = await wait([() => 1, async () => 2], { timeout: 0 });
    expect([done.length, pending.length]).toEqual([2, 0]);
    const seen: number[] = [];
    for await (const v of asCompleted([() => 1, async () => 2], { timeout: 0 })) seen.push(v);
    expect(seen).toEqual([1, 2]);
    const executor = new AsyncExecutor(1);
    expect(await executor.submitAsync(() => 5, { timeout: 0 })).toBe(5);
    await executor.shutdown();
  });

  it('a 0 timeout still fires on the next macrotask for work that has not settled', async () => {
    await expect(
      asyncParallelMap((_x: number, _i, signal) => neverSettles(signal), [1], { timeout: 0 }),
    ).rejects.toBeInstanceOf(TimeoutError);
    const { done, pending } = await wait([(signal: AbortSignal) => neverSettles(signal)], { timeout: 0 });
    expect([done.length, pending.length]).toEqual([0, 1]);
    pending[0]!.cancel();
    await expect(pending[0]).rejects.toBeInstanceOf(CancelledError);
    const child = await taskGroup(async (tg) =>
      tg.createTask((signal) => neverSettles(signal), { timeout: 0 }).catch((e: unknown) => e),
    ).catch((e: unknown) => e);
    expect(child).toBeInstanceOf(TimeoutError);
  });
});

describe('SPEC tasks and time: ResourceScope', () => {
  it('use(resource) returns the resource; close() awaits cleanups one by one in reverse order', async () => {
    const log: string[] = [];
    const gate = deferred();
    const scope = new ResourceScope();
    const a = { close: () => log.push('a') };
    const b = {
      [Symbol.asyncDispose]: async () => {
        await gate.promise;
        log.push('b');
      },
    };
    expect(scope.use(a)).toBe(a);
    expect(scope.use(b)).toBe(b);
    scope.defer(() => {
      log.push('deferred');
    });
    const closing = scope.close();
    await flush();
    expect(log).toEqual(['deferred']);
    gate.resolve();
    await closing;
    expect(log).toEqual(['deferred', 'b', 'a']);
  });

  it('runs every cleanup even when some throw: one failure rejects with that error', async () => {
    const boom = new Error('boom');
    const ran: string[] = [];
    const scope = new ResourceScope();
    scope.defer(() => ran.push('first'));
    scope.defer(() => {
      throw boom;
    });
    await expect(scope.close()).rejects.toBe(boom);
    expect(ran).toEqual(['first']);
  });

  it('several failures reject with an AggregateError of all in the order they happened', async () => {
    const e1 = new Error('registered first');
    const e2 = new Error('registered second');
    const scope = new ResourceScope();
    scope.defer(() => {
      throw e1;
    });
    scope.defer(async () => {
      throw e2;
    });
    const error = (await scope.close().catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toEqual([e2, e1]);
  });

  it('using a closed scope throws', async () => {
    const scope = new ResourceScope();
    await scope.close();
    expect(() => scope.use({ close() {} })).toThrow();
    expect(() => scope.defer(() => {})).toThrow();
  });

  it('await using closes the scope at the end of the block', async () => {
    const log: string[] = [];
    {
      await using scope = new ResourceScope();
      scope.use({ close: () => log.push('closed') });
      log.push('body');
    }
    expect(log).toEqual(['body', 'closed']);
  });
});
