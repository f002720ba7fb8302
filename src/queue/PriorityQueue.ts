import { assertFunction } from '../core/validate.js';
import { BinaryHeap, defaultCompare } from './BinaryHeap.js';
import { Queue, type QueueOptions } from './Queue.js';
import type { QueueStorage } from './storage.js';

/** Options of {@link PriorityQueue}. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders the items: negative when `a` comes out before `b`, positive when after, 0 when equal (equal items
   * keep insertion order). It must not throw.
   * @default numbers and strings by `<`; arrays such as `[priority, item]` element by element
   */
  compare?: ((a: T, b: T) => number) | undefined;
}

/**
 * A {@link Queue} that hands out the smallest item first (asyncio.PriorityQueue), FIFO among items that
 * compare equal. Everything else (waiting, `taskDone()`/`join()`, shutdown, iteration) is `Queue`'s.
 * The default order takes asyncio's `[priority, item]` tuples, element by element: `[1, 'urgent']` comes out
 * before `[5, 'later']`, and `[1, 'a']` before `[1, 'b']`; entries that compare equal (the same priority and
 * items `<` cannot order, such as objects) come out in the order they were put.
 * Note the direction: the smallest priority first, unlike the executor's `priority` (higher first).
 * @throws TypeError (from the constructor) if `compare` is not a function; RangeError for a bad `maxsize`.
 * @example
 * ```ts
 * const queue = new PriorityQueue<[number, string]>();
 * await queue.put([5, 'later']);
 * await queue.put([1, 'urgent']);
 * (await queue.get())[1]; // 'urgent'
 *
 * const byDeadline = new PriorityQueue<Job>({ compare: (a, b) => a.deadline - b.deadline });
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /** @throws TypeError if `compare` is not a function; RangeError for a bad `maxsize`. */
  constructor(options?: PriorityQueueOptions<T>) {
    super(options);
  }

  protected override createStorage(options: PriorityQueueOptions<T>): QueueStorage<T> {
    const compare = options.compare ?? defaultCompare;
    assertFunction(`${this.constructor.name} options.compare`, compare);
    return new BinaryHeap<T>(compare);
  }
}
