import { assertFunction, describe } from '../core/validate.js';

/** Anything a {@link ResourceScope} can close: it has `[Symbol.asyncDispose]`, `[Symbol.dispose]` or `close()`. */
export type ScopedResource =
  | { [Symbol.asyncDispose](): PromiseLike<void> | void }
  | { [Symbol.dispose](): void }
  | { close(): unknown };

/** One registered cleanup: the function and the `this` it is called with. */
interface Cleanup {
  fn: () => unknown;
  self: unknown;
}

/**
 * A stack of cleanups closed together (Python's `contextlib.AsyncExitStack`, TC39's `AsyncDisposableStack`,
 * which Node 20 lacks). `use(resource)` registers anything with `[Symbol.asyncDispose]`, `[Symbol.dispose]` or
 * `close()` (in that order of preference) and returns it; `defer(fn)` registers a function. `close()` (or
 * `await using`) runs them one at a time in reverse order, awaiting each, and runs every one even when some
 * throw: one failure rejects with that error, several with an `AggregateError` of all of them in the order they
 * happened. Once closing has begun, `use()` and `defer()` throw; closing again returns the same promise.
 *
 * @example
 * ```ts
 * await using scope = new ResourceScope();
 * const db = scope.use(await openDatabase());
 * const file = scope.use(await open('out.log', 'w'));
 * scope.defer(() => console.log('all closed'));
 * // leaving the block closes file, then db, then logs
 * ```
 */
export class ResourceScope implements AsyncDisposable {
  #stack: Cleanup[] = [];
  #closing: Promise<void> | undefined = undefined;

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Registers `resource` to be closed with the scope and returns it. `null` and `undefined` are returned
   * unchanged and register nothing, as with `await using`.
   * @throws TypeError if `resource` has none of `[Symbol.asyncDispose]`, `[Symbol.dispose]`, `close()`;
   *   Error if the scope is closed.
   * @example
   * ```ts
   * const conn = scope.use(await pool.connect());
   * ```
   */
  use<R extends ScopedResource | null | undefined>(resource: R): R {
    this.#assertOpen('use');
    if (resource === null || resource === undefined) return resource;
    const r = resource as Partial<AsyncDisposable & Disposable & { close(): unknown }>;
    const fn = r[Symbol.asyncDispose] ?? r[Symbol.dispose] ?? r.close;
    if (typeof fn !== 'function')
      throw new TypeError(
        `ResourceScope.use(resource) needs [Symbol.asyncDispose], [Symbol.dispose] or close(), got ${describe(resource)}.`,
      );
    this.#stack.push({ fn: fn as () => unknown, self: resource });
    return resource;
  }

  /**
   * Registers `fn` to be called (and awaited) when the scope closes, after everything registered later.
   * @throws TypeError if `fn` is not a function; Error if the scope is closed.
   * @example
   * ```ts
   * scope.defer(() => server.close());
   * ```
   */
  defer(fn: () => unknown): void {
    this.#assertOpen('defer');
    assertFunction('ResourceScope.defer fn', fn);
    this.#stack.push({ fn, self: undefined });
  }

  /**
   * Closes everything registered, last first, awaiting each in turn; every cleanup runs even when an earlier
   * one fails. Repeat calls return the same promise.
   * @throws The error of the one cleanup that failed, or an `AggregateError` of every failure in order.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) this.#closing = this.#unwind();
    return this.#closing;
  }

  /** `await using scope = new ResourceScope()`: the same as {@link ResourceScope.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  get [Symbol.toStringTag](): string {
    return 'ResourceScope';
  }

  async #unwind(): Promise<void> {
    const stack = this.#stack;
    this.#stack = [];
    const errors: unknown[] = [];
    for (let cleanup = stack.pop(); cleanup !== undefined; cleanup = stack.pop()) {
      try {
        await cleanup.fn.call(cleanup.self);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1)
      throw new AggregateError(errors, `ResourceScope.close(): ${errors.length} cleanups failed.`);
  }

  #assertOpen(method: string): void {
    if (this.#closing !== undefined)
      throw new Error(
        `ResourceScope.${method}(): the scope is closed; register resources before closing it.`,
      );
  }
}
