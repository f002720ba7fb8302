const EMPTY: unique symbol = Symbol('ferris.empty');

/**
 * The finished results of an ordered stream, keyed by input index, waiting for their turn. The indices in
 * play never span more than the stream's `buffer` (an item starts only while running plus unread results are
 * fewer than `buffer`), so with a finite `buffer` they live in a ring of the next power of two, indexed with a
 * mask: no hashing and no allocation per result. An unbounded `buffer` falls back to a `Map`.
 * @internal
 */
export class OrderedResults<R> {
  readonly #ring: (R | typeof EMPTY)[] | undefined;
  readonly #mask: number;
  readonly #map: Map<number, R> | undefined;
  #size = 0;

  /** @param span The most indices in play at once (the stream's `buffer`, or `Infinity`). */
  constructor(span: number) {
    if (Number.isFinite(span)) {
      let capacity = 16;
      while (capacity < span) capacity *= 2;
      this.#ring = new Array<R | typeof EMPTY>(capacity).fill(EMPTY);
      this.#mask = capacity - 1;
      this.#map = undefined;
    } else {
      this.#ring = undefined;
      this.#mask = 0;
      this.#map = new Map();
    }
  }

  /** The ring's size (a power of two, at least the span), or `Infinity` for the `Map`. */
  get capacity(): number {
    return this.#ring !== undefined ? this.#ring.length : Number.POSITIVE_INFINITY;
  }

  /** How many results wait. */
  get size(): number {
    return this.#size;
  }

  set(index: number, value: R): void {
    this.#size++;
    if (this.#ring !== undefined) this.#ring[index & this.#mask] = value;
    else this.#map!.set(index, value);
  }

  /** Removes and returns the result at `index`, or `EMPTY` if it is not in yet. */
  take(index: number): R | typeof EMPTY {
    const ring = this.#ring;
    if (ring !== undefined) {
      const value = ring[index & this.#mask] as R | typeof EMPTY;
      if (value === EMPTY) return EMPTY;
      ring[index & this.#mask] = EMPTY;
      this.#size--;
      return value;
    }
    const map = this.#map!;
    if (!map.has(index)) return EMPTY;
    const value = map.get(index) as R;
    map.delete(index);
    this.#size--;
    return value;
  }

  clear(): void {
    this.#ring?.fill(EMPTY);
    this.#map?.clear();
    this.#size = 0;
  }

  static readonly EMPTY: typeof EMPTY = EMPTY;
}
