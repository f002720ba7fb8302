import type { Clock } from '../core/Clock.js';
import { neverAborts } from '../core/signals.js';
import type { ClockOptions, WaitOptions, Work } from '../core/types.js';
import {
  assertFunction,
  clockOption,
  describe,
  optionsBag,
  signalOption,
  waitOptions,
} from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';
import { Emitter, type Listener } from '../observe/Emitter.js';

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions extends ClockOptions {
  /** Tokens added per `per` ms: a finite number > 0. Required. */
  rate: number;
  /** The period of `rate`, in ms: a finite number > 0. @default 1000 */
  per?: number | undefined;
  /** The bucket's capacity: the most tokens available at once, and the largest single request. @default rate */
  burst?: number | undefined;
}

/** Options of {@link RateLimiter.run}: a wait's options plus the number of tokens the call costs. */
export interface RateLimiterRunOptions extends WaitOptions {
  /** Tokens the call costs. @default 1 */
  tokens?: number | undefined;
}

/** A snapshot of a {@link RateLimiter}. */
export interface RateLimiterStats {
  /** Tokens in the bucket now (fractional while refilling). */
  tokens: number;
  /** Callers parked in `acquire()`. */
  waiting: number;
  rate: number;
  per: number;
  burst: number;
}

/**
 * Refill and grant compare token counts that are sums of floating-point products; a deficit this small is
 * rounding, not a real shortage. Without it a timer could fire at its exact due time, find 1e-15 tokens
 * missing and reschedule itself for "now" forever.
 */
const EPSILON = 1e-9;

/** One parked `acquire()`; an object, so the timer can tell one head from the next. */
interface Request {
  readonly tokens: number;
  /** Clock time when the caller parked. */
  readonly since: number;
}

/** The events of a {@link RateLimiter}, each with its payload. */
export interface RateLimiterEvents {
  /** Tokens were granted; `waited` is how long the caller waited for them, in ms (0 when granted at once). */
  acquire: { tokens: number; waited: number };
}

/** The defaults of {@link RateLimiterOptions} and of the tokens a call takes (`burst` defaults to `rate`). */
const DEFAULT_RATE_LIMITER = Object.freeze({
  /** Milliseconds in which `rate` tokens are added. */
  per: 1000,
  /** Tokens one `acquire()`/`run()` takes. */
  tokens: 1,
});

function positiveFinite(name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describe(value)}.`);
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a finite number > 0, got ${describe(value)}.`);
  return value;
}

