import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../core/Clock.js';
import { CancelledError } from '../core/errors.js';
import { linkSignal, neverAborts, type SignalScope } from '../core/signals.js';
import type { ClockOptions, WaitOptions, Work } from '../core/types.js';
import { assertFunction, clockOption, integerOption, optionsBag, waitOptions } from '../core/validate.js';
import { ConnectionHandle, type RedisConnection, Script, unavailable } from './connection.js';
import { HeldPermits, type Permit } from './heldPermits.js';
import { keyOption } from './RedisRateLimiter.js';

/** Options of {@link RedisSemaphore}. */
export interface RedisSemaphoreOptions extends ClockOptions {
  /** An ioredis instance (shared: never closed by Ferris), or ioredis options or a `redis://` URL (Ferris owns that connection). Required. */
  connection: RedisConnection;
  /** The Redis key of the semaphore: every semaphore with this key, in any process, shares its permits. Required. */
  key: string;
  /** How many holders may be inside at once, across all processes: an integer >= 1. Required. */
  permits: number;
  /**
   * How long a permit stays held without renewal, in ms (an integer >= 10). A live holder renews it every
   * `lease / 3` ms; the permit of a holder that died comes back `lease` ms after its last renewal. @default 30000
   */
  lease?: number | undefined;
}

/** One permit of a {@link RedisSemaphore}, held until released (or lost with its lease). */
export interface RedisPermit extends Disposable, AsyncDisposable {
  /**
   * Gives the permit back, the first time only; a permit whose lease was already lost releases nothing.
   * Rejects with `RedisUnavailableError` if Redis cannot be reached (the permit then comes back after its lease).
   */
  release(): Promise<void>;
  /** Whether `release()` was called. */
  readonly released: boolean;
  /** Whether the lease ran out before it could be renewed (the process stalled or lost Redis for a whole lease). */
  readonly lost: boolean;
}

const DEFAULTS = { lease: 30_000 } as const;

const acquireScript = new Script('semaphoreAcquire.lua', 1);

function ignore(): void {}

/** A caller parked in `acquire()`. */
interface Waiter {
  readonly resolve: (permit: RedisPermit) => void;
  readonly reject: (reason: unknown) => void;
  readonly scope: SignalScope;
  done: boolean;
}

/**
 * The `Semaphore` of `ferris` shared by every process that uses the same `key`: at most `permits` holders at
 * once across all of them. Holders are kept in Redis with a lease that a live holder renews automatically,
 * so the permit of a process that died comes back `lease` ms later instead of never.
 *
 * Within a process waiters are served first come, first served (only the longest waiter asks Redis; a
 * newcomer never takes a permit first); across processes the first to ask after a permit frees up gets it.
 * Waiting costs no polling: a release publishes on a channel that wakes the waiting processes, and a waiter
 * also asks again when the earliest lease would end (a dead holder's permit).
 *
 * Abort and timeout: a waiter rejects with `signal.reason` or `TimeoutError` and leaves the queue; a permit
 * granted to it in the meantime is given back. Redis down: a wait rejects with `RedisUnavailableError`
 * (cause: the client's error). `release()` of a lease already lost is a no-op; `close()` releases the
 * permits this object holds and rejects its waiters with `CancelledError`.
 *
 * @example
 * ```ts
 * const sem = new RedisSemaphore({ connection: { host: '127.0.0.1', port: 6379 }, key: 'db:writers', permits: 4 });
 * await using permit = await sem.acquire({ timeout: 10_000 });
 * const rows = await sem.run(async () => 42);
 * ```
 */
