import { createSharedArray, sharedArray, WorkerPool } from 'ferris/workers';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { TASKS, trackThreads, untilChanged } from './threads.js';

trackThreads();

describe('createSharedArray', () => {
  it('creates a TypedArray over a new SharedArrayBuffer, by name or by class', () => {
    const a = createSharedArray('int32', 4);
    expect(a).toBeInstanceOf(Int32Array);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(a)).toEqual([0, 0, 0, 0]);
    const b = createSharedArray(Float64Array, [1.5, 2.5]);
    expect(b).toBeInstanceOf(Float64Array);
    expect(Array.from(b)).toEqual([1.5, 2.5]);
    const c = createSharedArray('biguint64', [1n, 2n]);
    expect(c.add(1, 5n)).toBe(2n);
    expect(c.load(1)).toBe(7n);
    expectTypeOf(c.load(0)).toEqualTypeOf<bigint>();
  });

  it('offers the atomic helpers add, load, store, compareExchange, wait and notify', () => {
    const a = createSharedArray('int32', 2);
    expect(a.add(0, 5)).toBe(0);
    expect(a.load(0)).toBe(5);
    expect(a.store(1, 9)).toBe(9);
    expect(a.compareExchange(1, 9, 10)).toBe(9);
    expect(a.compareExchange(1, 9, 11)).toBe(10);
    expect(a.wait(0, 4, 0)).toBe('not-equal');
    expect(a.wait(0, 5, 0)).toBe('timed-out');
    expect(a.notify(0)).toBe(0);
    expect(Object.keys(a)).toEqual(['0', '1']); // the helpers are not enumerable
  });

  it('throws on an unknown type or a bad length, naming the value', () => {
    expect(() => createSharedArray('int33' as 'int32', 1)).toThrow(
      /type must be a TypedArray class or one of/,
    );
    expect(() => createSharedArray(Array as unknown as Int32ArrayConstructor, 1)).toThrow(TypeError);
    expect(() => createSharedArray('int32', -1)).toThrow(RangeError);
    expect(() => createSharedArray('int32', 1.5)).toThrow(/integer >= 0, got 1.5/);
    expect(() => createSharedArray('int32', null as unknown as number)).toThrow(TypeError);
  });

  it('sharedArray() gives a shared view the helpers, and refuses a non-shared one', () => {
    const view = sharedArray(new Int16Array(new SharedArrayBuffer(4)));
    expect(view.add(1, 3)).toBe(0);
    expect(view.load(1)).toBe(3);
    expect(() => sharedArray(new Int16Array(2))).toThrow(/over a SharedArrayBuffer/);
  });

  it('is shared with worker threads without copying: 4 workers accumulate exact totals', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 4 });
    const shared = createSharedArray('int32', 2);
    const n = 10_000;
    const counts = await Promise.all([0, 1, 2, 3].map(() => pool.run('accumulate', { shared, n })));
    expect(counts).toEqual([n, n, n, n]);
    expect(shared.load(0)).toBe(4 * ((n * (n + 1)) / 2));
    expect(shared.load(1)).toBe(4 * n);
  });

  it('wakes a worker blocked in Atomics.wait when the main thread notifies', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const flag = createSharedArray('int32', 2);
    const task = pool.run('gate', { flag, value: 'woke' });
    await untilChanged(flag, 0, 0);
    flag.store(1, 1);
    flag.notify(1);
    expect(await task).toBe('woke');
  });
});
