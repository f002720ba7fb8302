import { linkSignal, type SignalScope } from '../core/signals.js';
import type { MapLimiter } from '../core/types.js';
import { isThenable } from '../core/validate.js';

/**
 * The executor's `limiter` at work: one token per start, asked for one at a time on behalf of whatever is at
 * the head of the queue, so tokens go in queue order. A token whose entry left meanwhile is kept for the
 * next start; a request nobody needs any more is aborted (an aborted waiter takes no token).
 * @internal
 */
export class Pacer {
  readonly #limiter: MapLimiter;
  readonly #arrived: () => void;
  readonly #refused: (error: unknown) => void;
  /** A token taken and not used yet. */
  #token = false;
  /** The request in flight, if any. */
  #wait: SignalScope | undefined = undefined;

  /** `arrived` runs when a token comes in; `refused` when the limiter rejects a request (not by our abort). */
  constructor(limiter: MapLimiter, arrived: () => void, refused: (error: unknown) => void) {
    this.#limiter = limiter;
    this.#arrived = arrived;
    this.#refused = refused;
  }

  /**
   * Whether a token is ready for the next start, asking for one if not: synchronously through the limiter's
   * `tryAcquire` when it has one (a `RateLimiter` with tokens to spare starts work in the submitter's call),
   * else through `acquire`.
   */
  ready(): boolean {
    if (this.#token) return true;
    if (this.#wait !== undefined) return false;
    const limiter = this.#limiter as MapLimiter & { tryAcquire?: (tokens: number) => unknown };
    if (typeof limiter.tryAcquire === 'function' && limiter.tryAcquire(1) === true) {
      this.#token = true;
      return true;
    }
    this.#ask();
    return this.#token;
  }

  /** The next start took the token (one from `ready()`, banked or just taken). */
  use(): void {
    this.#token = false;
  }

  /** Nothing waits any more: abort a request in flight. */
  drop(): void {
    const wait = this.#wait;
    if (wait === undefined) return;
    this.#wait = undefined;
    wait.abort();
  }

  #ask(): void {
    const scope = linkSignal(undefined);
    this.#wait = scope;
    let out: unknown;
    try {
      out = this.#limiter.acquire(1, { signal: scope.signal });
    } catch (error) {
      this.#settled(scope, false, error);
      return;
    }
    if (isThenable(out))
      out.then(
        () => this.#settled(scope, true, undefined),
        (error: unknown) => this.#settled(scope, false, error),
      );
    else this.#settled(scope, true, undefined);
  }

  #settled(scope: SignalScope, granted: boolean, error: unknown): void {
    if (this.#wait !== scope) return; // dropped: nothing waited any more
    this.#wait = undefined;
    scope.dispose();
    if (granted) {
      this.#token = true;
      this.#arrived();
    } else this.#refused(error);
  }
}
