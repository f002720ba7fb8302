import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/core/RingBuffer.js';

describe('RingBuffer', () => {
  it('hands items out first in, first out, and undefined once empty', () => {
    const ring = new RingBuffer<number>();
    for (let i = 0; i < 5; i++) ring.push(i);
    expect(ring.size).toBe(5);
    expect(ring.peek()).toBe(0);
    expect([ring.shift(), ring.shift(), ring.shift(), ring.shift(), ring.shift()]).toEqual([0, 1, 2, 3, 4]);
    expect(ring.size).toBe(0);
    expect(ring.shift()).toBeUndefined();
    expect(ring.pop()).toBeUndefined();
    expect(ring.peek()).toBeUndefined();
  });

  it('grows past its initial capacity while wrapped around, keeping the order', () => {
    const ring = new RingBuffer<number>(16);
    // Move the head away from index 0 so the growth copies a wrapped-around ring.
    for (let i = 0; i < 10; i++) ring.push(i);
    for (let i = 0; i < 10; i++) ring.shift();
    for (let i = 0; i < 100; i++) ring.push(i);
    expect(ring.size).toBe(100);
    expect([...ring]).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (let i = 0; i < 100; i++) expect(ring.shift()).toBe(i);
  });

  it('works as a stack with unshift and pop (LIFO use), across the wrap point', () => {
    const ring = new RingBuffer<string>();
    ring.unshift('b');
    ring.unshift('a');
    ring.push('c');
    expect([...ring]).toEqual(['a', 'b', 'c']);
    expect(ring.pop()).toBe('c');
    expect(ring.pop()).toBe('b');
    expect(ring.shift()).toBe('a');
    for (let i = 0; i < 40; i++) ring.unshift(String(i));
    expect(ring.size).toBe(40);
    expect(ring.peek()).toBe('39');
    expect(ring.pop()).toBe('0');
  });

  it('clear() empties it and drops its references to the items', () => {
    const ring = new RingBuffer<object>();
    const item = {};
    ring.push(item);
    ring.push({});
    ring.clear();
    expect(ring.size).toBe(0);
    expect([...ring]).toEqual([]);
    ring.push(item);
    expect(ring.shift()).toBe(item);
  });

  it('rounds an initial capacity up and still accepts more items than asked for', () => {
    const ring = new RingBuffer<number>(20);
    for (let i = 0; i < 33; i++) ring.push(i);
    expect(ring.size).toBe(33);
    expect(ring.shift()).toBe(0);
    expect(ring.pop()).toBe(32);
  });

  it('behaves like an array used as a deque, for any sequence of operations', () => {
    type Op = { kind: 'push' | 'unshift'; value: number } | { kind: 'shift' | 'pop' | 'clear' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constantFrom('push' as const, 'unshift' as const), value: fc.integer() }),
      fc.record({ kind: fc.constantFrom('shift' as const, 'pop' as const) }),
      fc.constant({ kind: 'clear' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const ring = new RingBuffer<number>();
        const model: number[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            ring.push(o.value);
            model.push(o.value);
          } else if (o.kind === 'unshift') {
            ring.unshift(o.value);
            model.unshift(o.value);
          } else if (o.kind === 'shift') expect(ring.shift()).toBe(model.shift());
          else if (o.kind === 'pop') expect(ring.pop()).toBe(model.pop());
          else {
            ring.clear();
            model.length = 0;
          }
          expect(ring.size).toBe(model.length);
          expect(ring.peek()).toBe(model[0]);
        }
        expect([...ring]).toEqual(model);
      }),
      { numRuns: 200 },
    );
  });
});
