import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/errors.js';
import { asyncParallelFilter } from '../../src/parallel/asyncParallelFilter.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles } from '../support/work.js';

describe('asyncParallelFilter', () => {
  it('keeps the items whose predicate result is truthy, in input order', async () => {
    const verdicts: unknown[] = [1, 0, 'yes', '', {}, null, true, undefined];
    const items = verdicts.map((_, i) => `item${i}`);
    const gates = verdicts.map(() => deferred());
    const p = asyncParallelFilter(
      (_item: string, index) => gates[index]!.promise.then(() => verdicts[index]),
      items,
      {
        maxConcurrent: 3,
      },
    );
    for (const i of [2, 0, 1, 5, 4, 3, 7, 6]) {
      gates[i]!.resolve();
      await flush();
    }
    expect(await p).toEqual(['item0', 'item2', 'item4', 'item6']);
  });

  it('filters iterables and async iterables, bounded and unbounded', async () => {
    const even = (x: number) => x % 2 === 0;
    const data = [1, 2, 3, 4, 5, 6];
    async function* gen() {
      yield* data;
    }
    expect(await asyncParallelFilter(even, new Set(data))).toEqual([2, 4, 6]);
    expect(await asyncParallelFilter(even, data.values(), { maxConcurrent: 2 })).toEqual([2, 4, 6]);
    expect(await asyncParallelFilter(even, gen(), { maxConcurrent: 2 })).toEqual([2, 4, 6]);
    expect(await asyncParallelFilter(even, gen())).toEqual([2, 4, 6]);
  });

  it('passes (item, index, signal) to the predicate and bounds concurrency like the map', async () => {
    let running = 0;
    let max = 0;
    const calls: [string, number, boolean][] = [];
    const out = await asyncParallelFilter(
      async (item: string, index, signal) => {
        calls.push([item, index, signal instanceof AbortSignal]);
        running++;
        max = Math.max(max, running);
        await flush();
        running--;
        return item !== 'b';
      },
      ['a', 'b', 'c', 'd'],
      { maxConcurrent: 2 },
    );
    expect(out).toEqual(['a', 'c', 'd']);
    expect(max).toBe(2);
    expect(calls).toEqual([
      ['a', 0, true],
      ['b', 1, true],
      ['c', 2, true],
      ['d', 3, true],
    ]);
  });

  it('rejects with the first error and aborts the other predicates, as the map does', async () => {
    const boom = new Error('boom');
    const signals: AbortSignal[] = [];
    const errors: unknown[] = [];
    await expect(
      asyncParallelFilter(
        (x: number, _i, signal) => {
          signals.push(signal);
          if (x === 2) return Promise.reject(boom);
          return neverSettles(signal);
        },
        [1, 2, 3],
        { maxConcurrent: 2, onError: (e) => errors.push(e) },
      ),
    ).rejects.toBe(boom);
    expect(signals).toHaveLength(2);
    expect(signals[0]!.reason).toBeInstanceOf(CancelledError);
    expect(errors).toEqual([boom]);
  });

  it('honours timeout and stopOnError: false', async () => {
    const clock = fakeClock();
    const p = asyncParallelFilter((_x: number, _i, signal) => neverSettles(signal), [1], {
      timeout: 50,
      clock,
    });
    const timedOut = expect(p).rejects.toMatchObject({ name: 'TimeoutError' });
    await clock.advance(50);
    await timedOut;
    const failing = asyncParallelFilter(
      (x: number) => {
        if (x > 1) throw new Error(`bad ${x}`);
        return true;
      },
      [1, 2, 3],
      { stopOnError: false },
    );
    const error = (await failing.catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: Error) => e.message)).toEqual(['bad 2', 'bad 3']);
  });

  it('throws synchronously on bad input', () => {
    expect(() => asyncParallelFilter(null as never, [1])).toThrow(
      /asyncParallelFilter fn must be a function/,
    );
    expect(() => asyncParallelFilter(Boolean, {} as never)).toThrow(TypeError);
    expect(() => asyncParallelFilter(Boolean, [1], { maxConcurrent: -2 })).toThrow(/maxConcurrent/);
  });
});
