import { describe, expect, it } from 'vitest';
import { asyncParallelMap } from '../../src/parallel/asyncParallelMap.js';
import { gated } from '../support/conformance/maps.js';

// The behaviours asyncParallelMap shares with the other maps are tested in maps.conformance.test.ts.
describe('asyncParallelMap', () => {
  it('is unbounded without maxConcurrent: every item starts at once, synchronously', async () => {
    const w = gated<number>();
    const p = asyncParallelMap(w.fn, [1, 2, 3, 4, 5]);
    expect(w.started).toEqual([0, 1, 2, 3, 4]);
    for (let i = 0; i < 5; i++) w.open(i);
    expect(await p).toEqual([1, 2, 3, 4, 5]);
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
