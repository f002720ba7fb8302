import { RingBuffer } from '../core/RingBuffer.js';

// One shared promise executor instead of a closure per read (the trick AsyncTask uses too).
let capturedResolve: ((value: never) => void) | undefined;
let capturedReject: ((error: unknown) => void) | undefined;
const capture = (resolve: (value: never) => void, reject: (error: unknown) => void): void => {
  capturedResolve = resolve;
  capturedReject = reject;
};

/**
 * The `next()` calls of a stream that came before their result, served in order. A stream's reads take no
 * signal or timeout of their own (the stream's signal stops the whole stream), so they need none of
 * `WaitList`'s machinery: a read is its promise's two resolving functions in two rings, with no node and no
 * closure of ours, which matters once per item of a stream read as fast as it produces.
 * @internal
 */
export class Readers<T> {
  readonly #resolves = new RingBuffer<(value: T) => void>();
  readonly #rejects = new RingBuffer<(error: unknown) => void>();

  /** How many reads wait. */
  get size(): number {
    return this.#resolves.size;
  }

  /** A read that waits for {@link grant}, {@link rejectFirst} or {@link resolveAll}. */
  wait(): Promise<T> {
    const promise = new Promise<T>(capture);
    this.#resolves.push(capturedResolve as (value: T) => void);
    this.#rejects.push(capturedReject as (error: unknown) => void);
    capturedResolve = capturedReject = undefined;
    return promise;
  }

  /** Settles the oldest read with `value`; false when none waits. */
  grant(value: T): boolean {
    const resolve = this.#resolves.shift();
    if (resolve === undefined) return false;
    this.#rejects.shift();
    resolve(value);
    return true;
  }

  /** Rejects the oldest read with `error`; false when none waits. */
  rejectFirst(error: unknown): boolean {
    const reject = this.#rejects.shift();
    if (reject === undefined) return false;
    this.#resolves.shift();
    reject(error);
    return true;
  }

  /** Settles every waiting read with `value`. */
  resolveAll(value: T): void {
    while (this.grant(value));
  }
}
