/**
 * Where a queue keeps its items. `Queue` owns every rule about waiting, hand-off and shutdown; a storage only
 * decides the order in which items come out, so `PriorityQueue` and `LifoQueue` differ from `Queue` in their
 * storage alone (asyncio's `_init`/`_put`/`_get` split). `RingBuffer` from core is the FIFO storage as is.
 * Exported for subclasses that want their own order (override `createStorage`).
 */
export interface QueueStorage<T> {
  /** Number of items held. */
  readonly size: number;
  /** Adds an item. */
  push(item: T): void;
  /** Removes and returns the next item in this storage's order; `undefined` when empty. */
  shift(): T | undefined;
  /** Removes every item. */
  clear(): void;
}

/** Last in, first out: `shift()` returns the item pushed most recently. @internal */
export class Stack<T> implements QueueStorage<T> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    return this.#items.pop();
  }

  clear(): void {
    this.#items = [];
  }
}
