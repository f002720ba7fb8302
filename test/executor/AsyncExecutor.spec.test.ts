/** What SPEC says of AsyncExecutor, sentence by sentence, tested through the public `ferris` entry (moved from test/acceptance/). */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AsyncExecutor,
  AsyncTask,
  CancelledError,
  ExecutorShutdownError,
  FerrisError,
  sleep,
  TimeoutError,
} from 'ferris';
import { describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, track, until } from '../support/work.js';

/** Work that ignores its signal and settles only when `gate` resolves (the caller must not wait on it). */
function stubborn<T>(gate: Promise<unknown>, value: T): () => Promise<T> {
  return () => gate.then(() => value);
}

describe('AsyncExecutor, as SPEC states it', () => {
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
    const badRejected = expect(bad).rejects.toThrow('x');
    await clock.advance(10);
    await slowRejected;
    await ok;
    await badRejected;
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    await executor.shutdown();
    const s1 = executor.stats();
    const s2 = executor.stats();
    expect(s1).not.toBe(s2);
    expect(s1).toEqual({
      running: 0,
      queued: 0,
      completed: 1,
      failed: 2,
      cancelled: 1,
      maxWorkers: 4,
      maxQueue: Infinity,
      paused: false,
    });
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
      maxQueue: Number.POSITIVE_INFINITY,
      paused: false,
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
