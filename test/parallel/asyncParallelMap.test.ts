import { describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import { asyncParallelMap } from '../../src/parallel/asyncParallelMap.js';
import { fakeClock } from '../support/leakCheck.js';
import { type Deferred, deferred, flush, neverSettles, until } from '../support/work.js';

/** Work whose calls each wait for their own gate; it records how many run at once. */
function gated<T>() {
  const gates = new Map<number, Deferred<void>>();
  const signals: AbortSignal[] = [];
  const started: number[] = [];
  const state = { running: 0, max: 0 };
  const fn = (item: T, index: number, signal: AbortSignal): Promise<T> => {
    const gate = deferred();
    gates.set(index, gate);
    signals[index] = signal;
    started.push(index);
    state.running++;
    state.max = Math.max(state.max, state.running);
    return until(gate.promise, signal, item).finally(() => {
      state.running--;
    });
  };
  const open = (index: number) => gates.get(index)!.resolve();
  return { fn, gates, signals, started, state, open };
}

describe('asyncParallelMap', () => {
  it('resolves to the results in input order, whatever order the items finish in', async () => {
    const w = gated<number>();
    const p = asyncParallelMap(w.fn, [10, 20, 30, 40], { maxConcurrent: 4 });
    for (const i of [3, 1, 0, 2]) {
      w.open(i);
      await flush();
    }
    expect(await p).toEqual([10, 20, 30, 40]);
  });

  it('calls every callback with the item, its index and a live AbortSignal', async () => {
    const calls: [string, number, boolean][] = [];
    const out = await asyncParallelMap(
      (item: string, index, signal) => {
        calls.push([item, index, signal instanceof AbortSignal && !signal.aborted]);
        return item.toUpperCase();
      },
      new Set(['a', 'b', 'c']),
      { maxConcurrent: 2 },
    );
    expect(out).toEqual(['A', 'B', 'C']);
    expect(calls).toEqual([
      ['a', 0, true],
      ['b', 1, true],
      ['c', 2, true],
    ]);
  });

  it('never runs more than maxConcurrent items and never leaves a slot idle while items wait', async () => {
    for (const source of ['array', 'iterable', 'async'] as const) {
      const w = gated<number>();
      const data = Array.from({ length: 10 }, (_, i) => i);
      const items =
        source === 'array'
          ? data
          : source === 'iterable'
            ? data.values()
            : (async function* () {
                yield* data;
              })();
      const p = asyncParallelMap(w.fn, items, { maxConcurrent: 3 });
      const opened = new Set<number>();
      for (let done = 0; done < 10; done++) {
        await flush();
        // Every slot is busy as long as items remain.
        expect(w.state.running).toBe(Math.min(3, 10 - done));
        // Finish the most recently started item first, so completions come out of order.
        const next = [...w.started].reverse().find((i) => !opened.has(i))!;
        opened.add(next);
        w.open(next);
      }
      expect(await p).toEqual(data);
      expect(w.state.max).toBe(3);
    }
  });

  it('is unbounded without maxConcurrent: every item starts at once, synchronously', async () => {
    const w = gated<number>();
    const p = asyncParallelMap(w.fn, [1, 2, 3, 4, 5]);
    expect(w.started).toEqual([0, 1, 2, 3, 4]);
    for (let i = 0; i < 5; i++) w.open(i);
    expect(await p).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects with the first error itself, aborts the siblings with a CancelledError caused by it, and starts nothing new', async () => {
    for (const maxConcurrent of [2, Number.POSITIVE_INFINITY]) {
      const w = gated<number>();
      const boom = new Error('boom');
      const items = maxConcurrent === 2 ? [0, 1, 2, 3] : [0, 1];
      const p = asyncParallelMap(w.fn, items, { maxConcurrent });
      const rejected = expect(p).rejects.toBe(boom);
      w.gates.get(1)!.reject(boom);
      await rejected;
      expect(w.started).toEqual([0, 1]);
      expect(w.signals[0]!.aborted).toBe(true);
      const reason = w.signals[0]!.reason as CancelledError;
      expect(reason).toBeInstanceOf(CancelledError);
      expect(reason.cause).toBe(boom);
    }
  });

  it('settles only after in-flight work has settled, even work that ignores its signal', async () => {
    const late = deferred<string>();
    let settled = false;
    const boom = new Error('boom');
    const p = asyncParallelMap((i: number) => (i === 0 ? late.promise : Promise.reject(boom)), [0, 1], {
      maxConcurrent: 2,
    }).catch((e: unknown) => {
      settled = true;
      return e;
    });
    await flush();
    expect(settled).toBe(false);
    late.resolve('finally');
    expect(await p).toBe(boom);
    expect(settled).toBe(true);
  });

  it('calls onError for every failure as it happens, the first included, before it settles, and never for cancellations', async () => {
    const seen: [unknown, number, number][] = [];
    const first = new Error('first');
    const second = new Error('second');
    const stubborn = deferred();
    const p = asyncParallelMap(
      async (_item: number, index, signal) => {
        if (index === 0) throw first;
        if (index === 1) {
          await stubborn.promise; // ignores the abort, then fails on its own
          throw second;
        }
        return neverSettles(signal); // rejects with the abort reason: a cancellation
      },
      [100, 101, 102],
      { maxConcurrent: 3, onError: (error, item, index) => seen.push([error, item, index]) },
    );
    const rejected = expect(p).rejects.toBe(first);
    await flush();
    expect(seen).toEqual([[first, 100, 0]]);
    stubborn.resolve();
    await rejected;
    expect(seen).toEqual([
      [first, 100, 0],
      [second, 101, 1],
    ]);
  });

  it('with stopOnError: false, runs every item and rejects with an AggregateError of every error in input order', async () => {
    const w = gated<number>();
    const errors = [new Error('e0'), new Error('e2')];
    const onError: number[] = [];
    const p = asyncParallelMap(w.fn, [0, 1, 2, 3], {
      maxConcurrent: 2,
      stopOnError: false,
      onError: (_e, _item, index) => onError.push(index),
    });
    const rejected = expect(p).rejects.toBeInstanceOf(AggregateError);
    w.gates.get(1)!.resolve();
    await flush();
    w.gates.get(2)!.reject(errors[1]);
    await flush();
    w.gates.get(0)!.reject(errors[0]);
    await flush();
    w.open(3);
    await rejected;
    const error = (await p.catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toEqual(errors);
    expect(w.started).toEqual([0, 1, 2, 3]);
    expect(w.signals[3]!.aborted).toBe(false);
    expect(onError).toEqual([2, 0]);
  });

  it('rejects with the error of a throwing source once the running items settled, and aborts them', async () => {
    const broken = new Error('source broke');
    for (const kind of ['sync', 'async'] as const) {
      const items =
        kind === 'sync'
          ? (function* () {
              yield 1;
              throw broken;
            })()
          : (async function* () {
              yield 1;
              throw broken;
            })();
      const stubborn = deferred();
      let signal: AbortSignal | undefined;
      let settled = false;
      const p = asyncParallelMap(
        (x: number, _index, s) => {
          signal = s;
          return stubborn.promise.then(() => x); // ignores its signal
        },
        items,
        { maxConcurrent: 2 },
      ).catch((e: unknown) => {
        settled = true;
        return e;
      });
      await flush();
      expect(signal!.aborted).toBe(true);
      expect((signal!.reason as CancelledError).cause).toBe(broken);
      expect(settled).toBe(false);
      stubborn.resolve();
      expect(await p).toBe(broken);
    }
  });

  it('pulls an async generator lazily: never more pulled than started', async () => {
    const w = gated<number>();
    let pulled = 0;
    const source = (async function* () {
      for (let i = 0; i < 6; i++) {
        pulled++;
        yield i;
      }
    })();
    const p = asyncParallelMap(w.fn, source, { maxConcurrent: 2 });
    for (let i = 0; i < 6; i++) {
      await flush();
      expect(pulled).toBe(w.started.length);
      expect(w.started.length).toBe(Math.min(6, i + 2));
      w.open(i);
    }
    expect(await p).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('calls return() on a source it leaves early', async () => {
    let closed = 0;
    const source = (async function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed++;
      }
    })();
    const boom = new Error('boom');
    await expect(
      asyncParallelMap(
        async (i: number) => {
          if (i === 3) throw boom;
          return i;
        },
        source,
        { maxConcurrent: 2 },
      ),
    ).rejects.toBe(boom);
    await flush();
    expect(closed).toBe(1);
  });

  it('rejects with TimeoutError when the whole call outlasts its timeout, aborting the items with it', async () => {
    const clock = fakeClock();
    const signals: AbortSignal[] = [];
    const p = asyncParallelMap(
      (_i: number, _index, signal) => {
        signals.push(signal);
        return neverSettles(signal);
      },
      [1, 2, 3],
      { maxConcurrent: 2, timeout: 100, clock },
    );
    let settled = false;
    const rejected = expect(
      p.finally(() => {
        settled = true;
      }),
    ).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(99);
    expect(settled).toBe(false);
    await clock.advance(1);
    await rejected;
    expect(signals).toHaveLength(2);
    expect(signals[0]!.reason).toBeInstanceOf(TimeoutError);
    expect(clock.pending()).toEqual([]);
  });

  it('clears its timeout timer and its listener on the caller signal when it finishes first', async () => {
    const clock = fakeClock();
    const caller = new AbortController();
    for (const maxConcurrent of [1, Number.POSITIVE_INFINITY]) {
      const options = { timeout: 1000, clock, signal: caller.signal, maxConcurrent };
      expect(await asyncParallelMap((x: number) => x * 2, [1, 2], options)).toEqual([2, 4]);
      expect(clock.pending()).toEqual([]);
    }
    // The leak check after this test also fails on any abort listener left on `caller.signal`.
  });

  it('waits for one limiter token per item before starting it', async () => {
    const tokens: Deferred<void>[] = [];
    const acquired: [number, AbortSignal][] = [];
    const limiter = {
      acquire(n: number, options: { signal: AbortSignal }) {
        acquired.push([n, options.signal]);
        const token = deferred();
        tokens.push(token);
        return token.promise;
      },
    };
    const started: number[] = [];
    const p = asyncParallelMap(
      (x: number) => {
        started.push(x);
        return x;
      },
      [7, 8, 9],
      { maxConcurrent: 3, limiter },
    );
    await flush();
    expect(acquired.map((a) => a[0])).toEqual([1, 1, 1]);
    expect(acquired[0]![1]).toBeInstanceOf(AbortSignal);
    expect(started).toEqual([]);
    tokens[1]!.resolve();
    await flush();
    expect(started).toEqual([8]);
    tokens[0]!.resolve();
    tokens[2]!.resolve();
    expect(await p).toEqual([7, 8, 9]);
  });

  it('rejects with the caller signal reason unchanged after in-flight work settled, and aborts the items with it', async () => {
    const controller = new AbortController();
    const w = gated<number>();
    const reason = { why: 'user left' };
    const stubborn = deferred();
    const p = asyncParallelMap(
      (item: number, index, signal) =>
        index === 0 ? stubborn.promise.then(() => item) : w.fn(item, index, signal),
      [0, 1, 2, 3],
      { maxConcurrent: 2, signal: controller.signal },
    );
    let settled = false;
    const rejected = expect(
      p.finally(() => {
        settled = true;
      }),
    ).rejects.toBe(reason);
    controller.abort(reason);
    await flush();
    expect(w.signals[1]!.reason).toBe(reason);
    expect(settled).toBe(false);
    stubborn.resolve();
    await rejected;
    expect(w.started).toEqual([1]);
  });

  it('rejects at once without calling fn when the signal is already aborted', async () => {
    let calls = 0;
    await expect(asyncParallelMap(() => calls++, [1], { signal: AbortSignal.abort('gone') })).rejects.toBe(
      'gone',
    );
    expect(calls).toBe(0);
  });

  it('stops calling fn after a synchronous throw on the unbounded path', async () => {
    const calls: number[] = [];
    const boom = new Error('sync');
    await expect(
      asyncParallelMap(
        (x: number) => {
          calls.push(x);
          if (x === 1) throw boom;
          return x;
        },
        [0, 1, 2, 3],
      ),
    ).rejects.toBe(boom);
    expect(calls).toEqual([0, 1]);
  });

  it('reports every error of the unbounded path too, in input order, with stopOnError: false', async () => {
    const seen: number[] = [];
    const p = asyncParallelMap(
      async (x: number) => {
        if (x % 2 === 1) throw new Error(`odd ${x}`);
        return x;
      },
      new Set([0, 1, 2, 3, 4, 5]),
      { stopOnError: false, onError: (_e, item) => seen.push(item) },
    );
    const error = (await p.catch((e: unknown) => e)) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors.map((e: Error) => e.message)).toEqual(['odd 1', 'odd 3', 'odd 5']);
    expect(seen).toEqual([1, 3, 5]);
  });

  it('rejects with an error thrown by onError', async () => {
    const hook = new Error('hook broke');
    await expect(
      asyncParallelMap(
        (x: number) => {
          if (x === 1) throw new Error('item');
          return x;
        },
        [0, 1, 2],
        {
          stopOnError: false,
          onError: () => {
            throw hook;
          },
        },
      ),
    ).rejects.toBe(hook);
  });

  it('rejects with an error thrown by onError with stopOnError too, bounded or not, as mapAsync does', async () => {
    const hook = new Error('hook broke');
    for (const maxConcurrent of [2, Number.POSITIVE_INFINITY])
      await expect(
        asyncParallelMap(
          (x: number) => {
            if (x === 1) throw new Error('item');
            return x;
          },
          [0, 1, 2],
          {
            maxConcurrent,
            onError: () => {
              throw hook;
            },
          },
        ),
      ).rejects.toBe(hook);
  });

  it('resolves an empty input to an empty array', async () => {
    expect(await asyncParallelMap((x: number) => x, [])).toEqual([]);
    expect(await asyncParallelMap((x: number) => x, new Set<number>(), { maxConcurrent: 2 })).toEqual([]);
  });

  it('throws synchronously on bad input, naming the option and value', async () => {
    const fn = (x: number) => x;
    expect(() => asyncParallelMap('nope' as never, [1])).toThrow(TypeError);
    expect(() => asyncParallelMap(fn, 42 as never)).toThrow(/items must be an Iterable/);
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => asyncParallelMap(fn, [1], { maxConcurrent: bad })).toThrow(RangeError);
    expect(() => asyncParallelMap(fn, [1], { maxConcurrent: 0 })).toThrow(/maxConcurrent.*0/);
    expect(() => asyncParallelMap(fn, [1], { maxConcurrent: '2' as never })).toThrow(TypeError);
    expect(() => asyncParallelMap(fn, [1], { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => asyncParallelMap(fn, [1], { stopOnError: 'yes' as never })).toThrow(/stopOnError/);
    expect(() => asyncParallelMap(fn, [1], { limiter: {} as never })).toThrow(/limiter/);
    expect(() => asyncParallelMap(fn, [1], { onError: 1 as never })).toThrow(/onError/);
    expect(() => asyncParallelMap(fn, [1], { signal: {} as never })).toThrow(/signal/);
    await expect(asyncParallelMap(fn, [1], { maxConcurrent: Number.POSITIVE_INFINITY })).resolves.toEqual([
      1,
    ]);
  });
});
