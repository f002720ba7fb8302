import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/queue/Queue.js';

describe('Queue events', () => {
  it('reports every item that enters and leaves, including direct hand-offs and admitted putters', async () => {
    const queue = new Queue<string>({ maxsize: 1 });
    const seen: string[] = [];
    queue.on('put', ({ item }) => seen.push(`put ${item}`));
    queue.on('get', ({ item }) => seen.push(`get ${item}`));
    const waitingGetter = queue.get();
    await queue.put('a'); // handed straight to the waiting getter
    expect(await waitingGetter).toBe('a');
    await queue.put('b'); // stored
    const blockedPut = queue.put('c'); // waits: the queue is full
    expect(queue.getNowait()).toBe('b'); // frees the slot: 'c' is admitted
    await blockedPut;
    expect(await queue.get()).toBe('c');
    expect(seen).toEqual(['put a', 'get a', 'put b', 'get b', 'put c', 'get c']);
  });

  it('reports a shutdown with the number of items an immediate one dropped', () => {
    const queue = new Queue<number>();
    const shutdowns: unknown[] = [];
    queue.on('shutdown', (e) => shutdowns.push(e));
    queue.putNowait(1);
    queue.putNowait(2);
    queue.shutdown({ immediate: true });
    expect(shutdowns).toEqual([{ immediate: true, dropped: 2 }]);
  });

  it('stops calling a listener once it unsubscribed', () => {
    const queue = new Queue<number>();
    let puts = 0;
    const off = queue.on('put', () => {
      puts++;
    });
    queue.putNowait(1);
    off();
    queue.putNowait(2);
    expect(puts).toBe(1);
  });

  it('throws TypeError for a listener that is not a function', () => {
    expect(() => new Queue().on('put', 5 as never)).toThrow(TypeError);
  });
});