export class RedisSemaphore {
  readonly #redis: ConnectionHandle;
  readonly #key: string;
  readonly #channel: string;
  readonly #permits: number;
  readonly #lease: number;
  readonly #clock: Clock;
  readonly #queue: Waiter[] = [];
  /** Every permit this object holds, and their leases. */
  readonly #held: HeldPermits;
  /** Permits taken by `tryAcquire()`, released by `release()`: last in, first out. */
  readonly #anonymous: Permit[] = [];
  #asking = false;
  /** A release was announced while the head's request was in flight: ask again at once. */
  #again = false;
  #retry: unknown = undefined;
  #subscriber: Redis | undefined = undefined;
  #subscribing: Promise<void> | undefined = undefined;
  #closed = false;

  /** @throws TypeError or RangeError for bad options (a missing `key` or `connection`, `permits` 0...), naming the option and value. */
  constructor(options: RedisSemaphoreOptions) {
    const o = optionsBag('RedisSemaphore options', options);
    this.#key = keyOption('RedisSemaphore', o.key);
    this.#channel = `${this.#key}:released`;
    if (o.permits === undefined)
      throw new TypeError('RedisSemaphore options.permits is required (an integer >= 1).');
    this.#permits = integerOption('RedisSemaphore options.permits', o.permits, 1, 1);
    this.#lease = integerOption('RedisSemaphore options.lease', o.lease, DEFAULTS.lease, 10);
    this.#clock = clockOption('RedisSemaphore options.clock', o.clock);
    this.#redis = new ConnectionHandle('RedisSemaphore', o.connection);
    this.#held = new HeldPermits(this.#redis, this.#key, this.#channel, this.#lease, this.#clock);
  }

  /** Callers of this process waiting in `acquire()`. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Permits this object holds now. */
  get held(): number {
    return this.#held.size;
  }