/**
 * A token bucket (the guides' rate limiter; bottleneck's reservoir): it holds up to `burst` tokens, starts
 * full, and refills continuously at `rate` tokens per `per` ms. Each call takes tokens; when too few are
 * left it waits. No window of W ms ever admits more than `burst + rate * W / per` tokens.
 *
 * Waiters are served strictly FIFO: a large request at the head holds back smaller ones behind it (no
 * barging), and `tryAcquire()` fails while anyone waits. Only the head waiter has a timer, set for the moment
 * its tokens will be there; nothing polls. An aborted or timed-out waiter leaves the queue without taking
 * tokens. Usable as `asyncParallelMap`'s `limiter`.
 *
 * Invariants: `#tokens <= burst`; a waiter is queued only behind others or when the bucket is short for it;
 * a timer exists if and only if a waiter exists, and it belongs to the head.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ rate: 10, per: 1000 }); // 10 calls per second, bursts of 10
 * const results = await asyncParallelMap((id) => api.get(id), ids, { limiter });
 * const get = limiter.wrap((id: string) => api.get(id));
 * ```
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #per: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  readonly #waiters = new WaitList<void, Request>();
  #timer: unknown = undefined;
  /** The waiter the timer is set for; `undefined` when no timer is set. */
  #timerHead: Request | undefined = undefined;
  /** Made on the first `on()`: a limiter nobody observes pays one field check per grant. */
  #events: Emitter<RateLimiterEvents> | undefined = undefined;

  /** @throws TypeError or RangeError for bad options, naming the option and value. */
  constructor(options: RateLimiterOptions) {
    const o = optionsBag('RateLimiter options', options);
    if (o.rate === undefined)
      throw new TypeError('RateLimiter options.rate is required (tokens per `per` ms).');
    this.#rate = positiveFinite('RateLimiter options.rate', o.rate);
    this.#per = positiveFinite('RateLimiter options.per', o.per, DEFAULT_RATE_LIMITER.per);
    this.#burst = positiveFinite('RateLimiter options.burst', o.burst, this.#rate);
    this.#clock = clockOption('RateLimiter options.clock', o.clock);
    this.#tokens = this.#burst;
    this.#last = this.#clock.now();
  }

  /** Callers parked in `acquire()`. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Takes `tokens` from the bucket, waiting FIFO behind earlier callers until enough have refilled.
   * Resolves at once when no one waits and the bucket holds enough.
   * @param tokens How many tokens to take: a finite number > 0 and <= `burst`. @default 1
   * @throws RangeError (synchronously) if `tokens` is more than `burst` (it could never be granted), not > 0 or NaN.
   * Rejects with `signal.reason` on abort and `TimeoutError` after `timeout` ms; either way no token is taken.
   * @example
   * ```ts
   * await limiter.acquire(1, { signal, timeout: 5000 });
   * ```
   */
  acquire(tokens: number = DEFAULT_RATE_LIMITER.tokens, options?: WaitOptions): Promise<void> {
    const n = this.#checkTokens('acquire', tokens);
    const o = waitOptions('RateLimiter.acquire', options);
    if (o?.signal?.aborted) return Promise.reject(o.signal.reason);
    if (this.#waiters.size === 0 && this.#take(n)) {
      this.#events?.emit('acquire', { tokens: n, waited: 0 });
      return Promise.resolve();
    }
    const request: Request = { tokens: n, since: this.#clock.now() };
    const promise = this.#waiters.wait(o, this.#clock, request, () => this.#pump());
    this.#pump();
    return promise;
  }

  /**
   * Takes `tokens` now if no one waits and the bucket holds enough; never waits.
   * @returns Whether the tokens were taken.
   * @throws RangeError if `tokens` is more than `burst`, not > 0 or NaN.
   * @example
   * ```ts
   * if (!limiter.tryAcquire()) return respond429();
   * ```
   */
  tryAcquire(tokens = 1): boolean {
    const n = this.#checkTokens('tryAcquire', tokens);
    if (this.#waiters.size > 0 || !this.#take(n)) return false;
    this.#events?.emit('acquire', { tokens: n, waited: 0 });
    return true;
  }

  /**
   * Calls `fn` on every later `event`: 'acquire' with `{ tokens, waited }` (ms) each time tokens are granted.
   * Listeners run synchronously; one that throws does not disturb the limiter (its error is rethrown on a
   * microtask).
   * @returns A function that unsubscribes `fn`.
   * @example
   * ```ts
   * limiter.on('acquire', ({ waited }) => histogram.record(waited));
   * ```
   */
  on<K extends keyof RateLimiterEvents>(event: K, fn: Listener<RateLimiterEvents[K]>): () => void {
    this.#events ??= new Emitter<RateLimiterEvents>();
    return this.#events.on(event, fn);
  }

  /**
   * Acquires `options.tokens` (default 1), then calls `fn(signal)` and settles with its result. `signal` and
   * `timeout` apply to the wait for tokens; the signal is also passed on to `fn`.
   * @throws TypeError (synchronously) if `fn` is not a function; rejects as `acquire()` does.
   * @example
   * ```ts
   * const user = await limiter.run((signal) => fetch(`/users/${id}`, { signal }));
   * ```
   */
  run<T>(fn: Work<T>, options?: RateLimiterRunOptions): Promise<Awaited<T>> {
    assertFunction('RateLimiter.run fn', fn);
    const o = optionsBag('RateLimiter.run options', options);
    const signal = signalOption('RateLimiter.run options.signal', o.signal);
    const wait: WaitOptions = { signal, timeout: o.timeout };
    return this.acquire(o.tokens ?? DEFAULT_RATE_LIMITER.tokens, wait).then(
      () => fn(signal ?? neverAborts) as Awaited<T> | PromiseLike<Awaited<T>>,
    );
  }

  /**
   * Wraps `fn` so that every call first takes one token through {@link run}; arguments pass through.
   * @throws TypeError if `fn` is not a function.
   * @example
   * ```ts
   * const search = limiter.wrap((q: string) => api.search(q));
   * await search('ferris');
   * ```
   */
  wrap<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>): (...args: A) => Promise<Awaited<R>> {
    assertFunction('RateLimiter.wrap fn', fn);
    return (...args: A) => this.run(() => fn(...args) as R | PromiseLike<R>) as Promise<Awaited<R>>;
  }

  /** A fresh snapshot: `{ tokens, waiting, rate, per, burst }`. */
  stats(): RateLimiterStats {
    this.#refill();
    return {
      tokens: Math.max(0, this.#tokens),
      waiting: this.#waiters.size,
      rate: this.#rate,
      per: this.#per,
      burst: this.#burst,
    };
  }

  #checkTokens(method: string, tokens: unknown): number {
    const n = positiveFinite(`RateLimiter.${method} tokens`, tokens);
    if (n > this.#burst)
      throw new RangeError(
        `RateLimiter.${method} tokens (${n}) exceeds burst (${this.#burst}); such a request could never be granted.`,
      );
    return n;
  }

  #refill(): void {
    const now = this.#clock.now();
    if (now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#rate) / this.#per);
      this.#last = now;
    }
  }

  /** Takes `n` tokens if the bucket holds them (within rounding); the balance may end a hair below 0. */
  #take(n: number): boolean {
    this.#refill();
    if (this.#tokens + EPSILON < n) return false;
    this.#tokens -= n;
    return true;
  }

  /**
   * Grants every head waiter the bucket can serve, in order; then arms the one timer for the moment the new
   * head's tokens will be there, or drops it when no one waits.
   */
  #pump(): void {
    for (let head = this.#waiters.peek(); head !== undefined; head = this.#waiters.peek()) {
      this.#refill();
      const deficit = head.tokens - this.#tokens;
      if (deficit > EPSILON) {
        const delay = (deficit * this.#per) / this.#rate;
        const now = this.#clock.now();
        // A delay the clock cannot register (now + delay === now) would fire at this same instant forever;
        // as far as that clock can tell, the tokens are there.
        if (now + delay !== now) {
          this.#arm(head, delay);
          return;
        }
      }
      this.#tokens -= head.tokens;
      this.#waiters.grant();
      this.#events?.emit('acquire', { tokens: head.tokens, waited: this.#clock.now() - head.since });
    }
    this.#disarm();
  }

  #arm(head: Request, delay: number): void {
    // While a waiter stays at the head nothing else takes tokens, so its due time does not move.
    if (this.#timerHead === head) return;
    this.#disarm();
    this.#timerHead = head;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timerHead = undefined;
      this.#pump();
    }, delay);
  }

  #disarm(): void {
    if (this.#timerHead === undefined) return;
    this.#timerHead = undefined;
    this.#clock.clearTimeout(this.#timer);
  }
}
