import { describe, expect, it } from 'vitest';
import { asyncParallelFilter } from '../../src/parallel/asyncParallelFilter.js';
import { deferred, flush } from '../support/work.js';

// The behaviours asyncParallelFilter shares with the other maps are tested in maps.conformance.test.ts.
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

  it('throws synchronously on bad input', () => {
    expect(() => asyncParallelFilter(null as never, [1])).toThrow(
      /asyncParallelFilter fn must be a function/,
    );
    expect(() => asyncParallelFilter(Boolean, {} as never)).toThrow(TypeError);
    expect(() => asyncParallelFilter(Boolean, [1], { maxConcurrent: -2 })).toThrow(/maxConcurrent/);
  });
});
