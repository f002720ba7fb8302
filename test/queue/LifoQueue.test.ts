import { describe, expect, it } from 'vitest';
import { QueueFullError, QueueShutDownError } from '../../src/core/errors.js';
import { LifoQueue } from '../../src/queue/LifoQueue.js';
import { Queue } from '../../src/queue/Queue.js';

describe('LifoQueue', () => {
  it('hands out the item put most recently first', async () => {
    const queue = new LifoQueue<string>();
    await queue.put('a');
    await queue.put('b');
    await queue.put('c');
    expect(await queue.get()).toBe('c');
    await queue.put('d');
    expect([queue.getNowait(), queue.getNowait(), queue.getNowait()]).toEqual(['d', 'b', 'a']);
  });

  it('waits while full and admits the waiting putter on top when a get frees a slot', async () => {
    const queue = new LifoQueue<number>({ maxsize: 2 });
    queue.putNowait(1);
    queue.putNowait(2);
    expect(() => queue.putNowait(3)).toThrow(QueueFullError);
    const putter = queue.put(3);
    expect(queue.getNowait()).toBe(2);
    await putter;
    expect([queue.getNowait(), queue.getNowait()]).toEqual([3, 1]);
  });

  it('is a Queue: taskDone, join and shutdown behave the same', async () => {
    const queue = new LifoQueue<number>();
    expect(queue).toBeInstanceOf(Queue);
    queue.putNowait(1);
    queue.putNowait(2);
    queue.shutdown({ immediate: true });
    await queue.join();
    await expect(queue.get()).rejects.toBeInstanceOf(QueueShutDownError);
    expect(() => new LifoQueue({ maxsize: 0.5 })).toThrow(RangeError);
  });
});

describe('LifoQueue, as SPEC states it', () => {
  it('LifoQueue gives the item put most recently first and shares Queue semantics', async () => {
    const q = new LifoQueue<number>({ maxsize: 2 });
    q.putNowait(1);
    q.putNowait(2);
    expect(() => q.putNowait(3)).toThrow(QueueFullError);
    expect(q.getNowait()).toBe(2);
    expect(await q.get()).toBe(1);
    q.taskDone();
    q.taskDone();
    expect(() => q.taskDone()).toThrow(RangeError);
  });
});
