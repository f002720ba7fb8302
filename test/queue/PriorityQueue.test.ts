import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueueShutDownError } from '../../src/core/errors.js';
import { PriorityQueue } from '../../src/queue/PriorityQueue.js';
import { Queue } from '../../src/queue/Queue.js';

function drain<T>(queue: PriorityQueue<T>): T[] {
  const out: T[] = [];
  while (!queue.empty) out.push(queue.getNowait());
  return out;
}

describe('PriorityQueue', () => {
  it('hands out the smallest number first by default', () => {
    const queue = new PriorityQueue<number>();
    for (const n of [5, 1, 4, 1, 3, 9, 2, 6]) queue.putNowait(n);
    expect(drain(queue)).toEqual([1, 1, 2, 3, 4, 5, 6, 9]);
  });

  it('orders strings by < by default', () => {
    const queue = new PriorityQueue<string>();
    for (const s of ['pear', 'apple', 'fig']) queue.putNowait(s);
    expect(drain(queue)).toEqual(['apple', 'fig', 'pear']);
  });

  it('orders [priority, item] tuples element by element, FIFO among equal priorities whatever the item', () => {
    const queue = new PriorityQueue<[number, { id: string }]>();
    const entries: [number, { id: string }][] = [
      [2, { id: 'c' }],
      [1, { id: 'a' }],
      [2, { id: 'd' }],
      [1, { id: 'b' }],
      [0, { id: 'first' }],
      [2, { id: 'e' }],
    ];
    for (const e of entries) queue.putNowait(e);
    expect(drain(queue).map(([, item]) => item.id)).toEqual(['first', 'a', 'b', 'c', 'd', 'e']);
  });

  it('compares tuples past the first element and puts a shorter prefix first', () => {
    const queue = new PriorityQueue<(number | string)[]>();
    for (const e of [[1, 'b'], [1, 'a'], [1], [0, 'z']]) queue.putNowait(e);
    expect(drain(queue)).toEqual([[0, 'z'], [1], [1, 'a'], [1, 'b']]);
  });

  it('uses a custom compare and keeps FIFO order among items it calls equal', () => {
    const queue = new PriorityQueue<{ deadline: number; name: string }>({
      compare: (a, b) => a.deadline - b.deadline,
    });
    const names = ['late', 'soon-1', 'mid', 'soon-2', 'soon-3'];
    const deadlines = [30, 10, 20, 10, 10];
    for (const [i, name] of names.entries()) queue.putNowait({ deadline: deadlines[i]!, name });
    expect(drain(queue).map((j) => j.name)).toEqual(['soon-1', 'soon-2', 'soon-3', 'mid', 'late']);
  });

  it('keeps FIFO order among many equal items across interleaved puts and gets', () => {
    const queue = new PriorityQueue<[number, number]>();
    const out: number[] = [];
    let seq = 0;
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 7; k++) queue.putNowait([round % 3, seq++]);
      for (let k = 0; k < 4; k++) out.push(queue.getNowait()[1]);
    }
    const rest = drain(queue);
    // Every item with the same priority comes out in the order it went in.
    const byPriority = new Map<number, number[]>();
    for (const [p, s] of rest) byPriority.set(p, [...(byPriority.get(p) ?? []), s]);
    for (const seqs of byPriority.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(out.length + rest.length).toBe(350);
  });

  it('matches a stable sort model under any sequence of puts and gets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 4 }), { freq: 3 }), { maxLength: 60 }),
        (ops) => {
          const queue = new PriorityQueue<[number, number]>();
          const model: [number, number][] = [];
          ops.forEach((op, seq) => {
            if (op === null) {
              if (model.length === 0) return;
              let best = 0;
              for (let i = 1; i < model.length; i++) if (model[i]![0] < model[best]![0]) best = i;
              expect(queue.getNowait()).toEqual(model.splice(best, 1)[0]);
            } else {
              queue.putNowait([op, seq]);
              model.push([op, seq]);
            }
            expect(queue.size).toBe(model.length);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a waiting getter receives the put item, and a get from a full queue admits a waiting putter', async () => {
    const queue = new PriorityQueue<number>({ maxsize: 2 });
    const waiting = queue.get();
    await queue.put(9);
    expect(await waiting).toBe(9);
    queue.putNowait(5);
    queue.putNowait(3);
    const putter = queue.put(1);
    expect(queue.getNowait()).toBe(3);
    await putter;
    expect(drain(queue)).toEqual([1, 5]);
  });

  it('is a Queue: shutdown drains the remaining items in priority order, then rejects', async () => {
    const queue = new PriorityQueue<number>();
    expect(queue).toBeInstanceOf(Queue);
    queue.putNowait(2);
    queue.putNowait(1);
    queue.shutdown();
    const seen: number[] = [];
    for await (const n of queue) seen.push(n);
    expect(seen).toEqual([1, 2]);
    await expect(queue.get()).rejects.toBeInstanceOf(QueueShutDownError);
  });

  it('rejects a compare that is not a function and a bad maxsize', () => {
    expect(() => new PriorityQueue({ compare: 5 as unknown as () => number })).toThrow(/compare/);
    expect(() => new PriorityQueue({ compare: 5 as unknown as () => number })).toThrow(TypeError);
    expect(() => new PriorityQueue({ maxsize: -2 })).toThrow(RangeError);
  });
});

describe('PriorityQueue, as SPEC states it', () => {
  it('gives the smallest number or string first', () => {
    const nums = new PriorityQueue<number>();
    for (const n of [5, 1, 4, 2, 3]) nums.putNowait(n);
    expect([1, 2, 3, 4, 5].map(() => nums.getNowait())).toEqual([1, 2, 3, 4, 5]);
    const strs = new PriorityQueue<string>();
    for (const s of ['pear', 'apple', 'fig']) strs.putNowait(s);
    expect([0, 1, 2].map(() => strs.getNowait())).toEqual(['apple', 'fig', 'pear']);
  });

  it('orders asyncio [priority, item] arrays element by element, FIFO among equals', () => {
    const q = new PriorityQueue<[number, unknown]>();
    const x = { id: 'x' };
    const y = { id: 'y' };
    q.putNowait([5, 'later']);
    q.putNowait([1, x]);
    q.putNowait([1, y]);
    q.putNowait([0, 'b']);
    q.putNowait([0, 'a']);
    expect([0, 1, 2, 3, 4].map(() => q.getNowait())).toEqual([
      [0, 'a'],
      [0, 'b'],
      [1, x],
      [1, y],
      [5, 'later'],
    ]);
  });

  it('keeps FIFO order among items a custom compare finds equal', () => {
    const q = new PriorityQueue<{ p: number; n: string }>({ compare: (a, b) => a.p - b.p });
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    names.forEach((n, i) => {
      q.putNowait({ p: i % 2, n });
    });
    expect(names.map(() => q.getNowait().n)).toEqual(['a', 'c', 'e', 'g', 'b', 'd', 'f', 'h']);
    expect(() => new PriorityQueue({ compare: 3 as never })).toThrow(TypeError);
  });
});
