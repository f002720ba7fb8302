/**
 * What SPEC says of asyncParallelMap, asyncParallelFilter and asyncParallelMapStream, and of timeouts of 0 on
 * composites, sentence by sentence, tested through the public `ferris` entry (moved from test/acceptance/).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AsyncExecutor,
  asCompleted,
  asyncParallelFilter,
  asyncParallelMap,
  asyncParallelMapStream,
  CancelledError,
  sleep,
  TimeoutError,
  taskGroup,
  wait,
} from 'ferris';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, track } from '../support/work.js';

describe('asyncParallelMap and asyncParallelFilter, as SPEC states them', () => {
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

describe('asyncParallelMapStream, as SPEC states it', () => {
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

describe('timeouts of 0 on the maps, wait, asCompleted and submitAsync, as SPEC states them', () => {
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
