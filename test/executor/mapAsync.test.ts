import { describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import { AsyncExecutor } from '../../src/executor/AsyncExecutor.js';
import { fakeClock } from '../support/leakCheck.js';
import { type Deferred, deferred, flush, neverSettles, until } from '../support/work.js';

/** A generator that records how many items were pulled. */
function counted<T>(items: T[], pulls: { n: number; closed: boolean }): Iterable<T> {
  return (function* () {
    try {
      for (const item of items) {
        pulls.n++;
        yield item;
      }
    } finally {
      pulls.closed = true;
    }
  })();
}

describe('AsyncExecutor.mapAsync', () => {
  it('resolves to the results in input order whatever the completion order', async () => {
    const executor = new AsyncExecutor(3);
    const gates = [deferred(), deferred(), deferred()];
    const p = executor.mapAsync(
      (i: number, index, signal) => until(gates[i]!.promise, signal, i * 10 + index),
      [0, 1, 2],
    );
    gates[2]!.resolve();
    gates[0]!.resolve();
    gates[1]!.resolve();
    expect(await p).toEqual([0, 11, 22]);
    expect(await executor.mapAsync((x: number) => x, [])).toEqual([]);
    await executor.shutdown();
  });

  it('pulls items lazily, only as executor slots free up, and never exceeds the bound', async () => {
    const executor = new AsyncExecutor(2);
    const pulls = { n: 0, closed: false };
    const gates: Deferred<void>[] = [];
    let running = 0;
    let peak = 0;
    const p = executor.mapAsync(
      async (x: number, _i, signal) => {
        running++;
        peak = Math.max(peak, running);
        const gate = deferred();
        gates[x] = gate;
        try {
          return await until(gate.promise, signal, x);
        } finally {
          running--;
        }
      },
      counted([0, 1, 2, 3, 4], pulls),
    );
    expect(pulls.n).toBe(2);
    gates[0]!.resolve();
    await flush();
    expect(pulls.n).toBe(3);
    for (let i = 1; i < 5; i++) {
      await flush();
      gates[i]!.resolve();
    }
    expect(await p).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    await executor.shutdown();
  });

  it('pulls an AsyncIterable one item at a time', async () => {
    const executor = new AsyncExecutor(4);
    async function* source() {
      for (let i = 0; i < 6; i++) yield i;
    }
    expect(await executor.mapAsync(async (x: number) => x * 2, source())).toEqual([0, 2, 4, 6, 8, 10]);
    await executor.shutdown();
  });

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

  it('rejects with the first error, aborts the others and settles only after they settled', async () => {
    const executor = new AsyncExecutor(2);
    const pulls = { n: 0, closed: false };
    const boom = new Error('boom');
    const slowDone = deferred();
    let slowSignal: AbortSignal | undefined;
    let settled = false;
    const p = executor
      .mapAsync(
        (x: number, _i, signal) => {
          if (x === 0) {
            slowSignal = signal;
            return slowDone.promise.then(() => 'slow'); // ignores the abort for a while
          }
          return Promise.reject(boom);
        },
        counted([0, 1, 2, 3], pulls),
      )
      .finally(() => {
        settled = true;
      });
    const rejected = expect(p).rejects.toBe(boom);
    await flush();
    expect(slowSignal?.aborted).toBe(true);
    expect(slowSignal?.reason).toBeInstanceOf(CancelledError);
    expect(settled).toBe(false);
    expect(pulls.n).toBe(2); // nothing new started after the error
    expect(pulls.closed).toBe(false); // closed once the running items settled, as for...of would
    slowDone.resolve();
    await rejected;
    expect(pulls.closed).toBe(true);
    expect(executor.stats()).toMatchObject({ running: 0, failed: 1, completed: 1 });
    await executor.shutdown();
  });

  it('calls onError for every non-cancellation error as it happens, before settling', async () => {
    const executor = new AsyncExecutor(3);
    const first = new Error('first');
    const second = new Error('second');
    const secondGate = deferred();
    const seen: [unknown, unknown, number][] = [];
    let settled = false;
    const p = executor
      .mapAsync(
        (x: string, _i, signal) => {
          if (x === 'a') return Promise.reject(first);
          if (x === 'b') return secondGate.promise.then(() => Promise.reject(second)); // fails after the abort
          return neverSettles(signal); // a cancellation: not reported
        },
        ['a', 'b', 'c'],
        { onError: (error, item, index) => seen.push([error, item, index]) },
      )
      .finally(() => {
        settled = true;
      });
    const rejected = expect(p).rejects.toBe(first);
    await flush();
    expect(seen).toEqual([[first, 'a', 0]]);
    expect(settled).toBe(false);
    secondGate.resolve();
    await rejected;
    expect(seen).toEqual([
      [first, 'a', 0],
      [second, 'b', 1],
    ]);
    await executor.shutdown();
  });

  it('with stopOnError: false runs everything and rejects with an AggregateError in input order', async () => {
    const executor = new AsyncExecutor(2);
    const errors = [new Error('e0'), new Error('e1'), new Error('e3')];
    const gates = [deferred(), deferred()];
    const reported: number[] = [];
    let ran = 0;
    const p = executor.mapAsync(
      async (x: number) => {
        ran++;
        if (x === 0) {
          await gates[0]!.promise; // fails last
          throw errors[0];
        }
        if (x === 1) {
          await gates[1]!.promise;
          throw errors[1];
        }
        if (x === 3) throw errors[2];
        return x;
      },
      [0, 1, 2, 3, 4],
      { stopOnError: false, onError: (_e, _item, index) => reported.push(index) },
    );
    gates[1]!.resolve();
    await flush();
    gates[0]!.resolve();
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ran).toBe(5);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual(errors);
    expect(reported).toEqual([1, 3, 0]);
    await executor.shutdown();
  });

  it('rejects with the signal reason after aborting the items and waiting for them', async () => {
    const executor = new AsyncExecutor(2);
    const c = new AbortController();
    const pulls = { n: 0, closed: false };
    const signals: AbortSignal[] = [];
    const p = executor.mapAsync(
      (_x: number, _i, signal) => {
        signals.push(signal);
        return neverSettles(signal);
      },
      counted([0, 1, 2, 3], pulls),
      { signal: c.signal },
    );
    const reason = { why: 'caller' };
    c.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(signals.length).toBe(2);
    expect(signals.every((s) => s.aborted && s.reason === reason)).toBe(true);
    expect(pulls).toEqual({ n: 2, closed: true });
    expect(executor.stats()).toMatchObject({ running: 0, cancelled: 2 });
    await expect(executor.mapAsync((x) => x, [1], { signal: c.signal })).rejects.toBe(reason);
    await executor.shutdown();
  });

  it('treats timeout as a deadline for the whole call', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    const gates = [deferred(), deferred(), deferred()];
    const p = executor.mapAsync((x: number, _i, signal) => until(gates[x]!.promise, signal, x), [0, 1, 2], {
      timeout: 100,
    });
    const timedOut = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(60);
    gates[0]!.resolve();
    await flush();
    await clock.advance(40); // 100 ms since the call, though item 1 ran only 40
    await timedOut;
    expect(executor.stats()).toMatchObject({ completed: 1, cancelled: 1, running: 0 });
    await executor.shutdown();
  });

  it('waits for one limiter token per item before starting it', async () => {
    const executor = new AsyncExecutor(4);
    const tokens: Deferred<void>[] = [];
    const acquired: number[] = [];
    const limiter = {
      acquire(n: number, options: { signal: AbortSignal }) {
        acquired.push(n);
        expect(options.signal).toBeInstanceOf(AbortSignal);
        const token = deferred();
        tokens.push(token);
        return token.promise;
      },
    };
    const started: number[] = [];
    const p = executor.mapAsync(
      (x: number) => {
        started.push(x);
        return x;
      },
      [0, 1, 2],
      { limiter },
    );
    expect(started).toEqual([]);
    tokens[0]!.resolve();
    await flush();
    expect(started).toEqual([0]);
    tokens[1]!.resolve();
    await flush();
    tokens[2]!.resolve();
    expect(await p).toEqual([0, 1, 2]);
    expect(acquired).toEqual([1, 1, 1]);
    await executor.shutdown();
  });

  it('rejects with the error a source throws, after the items already running settle', async () => {
    const executor = new AsyncExecutor(2);
    const boom = new Error('source broke');
    const gate = deferred();
    function* source() {
      yield 0;
      throw boom;
    }
    let signal0: AbortSignal | undefined;
    const p = executor.mapAsync((x: number, _i, signal) => {
      signal0 = signal;
      return until(gate.promise, signal, x);
    }, source());
    await expect(p).rejects.toBe(boom);
    expect(signal0?.aborted).toBe(true);
    // Ferris's own abort: a CancelledError caused by the source's error, as asyncParallelMap does.
    expect(signal0?.reason).toBeInstanceOf(CancelledError);
    expect((signal0!.reason as Error).cause).toBe(boom);
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
