import type { Clock } from '../core/Clock.js';
import { linkSignal, neverAborts } from '../core/signals.js';
import type { ClockOptions, WaitOptions, Work } from '../core/types.js';
import { assertFunction, clockOption, describe, optionsBag, waitOptions } from '../core/validate.js';
import type { RateLimiterRunOptions } from '../resilience/RateLimiter.js';
import { ConnectionHandle, type RedisConnection, Script, unavailable } from './connection.js';

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions extends ClockOptions {
  /** An ioredis instance (shared: never closed by Ferris), or ioredis options or a `redis://` URL (Ferris owns that connection). Required. */
  connection: RedisConnection;
  /** The Redis key of the bucket: every limiter with this key, in any process, shares one rate. Required. */
  key: string;
  /** Tokens added per `per` ms: a finite number > 0. Required. */
  rate: number;
  /** The period of `rate`, in ms: a finite number > 0. @default 1000 */
  per?: number | undefined;
  /** The bucket's capacity: the most tokens available at once, and the largest single request. @default rate */
  burst?: number | undefined;
}

/** A snapshot of a {@link RedisRateLimiter}, read from Redis. */
export interface RedisRateLimiterStats {
  /** Tokens in the shared bucket now; below 0 while reservations of some process wait for theirs. */
  tokens: number;
  /** Callers of this process waiting in `acquire()`. */
  waiting: number;
  rate: number;
  per: number;
  burst: number;
}

const DEFAULTS = { per: 1000 } as const;

function ignore(): void {}

const bucket = new Script('tokenBucket.lua', 1);

function positiveFinite(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describe(value)}.`);
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a finite number > 0, got ${describe(value)}.`);
  return value;
}

/** The key of a Redis object: a non-empty string. @internal */
export function keyOption(where: string, value: unknown): string {
  if (value === undefined) throw new TypeError(`${where} options.key is required: the Redis key to share.`);
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`${where} options.key must be a non-empty string, got ${describe(value)}.`);
  return value;
}

/**
 * The `RateLimiter` of `ferris` shared by every process that uses the same `key`: one token bucket in Redis,
 * updated atomically by a Lua script on Redis's clock (`TIME`), so machines with skewed clocks still share
 * one rate. It holds up to `burst` tokens, starts full and refills at `rate` tokens per `per` ms; no window of
 * W ms admits more than `burst + rate * W / per` tokens across all processes.
 *
 * Each `acquire()` is one script call that reserves its tokens and answers how long until they are there; the
 * caller then sleeps exactly that long (no polling). Calls of one process are served in call order. A waiter
 * that aborts or times out gives its reserved tokens back.
 *
 * Redis down: a call rejects with `RedisUnavailableError` (cause: the client's error), or `TimeoutError` if
 * its `timeout` passes first; with a connection Ferris owns it fails at once instead of queueing offline.
 *
 * @example
 * ```ts
 * const limiter = new RedisRateLimiter({ connection: { host: '127.0.0.1', port: 6379 }, key: 'api:github', rate: 10 });
 * await limiter.acquire(1, { timeout: 5000 });
 * const results = await asyncParallelMap((id) => fetch(`https://api.example.com/${id}`), [1, 2, 3], { limiter });
 * await limiter.close();
 * ```
 */
export class RedisRateLimiter {
  readonly #redis: ConnectionHandle;
  readonly #key: string;
  readonly #rate: number;
  readonly #per: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #waiting = 0;

  /** @throws TypeError or RangeError for bad options (a missing `key` or `connection`, `rate` 0...), naming the option and value. */
  constructor(options: RedisRateLimiterOptions) {
    const o = optionsBag('RedisRateLimiter options', options);
    const key = keyOption('RedisRateLimiter', o.key);
    if (o.rate === undefined)
      throw new TypeError('RedisRateLimiter options.rate is required (tokens per `per` ms).');
    this.#rate = positiveFinite('RedisRateLimiter options.rate', o.rate);
    this.#per = o.per === undefined ? DEFAULTS.per : positiveFinite('RedisRateLimiter options.per', o.per);
    this.#burst =
      o.burst === undefined ? this.#rate : positiveFinite('RedisRateLimiter options.burst', o.burst);
    this.#clock = clockOption('RedisRateLimiter options.clock', o.clock);
    this.#redis = new ConnectionHandle('RedisRateLimiter', o.connection);
    this.#key = key;
  }

  /** Callers of this process waiting in `acquire()`. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Takes `tokens` from the shared bucket, waiting until they have refilled.
   * @param tokens A finite number > 0 and <= `burst`. @default 1
   * @throws RangeError (synchronously) if `tokens` exceeds `burst`, is not > 0 or is NaN.
   * Rejects with `signal.reason` on abort, `TimeoutError` after `timeout` ms (either way the reserved tokens are
   * given back), and `RedisUnavailableError` when Redis cannot be reached.
   * @example
   * ```ts
   * await limiter.acquire(1, { signal, timeout: 5000 });
   * ```
   */
  acquire(tokens = 1, options?: WaitOptions): Promise<void> {
    const n = this.#checkTokens('acquire', tokens);
    const o = waitOptions('RedisRateLimiter.acquire', options);
    if (o?.signal?.aborted) return Promise.reject(o.signal.reason);
    return this.#acquire(n, o?.signal, o?.timeout);
  }

