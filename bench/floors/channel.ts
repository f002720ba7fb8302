import { Ring } from './ring.js';

/**
 * The floor of a bounded channel: a ring of items plus FIFO rings of parked getters and putters. A `put` to a
 * waiting getter hands the item over directly; a `get` from a full buffer admits the oldest parked putter's item.
 * No timeouts, abort, shutdown or task accounting.
 */
export class FloorChannel<T> {
  readonly #items = new Ring<T>();
  readonly #getters = new Ring<(item: T) => void>();
  readonly #putters = new Ring<{ item: T; resolve: () => void }>();
  readonly #maxsize: number;

  constructor(maxsize: number) {
    this.#maxsize = maxsize;
  }

  put(item: T): Promise<void> {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      getter(item);
      return Promise.resolve();
    }
    if (this.#items.size < this.#maxsize) {
      this.#items.push(item);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#putters.push({ item, resolve }));
  }

  get(): Promise<T> {
    if (this.#items.size > 0) {
      const item = this.#items.shift() as T;
      const putter = this.#putters.shift();
      if (putter !== undefined) {
        this.#items.push(putter.item);
        putter.resolve();
      }
      return Promise.resolve(item);
    }
    return new Promise<T>((resolve) => this.#getters.push(resolve));
  }
}
