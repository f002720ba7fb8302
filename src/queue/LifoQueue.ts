import { Queue, type QueueOptions } from './Queue.js';
import { type QueueStorage, Stack } from './storage.js';

/** Options of {@link LifoQueue}: those of {@link Queue}. */
export type LifoQueueOptions = QueueOptions;

/**
 * A {@link Queue} that hands out the item put most recently first (asyncio.LifoQueue), for depth-first work
 * such as crawling. Waiting, `taskDone()`/`join()`, shutdown and iteration are `Queue`'s.
 * @throws RangeError (from the constructor) for a bad `maxsize`.
 * @example
 * ```ts
 * const stack = new LifoQueue<string>();
 * await stack.put('a');
 * await stack.put('b');
 * await stack.get(); // 'b'
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  protected override createStorage(_options: LifoQueueOptions): QueueStorage<T> {
    return new Stack<T>();
  }
}