  async #acquire(n: number, signal: AbortSignal | undefined, timeout: number | undefined): Promise<void> {
    this.#waiting++;
    const clock = this.#clock;
    // One cancel scope for the whole wait: the script call, then the sleep it asks for.
    let fail: (reason: unknown) => void = ignore;
    const scope = linkSignal(signal, { timeout, clock, onAbort: (reason) => fail(reason) });
    const reply = this.#call(n, 'reserve');
    let timer: unknown;
    let armed = false;
    try {
      const wait = await new Promise<number>((resolve, reject) => {
        fail = reject;
        if (scope.aborted) reject(scope.reason);
        reply.then(([ms]) => resolve(ms), reject);
      });
      if (wait > 0)
        await new Promise<void>((resolve, reject) => {
          fail = reject;
          if (scope.aborted) return reject(scope.reason);
          armed = true;
          timer = clock.setTimeout(() => {
            armed = false;
            resolve();
          }, wait);
        });
    } catch (error) {
      // The caller gave up: its reservation, made or still on its way, goes back to the bucket.
      if (scope.aborted) reply.then(() => this.#refund(n), ignore);
      throw error;
    } finally {
      if (armed) clock.clearTimeout(timer);
      scope.dispose();
      this.#waiting--;
    }
  }

  #refund(n: number): void {
    this.#call(n, 'refund').catch(() => {
      // Redis is gone: the reserved tokens refill on their own within burst/rate.
    });
  }

  /**
   * Takes `tokens` if the shared bucket holds them now; never waits for tokens (only for Redis's reply).
   * @returns Whether the tokens were taken.
   * @throws RangeError (synchronously) if `tokens` exceeds `burst`, is not > 0 or is NaN. Rejects with
   *   `RedisUnavailableError` when Redis cannot be reached.
   * @example
   * ```ts
   * if (!(await limiter.tryAcquire())) return respond429();
   * ```
   */
  async tryAcquire(tokens = 1): Promise<boolean> {
    const n = this.#checkTokens('tryAcquire', tokens);
    const [wait] = await this.#call(n, 'try');
    return wait >= 0;
  }

  /**
   * Acquires `options.tokens` (default 1), then calls `fn(signal)` and settles with its result. `signal` and
   * `timeout` apply to the wait for tokens; the signal is passed on to `fn`.
   * @throws TypeError (synchronously) if `fn` is not a function; rejects as `acquire()` does.
   * @example
   * ```ts
   * const user = await limiter.run((signal) => fetch('https://api.example.com/me', { signal }));
   * ```
   */
  run<T>(fn: Work<T>, options?: RateLimiterRunOptions): Promise<Awaited<T>> {
    assertFunction('RedisRateLimiter.run fn', fn);
    const o = optionsBag('RedisRateLimiter.run options', options);
    const wait = waitOptions('RedisRateLimiter.run', { signal: o.signal, timeout: o.timeout });
    return this.acquire(o.tokens ?? 1, wait).then(
      () => fn(wait?.signal ?? neverAborts) as Awaited<T> | PromiseLike<Awaited<T>>,
    );
  }

  /**
   * Wraps `fn` so that every call first takes one token through {@link run}; arguments pass through.
   * @throws TypeError if `fn` is not a function.
   * @example
   * ```ts
   * const search = limiter.wrap((q: string) => fetch(`https://api.example.com/search?q=${q}`));
   * ```
   */
  wrap<A extends unknown[], R>(fn: (...args: A) => R | PromiseLike<R>): (...args: A) => Promise<Awaited<R>> {
    assertFunction('RedisRateLimiter.wrap fn', fn);
    return (...args: A) => this.run(() => fn(...args) as R | PromiseLike<R>) as Promise<Awaited<R>>;
  }

  /**
   * A fresh snapshot: the shared bucket's tokens (read from Redis) and this process's waiters.
   * @throws Rejects with `RedisUnavailableError` when Redis cannot be reached.
   */
  async stats(): Promise<RedisRateLimiterStats> {
    const [, tokens] = await this.#call(1, 'peek');
    return { tokens, waiting: this.#waiting, rate: this.#rate, per: this.#per, burst: this.#burst };
  }

  /** Closes the connection if Ferris opened it (a shared instance stays open). Safe to call twice. */
  close(): Promise<void> {
    return this.#redis.close();
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #call(n: number, mode: 'reserve' | 'try' | 'refund' | 'peek'): Promise<[number, number]> {
    try {
      const reply = (await bucket.run(
        this.#redis.ready(),
        [this.#key],
        [this.#rate, this.#per, this.#burst, n, mode],
      )) as [number, string];
      return [Number(reply[0]), Number(reply[1])];
    } catch (error) {
      throw unavailable(error);
    }
  }

  #checkTokens(method: string, tokens: unknown): number {
    const n = positiveFinite(`RedisRateLimiter.${method} tokens`, tokens);
    if (n > this.#burst)
      throw new RangeError(
        `RedisRateLimiter.${method} tokens (${n}) exceeds burst (${this.#burst}); such a request could never be granted.`,
      );
    return n;
  }
}
