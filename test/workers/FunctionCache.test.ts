import { describe, expect, it } from 'vitest';
import { FunctionCache } from '../../src/workers/FunctionCache.js';

describe('FunctionCache (the exec functions a pool remembers)', () => {
  it('gives the same source the same id, and a new source a new one', () => {
    const cache = new FunctionCache(4, () => undefined);
    const a = cache.get('(x) => x');
    expect(cache.get('(x) => x')).toBe(a);
    expect(cache.get('(x) => x + 1').id).not.toBe(a.id);
    expect(cache.size).toBe(2);
  });

  it('past its capacity forgets the least recently used function, never one used since', () => {
    const forgotten: number[] = [];
    const cache = new FunctionCache(3, (id) => forgotten.push(id));
    const a = cache.get('a');
    const b = cache.get('b');
    cache.get('c');
    cache.get('a'); // a is now the most recently used: b is the oldest
    cache.get('d');
    expect(forgotten).toEqual([b.id]);
    expect(cache.size).toBe(3);
    expect(cache.has(a)).toBe(true);
    expect(cache.has(b)).toBe(false);
  });

  it('never reuses an id: a forgotten source that comes back gets a new one', () => {
    const forgotten: number[] = [];
    const cache = new FunctionCache(1, (id) => forgotten.push(id));
    const first = cache.get('a');
    cache.get('b');
    const again = cache.get('a');
    expect(again.id).not.toBe(first.id);
    expect(cache.has(first)).toBe(false);
    expect(cache.has(again)).toBe(true);
    expect(forgotten).toHaveLength(2);
  });
});
