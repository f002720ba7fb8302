import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/errors.js';
import { AsyncExecutor } from '../../src/executor/AsyncExecutor.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, until } from '../support/work.js';

// The behaviours mapAsync shares with the other maps are tested in test/parallel/maps.conformance.test.ts;
// here: how a map call lives on its executor (slots, stats, shutdown).
describe('AsyncExecutor.mapAsync', () => {
  it('shares the slots with submitted tasks', async () => {
    const executor = new AsyncExecutor(2);
    const gate = deferred();
    const task = executor.submitAsync((signal) => until(gate.promise, signal, 't'));
    const started: number[] = [];
    const itemGates = [deferred(), deferred()];
    const p = executor.mapAsync(
      (x: number, _i, signal) => {
        started.push(x);
        return until(itemGates[x]!.promise, signal, x);
      },
      [0, 1],
    );
    expect(started).toEqual([0]);
    expect(executor.stats().running).toBe(2);
    gate.resolve();
    await task;
    expect(started).toEqual([0, 1]);
    for (const g of itemGates) g.resolve();
    expect(await p).toEqual([0, 1]);
    await executor.shutdown();
  });

  it('counts each item once in stats() as completed, failed or cancelled, and frees its slot when it settles', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 2, clock });

    // Stopped by the first error: the item that ignores its abort keeps its slot until it settles.
    const boom = new Error('boom');
    const slowDone = deferred();
    const failing = executor.mapAsync(
      (x: number) => (x === 0 ? slowDone.promise.then(() => 'slow') : Promise.reject(boom)),
      [0, 1, 2, 3],
    );
    const rejected = expect(failing).rejects.toBe(boom);
    await flush();
    expect(executor.stats()).toMatchObject({ running: 1, failed: 1 });
    slowDone.resolve();
    await rejected;
    expect(executor.stats()).toMatchObject({ running: 0, completed: 1, failed: 1, cancelled: 0 });

    // Stopped by the caller: the aborted items count as cancelled.
    const controller = new AbortController();
    const reason = { why: 'caller' };
    const aborted = executor.mapAsync((_x: number, _i, signal) => neverSettles(signal), [0, 1, 2, 3], {
      signal: controller.signal,
    });
    await flush();
    expect(executor.stats()).toMatchObject({ running: 2 });
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(executor.stats()).toMatchObject({ running: 0, completed: 1, failed: 1, cancelled: 2 });

    // Stopped by the deadline: the item that finished in time completed, the one cut off is cancelled.
    const gate = deferred();
    const timedOut = executor.mapAsync(
      (x: number, _i, signal) => (x === 0 ? x : until(gate.promise, signal, x)),
      [0, 1],
      {
        timeout: 100,
      },
    );
    const timeoutRejected = expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
    await clock.advance(100);
    await timeoutRejected;
    expect(executor.stats()).toMatchObject({ running: 0, queued: 0, completed: 2, failed: 1, cancelled: 3 });
    await executor.shutdown();
  });

  it('is rejected by a cancelling shutdown, and a graceful shutdown waits for it to finish', async () => {
    const executor = new AsyncExecutor(1);
    const gates = [deferred(), deferred()];
    const p = executor.mapAsync((x: number, _i, signal) => until(gates[x]!.promise, signal, x), [0, 1]);
    let closed = false;
    const graceful = executor.shutdown().then(() => {
      closed = true;
    });
    gates[0]!.resolve();
    await flush();
    expect(closed).toBe(false);
    gates[1]!.resolve();
    expect(await p).toEqual([0, 1]);
    await graceful;

    const second = new AsyncExecutor(1);
    const q = second.mapAsync((_x: number, _i, signal) => neverSettles(signal), [0, 1, 2]);
    await second.shutdown({ cancelPending: true });
    await expect(q).rejects.toBeInstanceOf(CancelledError);
  });
});
