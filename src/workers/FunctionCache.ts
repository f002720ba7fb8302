/**
 * How many distinct `exec` functions a pool remembers: their sources on the main thread, and each thread's
 * compiled copy. Past it, the least recently used one is forgotten by the pool and by its threads; called
 * again, it is sent and compiled again (the same result, one compile slower).
 * @internal
 */
export const EXEC_CACHE_SIZE = 128;

/** One `exec` function as the pool knows it: an id the threads compile it under, and its source. @internal */
export interface ExecFunction {
  readonly id: number;
  readonly source: string;
}

/**
 * The `exec` functions of one pool, by source, least recently used first (a `Map` keeps insertion order; a
 * hit moves the entry to the end). Ids are never reused, so a thread can never run a forgotten function's
 * compiled copy for a new one.
 * @internal
 */
export class FunctionCache {
  readonly #bySource = new Map<string, ExecFunction>();
  readonly #capacity: number;
  readonly #onForget: (id: number) => void;
  #nextId = 0;

  /** `onForget(id)` is called for each function pushed out, for the threads to drop their copies. */
  constructor(capacity: number, onForget: (id: number) => void) {
    this.#capacity = capacity;
    this.#onForget = onForget;
  }

  /** Functions remembered now. */
  get size(): number {
    return this.#bySource.size;
  }

  /** The entry for `source`, made if new; it becomes the most recently used, and the oldest may go. */
  get(source: string): ExecFunction {
    const known = this.#bySource.get(source);
    if (known !== undefined) {
      this.#bySource.delete(source);
      this.#bySource.set(source, known);
      return known;
    }
    const fn: ExecFunction = { id: this.#nextId++, source };
    this.#bySource.set(source, fn);
    if (this.#bySource.size > this.#capacity) {
      const oldest = this.#bySource.values().next().value as ExecFunction;
      this.#bySource.delete(oldest.source);
      this.#onForget(oldest.id);
    }
    return fn;
  }

  /** Whether `fn` is still remembered (a queued task may hold one that was pushed out since). */
  has(fn: ExecFunction): boolean {
    return this.#bySource.get(fn.source) === fn;
  }
}
