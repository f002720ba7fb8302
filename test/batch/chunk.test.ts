import { describe, expect, it } from 'vitest';
import { chunk } from '../../src/batch/chunk.js';

/** A sync source that records how many items were pulled and whether return() was called. */
function counted(n: number) {
  const log = { pulled: 0, returned: false };
  const iterable: Iterable<number> = {
    [Symbol.iterator]() {
      let i = 0;
      return {
        next: () => {
          if (i >= n) return { done: true, value: undefined };
          log.pulled++;
          return { done: false, value: i++ };
        },
        return: () => {
          log.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { iterable, log };
}

function countedAsync(n: number) {
  const log = { pulled: 0, returned: false };
  const iterable: AsyncIterable<number> = {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: async () => {
          if (i >= n) return { done: true, value: undefined };
          log.pulled++;
          return { done: false, value: i++ };
        },
        return: async () => {
          log.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { iterable, log };
}

describe('chunk', () => {
  it('splits an Iterable into arrays of size items, the last one shorter', () => {
    const out = chunk([1, 2, 3, 4, 5], 2);
    expect(Symbol.iterator in out).toBe(true);
    expect([...out]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...chunk([], 3)]).toEqual([]);
    expect([...chunk([1, 2, 3], 3)]).toEqual([[1, 2, 3]]);
    // An array source can be chunked once and iterated twice.
    expect([...out]).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('returns an AsyncIterable for an AsyncIterable', async () => {
    async function* gen() {
      yield* [1, 2, 3, 4, 5, 6, 7];
    }
    const out = chunk(gen(), 3);
    expect(Symbol.asyncIterator in out).toBe(true);
    expect(Symbol.iterator in out).toBe(false);
    const got: number[][] = [];
    for await (const c of out) got.push(c);
    expect(got).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('pulls only the items of the chunks it yields', async () => {
    const { iterable, log } = counted(100);
    const it = chunk(iterable, 4)[Symbol.iterator]();
    expect(log.pulled).toBe(0);
    expect(it.next().value).toEqual([0, 1, 2, 3]);
    expect(log.pulled).toBe(4);
    const a = countedAsync(100);
    const ait = chunk(a.iterable, 4)[Symbol.asyncIterator]();
    expect((await ait.next()).value).toEqual([0, 1, 2, 3]);
    expect(a.log.pulled).toBe(4);
    await ait.return?.();
    expect(a.log.returned).toBe(true);
  });

  it('calls return() on the source when the consumer stops early', async () => {
    const { iterable, log } = counted(100);
    for (const c of chunk(iterable, 3)) if (c[0] === 3) break;
    expect(log).toEqual({ pulled: 6, returned: true });
    const a = countedAsync(100);
    for await (const c of chunk(a.iterable, 5)) if (c[0] === 0) break;
    expect(a.log).toEqual({ pulled: 5, returned: true });
  });

  it('passes a source error through to the consumer', async () => {
    const boom = new Error('read failed');
    function* failing() {
      yield 1;
      throw boom;
    }
    expect(() => [...chunk(failing(), 2)]).toThrow(boom);
    async function* failingAsync() {
      yield 1;
      throw boom;
    }
    const consume = async () => {
      for await (const _ of chunk(failingAsync(), 2));
    };
    await expect(consume()).rejects.toBe(boom);
  });

  it('throws synchronously for a size that is not an integer >= 1, or a source that is not iterable', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
    expect(() => chunk([1], 1.5)).toThrow(/chunk size.*1\.5/);
    expect(() => chunk([1], Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => chunk([1], Number.NaN)).toThrow(RangeError);
    expect(() => chunk([1], '2' as never)).toThrow(TypeError);
    expect(() => chunk(42 as never, 2)).toThrow(/chunk source/);
  });
});

describe('chunk, as SPEC states it', () => {
  it('returns an Iterable of arrays of size items for an Iterable, the last one shorter', () => {
    const result = chunk([1, 2, 3, 4, 5], 2);
    expect(typeof (result as Iterable<number[]>)[Symbol.iterator]).toBe('function');
    expect(Symbol.asyncIterator in result).toBe(false);
    expect([...result]).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('returns an AsyncIterable for an AsyncIterable', async () => {
    async function* source() {
      for (let i = 1; i <= 5; i++) yield i;
    }
    const result = chunk(source(), 3);
    expect(typeof result[Symbol.asyncIterator]).toBe('function');
    expect(Symbol.iterator in result).toBe(false);
    const out: number[][] = [];
    for await (const c of result) out.push(c);
    expect(out).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('pulls only the items of the chunk it is asked for', () => {
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const it = chunk(source(), 4)[Symbol.iterator]();
    expect(it.next().value).toEqual([0, 1, 2, 3]);
    expect(pulled).toBe(4);
    it.return?.();
  });

  it('requires size to be an integer >= 1, synchronously', () => {
    for (const size of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => chunk([1], size)).toThrow(RangeError);
    expect(() => chunk([1], '2' as never)).toThrow(TypeError);
    expect(() => chunk(42 as never, 2)).toThrow(TypeError);
  });
});
