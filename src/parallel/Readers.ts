import { RingBuffer } from '../core/RingBuffer.js';

// One shared promise executor instead of a closure per read (the trick AsyncTask uses too). It keeps only the
// resolve function: a read that must fail is resolved with a rejected promise, which it adopts. Holding on to
// the reject function as well measurably slows a stream read as fast as it produces (Node 20).
let captured: ((value: never) => void) | undefined;
const capture = (resolve: (value: never) => void): void => {
  captured = resolve;
};

/**
 * The `next()` calls of a stream that came before their result, served in order. A stream's reads take no
 * signal or timeout of their own (the stream's signal stops the whole stream), so they need none of
 * `WaitList`'s machinery: a read is its promise's resolve function, with no node and no closure of ours, which
 * matters once per item of a stream read as fast as it produces. A `for await` loop has one read waiting at a
 * time: it sits in a field, and only reads queued behind it go to the ring.
 * @internal
 */
export class Readers<T> {
  #size = 0;
  #first: ((value: T | PromiseLike<T>) => void) | undefined = undefined;
  readonly #more = new RingBuffer<(value: T | PromiseLike<T>) => void>();

  /** How many reads wait. */
  get size(): number {
    return this.#size;
  }

  /** A read that waits for {@link grant}, {@link rejectFirst} or {@link resolveAll}. */
  wait(): Promise<T> {
    const promise = new Promise<T>(capture);
    const resolve = captured as (value: T | PromiseLike<T>) => void;
    captured = undefined;
    if (this.#size++ === 0) this.#first = resolve;
    else this.#more.push(resolve);
    return promise;
  }

  /** Like {@link wait}, for a read older than every waiting one: it goes to the front of the line. */
  waitFirst(): Promise<T> {
    const promise = new Promise<T>(capture);
    const resolve = captured as (value: T | PromiseLike<T>) => void;
    captured = undefined;
    if (this.#size++ > 0) this.#more.unshift(this.#first!);
    this.#first = resolve;
    return promise;
  }

  /** Settles the oldest read with `value`; false when none waits. */
  grant(value: T): boolean {
    const resolve = this.#first;
    if (resolve === undefined) return false;
    this.#dropFirst();
    resolve(value);
    return true;
  }

  /** Rejects the oldest read with `error`; false when none waits. */
  rejectFirst(error: unknown): boolean {
    const resolve = this.#first;
    if (resolve === undefined) return false;
    this.#dropFirst();
    resolve(Promise.reject(error));
    return true;
  }

  /** Settles every waiting read with `value`. */
  resolveAll(value: T): void {
    while (this.grant(value));
  }

  /** The oldest read leaves: the next one in line, if any, moves up to the field. */
  #dropFirst(): void {
    this.#first = --this.#size === 0 ? undefined : this.#more.shift();
  }
}
