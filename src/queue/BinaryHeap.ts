import type { QueueStorage } from './storage.js';

/**
 * A binary min-heap ordered by `compare`, stable: items that compare equal come out in insertion order, because
 * each carries an insertion number that breaks ties. Items and their numbers live in two parallel arrays, so a
 * push allocates no wrapper object.
 * @internal
 */
export class BinaryHeap<T> implements QueueStorage<T> {
  readonly #compare: (a: T, b: T) => number;
  #items: T[] = [];
  #seqs: number[] = [];
  #nextSeq = 0;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    const seqs = this.#seqs;
    const seq = this.#nextSeq++;
    let i = items.length;
    items.push(item);
    seqs.push(seq);
    // Sift up: move parents down until the new item's place is found, then write it once.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(item, seq, items[parent] as T, seqs[parent] as number)) break;
      items[i] = items[parent] as T;
      seqs[i] = seqs[parent] as number;
      i = parent;
    }
    items[i] = item;
    seqs[i] = seq;
  }

  shift(): T | undefined {
    const items = this.#items;
    const seqs = this.#seqs;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0] as T;
    const lastItem = items.pop() as T;
    const lastSeq = seqs.pop() as number;
    if (n === 1) {
      this.#nextSeq = 0;
      return top;
    }
    // Sift down the former last item from the root.
    const size = n - 1;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (
        right < size &&
        this.#less(items[right] as T, seqs[right] as number, items[left] as T, seqs[left] as number)
      )
        child = right;
      if (!this.#less(items[child] as T, seqs[child] as number, lastItem, lastSeq)) break;
      items[i] = items[child] as T;
      seqs[i] = seqs[child] as number;
      i = child;
    }
    items[i] = lastItem;
    seqs[i] = lastSeq;
    return top;
  }

  clear(): void {
    this.#items = [];
    this.#seqs = [];
    this.#nextSeq = 0;
  }

  #less(a: T, seqA: number, b: T, seqB: number): boolean {
    const c = this.#compare(a, b);
    // `!(c > 0)` also counts a NaN result as a tie, so a faulty comparator cannot break FIFO among equals.
    return c < 0 || (!(c > 0) && seqA < seqB);
  }
}

/**
 * The default order of `PriorityQueue`: numbers, strings and other primitives by `<`; arrays (asyncio's
 * `[priority, item]` tuples) element by element, a shorter array first when it is a prefix of the other.
 * Values `<` cannot order either way (objects, mixed types) compare equal, so they keep insertion order.
 */
export function defaultCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = defaultCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  // biome-ignore lint/suspicious/noExplicitAny: the default order is JavaScript's own `<` on whatever was queued.
  if ((a as any) < (b as any)) return -1;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  if ((b as any) < (a as any)) return 1;
  return 0;
}