  /**
   * Waits for a permit, first come first served within this process. Resolves to a {@link RedisPermit} that
   * releases it once (`await using permit = await sem.acquire()`).
   * @throws TypeError/RangeError (synchronously) for bad options. Rejects with `signal.reason` on abort,
   *   `TimeoutError` after `timeout` ms, `RedisUnavailableError` when Redis cannot be reached, and
   *   `CancelledError` once the semaphore is closed.
   */
  acquire(options?: WaitOptions): Promise<RedisPermit> {
    const o = waitOptions('RedisSemaphore.acquire', options);
    if (o?.signal?.aborted) return Promise.reject(o.signal.reason);
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<RedisPermit>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        done: false,
        scope: linkSignal(o?.signal, {
          timeout: o?.timeout,
          clock: this.#clock,
          onAbort: (reason) => this.#leave(waiter, reason),
        }),
      };
      this.#queue.push(waiter);
      this.#ask();
    });
  }

  /**
   * Takes a permit if one is free across all processes and nobody in this process is waiting; never waits for
   * a permit (only for Redis's reply). Give it back with `release()`.
   * @returns Whether a permit was taken. Rejects with `RedisUnavailableError` when Redis cannot be reached.
   */
  async tryAcquire(): Promise<boolean> {
    if (this.#closed || this.#queue.length > 0) return false;
    const [granted, , id] = await this.#request();
    if (!granted) return false;
    this.#anonymous.push(this.#held.hold(id));
    return true;
  }

  /**
   * Releases a permit taken by `tryAcquire()`; a lease already lost releases nothing.
   * @throws RangeError (synchronously) if this object holds no such permit (an over-release). Rejects with
   *   `RedisUnavailableError` when Redis cannot be reached.
   */
  release(): Promise<void> {
    const permit = this.#anonymous.pop();
    if (permit === undefined)
      throw new RangeError(
        'RedisSemaphore.release() was called with no permit from tryAcquire() held: an over-release.',
      );
    return permit.release();
  }

  /**
   * Acquires a permit, runs `fn(signal)` and always releases the permit, whether `fn` returns, throws or rejects.
   * @throws TypeError (synchronously) if `fn` is not a function. Rejects as `acquire()` does, or with `fn`'s error.
   */
  async run<T>(fn: Work<T>, options?: WaitOptions): Promise<T> {
    assertFunction('RedisSemaphore.run fn', fn);
    const o = waitOptions('RedisSemaphore.run', options);
    const permit = await this.acquire(o);
    try {
      return await fn(o?.signal ?? neverAborts);
    } finally {
      await permit.release().catch(ignore);
    }
  }

  /**
   * Releases every permit this object holds, rejects its waiters with `CancelledError`, and closes what it
   * opened (its subscriber, and its connection unless shared). Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#queue.splice(0)) {
      waiter.done = true;
      waiter.scope.dispose();
      waiter.reject(closedError());
    }
    this.#clock.clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.#held.releaseAll();
    await this.#subscribing?.catch(ignore);
    await this.#redis.close();
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #leave(waiter: Waiter, reason: unknown): void {
    if (waiter.done) return;
    waiter.done = true;
    const i = this.#queue.indexOf(waiter);
    if (i >= 0) this.#queue.splice(i, 1);
    waiter.reject(reason);
    // The head left: the next waiter asks (a request in flight for it is handed on when it returns).
    if (i === 0) this.#ask();
  }

  /** The longest waiter asks Redis for a permit, one request at a time. */
  #ask(): void {
    if (this.#asking || this.#closed) return;
    const head = this.#queue[0];
    if (head === undefined) {
      this.#clock.clearTimeout(this.#retry);
      this.#retry = undefined;
      return;
    }
    this.#asking = true;
    this.#again = false;
    this.#clock.clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#request().then(
      ([granted, retry, id]) => {
        this.#asking = false;
        if (granted) {
          const waiter = this.#queue.shift();
          if (waiter === undefined || this.#closed) {
            this.#held.give([id]).catch(ignore);
          } else {
            waiter.done = true;
            waiter.scope.dispose();
            waiter.resolve(this.#held.hold(id));
          }
          this.#ask();
          return;
        }
        if (this.#again || this.#subscriber === undefined) {
          this.#listen().then(
            () => this.#ask(),
            (error: unknown) => this.#failHead(error),
          );
          return;
        }
        // Sleep until a release is announced, or until the earliest lease would end.
        this.#retry = this.#clock.setTimeout(
          () => {
            this.#retry = undefined;
            this.#ask();
          },
          retry < 0 ? this.#lease : retry,
        );
      },
      (error: unknown) => {
        this.#asking = false;
        this.#failHead(error);
      },
    );
  }

  /** Redis failed the head's request: the head rejects; the next waiter asks (and fails fast too if Redis is gone). */
  #failHead(error: unknown): void {
    const head = this.#queue.shift();
    if (head !== undefined) {
      head.done = true;
      head.scope.dispose();
      head.reject(unavailable(error));
    }
    this.#ask();
  }

  /** Subscribes to release announcements once (the subscription survives reconnects). */
  #listen(): Promise<void> {
    this.#again = false;
    if (this.#subscribing !== undefined) return this.#subscribing;
    const sub = this.#redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.#subscriber = sub;
    const wake = (): void => {
      if (this.#asking) this.#again = true;
      else this.#ask();
    };
    sub.on('message', wake);
    // Redis went away: the head asks at once, so that with a fail-fast connection every waiter learns it now
    // (RedisUnavailableError) instead of at its next retry.
    sub.on('close', wake);
    this.#subscribing = sub.subscribe(this.#channel).then(ignore, (error: unknown) => {
      // Try to subscribe again on the next wait.
      this.#subscriber = undefined;
      this.#subscribing = undefined;
      this.#redis.release(sub).catch(ignore);
      throw error;
    });
    return this.#subscribing;
  }

  async #request(): Promise<[boolean, number, string]> {
    const id = randomUUID();
    try {
      const [granted, retry] = (await acquireScript.run(
        this.#redis.ready(),
        [this.#key],
        [this.#permits, this.#lease, id],
      )) as [number, number];
      return [granted === 1, Number(retry), id];
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function closedError(): CancelledError {
  return new CancelledError('The RedisSemaphore was closed.');
}
