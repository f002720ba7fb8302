import { QueueFullError } from '../core/errors.js';
import { neverAborts } from '../core/signals.js';
import type { WaitOptions } from '../core/types.js';
import { assertFunction, waitOptions } from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';
import { Emitter, type Listener } from '../observe/Emitter.js';
import { Factory } from './Factory.js';
import { closedError, type Gate, gate, IdleList, queueFullMessage, serialized } from './internal.js';
import {
  type PoolConfig,
  poolConfig,
  type ResourcePoolEvents,
  type ResourcePoolOptions,
  type ResourcePoolStats,
} from './options.js';

export type { DestroyReason, ResourcePoolEvents, ResourcePoolOptions, ResourcePoolStats } from './options.js';

/** 'open' lends; 'draining' lends nothing and waits for loans; 'closing' also destroys; 'closed' is done. */
type State = 'open' | 'draining' | 'closing' | 'closed';

/**
 * A pool of reusable resources, such as database connections or sockets (the guides' connection pool,
 * generic-pool's job). `acquire()` lends a resource, `release()` returns it, and `use(fn)` does both around
 * `fn`. Callers wait first come, first served when every resource is lent; the pool creates resources on
 * demand up to `max`, lends idle ones last-in first-out (so rarely used ones age out under `idleTimeout`), and
 * checks idle ones with `validate` before lending them again.
 *
 * Abort and timeout: a waiting `acquire()` rejects with `signal.reason` on abort and with `TimeoutError` after
 * `timeout` (or `acquireTimeout`) ms. A resource that was being created for a caller who left is not lost: it
 * goes to the next waiter or becomes idle.
 *
 * Failures: a `create` that throws or rejects frees its slot and rejects the longest-waiting `acquire()` with
 * that error, unless the caller it was started for already left; the other waiters keep waiting and get a
 * fresh attempt. A failing `validate` destroys that resource and the caller gets another one. Errors of
 * `create`, `validate` and `destroy` are also emitted as `error` events and never become unhandled rejections.
 * The `min` resources are created at construction; `ready()` reports how that went.
 *
 * Invariants, after every public call returns:
 * - `creating + validating + idle + borrowed + destroying <= max`: a resource being destroyed holds its slot;
 * - a caller waits only while no idle resource is free for it, and a waiter is served only from the head;
 * - every created resource is destroyed exactly once, and only after it stopped being lent.
 *
 * @example
 * ```ts
 * const pool = new ResourcePool({
 *   create: () => connect(url),
 *   destroy: (db) => db.end(),
 *   validate: (db) => db.isAlive(),
 *   max: 10,
 *   acquireTimeout: 5000,
 * });
 * const rows = await pool.use((db) => db.query('select 1'));
 * await pool.close();
 * ```
 */
export class ResourcePool<R> implements AsyncDisposable {
  readonly #config: PoolConfig<R>;
  readonly #events = new Emitter<ResourcePoolEvents<R>>();
  readonly #waiters = new WaitList<R>();
  readonly #idle: IdleList<R>;
  readonly #borrowed = new Set<R>();
  readonly #factory: Factory<R>;
  #state: State = 'open';
  #drained: Gate | undefined = undefined;
  #closed: Gate | undefined = undefined;
  readonly #startup: Promise<unknown>;

  /**
   * Starts creating the `min` resources at once (see `ready()`).
   * @throws TypeError if `create` or `destroy` is missing or not a function, or another option has the wrong
   *   type; RangeError if `max` is not an integer >= 1 or `Infinity`, `min` is not an integer in [0, max], or a
   *   duration is NaN or negative.
   */
  constructor(options: ResourcePoolOptions<R>) {
    this.#config = poolConfig(options);
    this.#idle = new IdleList<R>(
      this.#config.clock,
      () => this.#count() > this.#config.min,
      (resource) => this.#factory.destroy(resource, 'idle'),
    );
    this.#factory = new Factory(this.#config, this.#events, {
      created: (resource) => {
        this.#handOut(resource);
        this.#update();
      },
      validated: (resource, ok) => {
        if (ok) this.#handOut(resource);
        else this.#factory.destroy(resource, 'invalid');
        this.#update();
      },
      createFailed: (error) => this.#onCreateFailed(error),
      destroyed: () => this.#onDestroyed(),
    });
    this.#startup = this.#factory.createMany(this.#config.min);
  }

  /**
   * Resolves once the `min` resources made at construction have been created.
   * @throws The promise rejects with the first error of those `create` calls (the pool stays usable: later
   *   acquires create on demand).
   * @example
   * ```ts
   * const pool = new ResourcePool({ create, destroy, min: 2, max: 10 });
   * await pool.ready(); // fails fast when the database is unreachable
   * ```
   */
  ready(): Promise<void> {
    return this.#startup.then((error) => {
      if (error !== undefined) throw error;
    });
  }

  /**
   * Borrows a resource: an idle one (validated first), a new one if fewer than `max` exist, or the next one
   * released, first come first served. Give it back with `release(resource)`.
   * @throws TypeError/RangeError (synchronously) for bad options. The promise rejects with `signal.reason` on
   *   abort (at once if already aborted), `TimeoutError` after `timeout` ms (default `acquireTimeout`),
   *   `QueueFullError` at once when it would wait behind `maxWaiting` callers already waiting for a release,
   *   `PoolClosedError` once `drain()` or `close()` was called, or the error of a failed `create`.
   * @example
   * ```ts
   * const db = await pool.acquire({ timeout: 1000 });
   * try {
   *   await db.query('select 1');
   * } finally {
   *   pool.release(db);
   * }
   * ```
   */
  acquire(options?: WaitOptions): Promise<R> {
    return this.#acquire(waitOptions('ResourcePool.acquire', options) ?? {});
  }

  #acquire(o: WaitOptions): Promise<R> {
    if (o.signal?.aborted) return Promise.reject(o.signal.reason);
    if (this.#state !== 'open') return Promise.reject(closedError(this.#closed !== undefined));
    if (this.#full()) return Promise.reject(new QueueFullError(queueFullMessage(this.#config.maxWaiting)));
    const timeout = o.timeout ?? this.#config.acquireTimeout;
    const promise = this.#waiters.wait({ signal: o.signal, timeout }, this.#config.clock, undefined);
    this.#dispatch();
    return promise;
  }

  /**
   * Gives a borrowed resource back; it goes to the longest waiter (validated first) or becomes idle. After
   * `close()` it is destroyed instead.
   * @throws Error if this pool did not lend `resource`, or it was already released.
   */
  release(resource: R): void {
    if (!this.#borrowed.delete(resource))
      throw new Error(
        'ResourcePool.release() got a resource that this pool did not lend, or one already released.',
      );
    this.#events.emit('release', { resource });
    if (this.#state === 'closing') this.#factory.destroy(resource, 'close');
    else this.#toIdle(resource);
    this.#update();
  }

  /**
   * Borrows a resource, calls `fn(resource, signal)` and always releases the resource afterwards, whether
   * `fn` returns, throws or rejects. `signal` is the `signal` option (a signal that never aborts if none was
   * given); `timeout` bounds the wait for a resource only. Do not release the resource inside `fn`.
   * @throws TypeError (synchronously) if `fn` is not a function. Rejects as `acquire()` does, or with `fn`'s error.
   * @example
   * ```ts
   * const user = await pool.use((db, signal) => db.query('select * from users where id = $1', [id], { signal }));
   * ```
   */
  use<T>(fn: (resource: R, signal: AbortSignal) => T | PromiseLike<T>, options?: WaitOptions): Promise<T> {
    assertFunction('ResourcePool.use fn', fn);
    const o = waitOptions('ResourcePool.use', options) ?? {};
    return this.#use(fn, o);
  }

  async #use<T>(fn: (resource: R, signal: AbortSignal) => T | PromiseLike<T>, o: WaitOptions): Promise<T> {
    const resource = await this.#acquire(o);
    try {
      return await fn(resource, o.signal ?? neverAborts);
    } finally {
      this.release(resource);
    }
  }

  /**
   * Stops lending: waiting and later `acquire()` calls reject with `PoolClosedError`. Resolves once every
   * borrowed resource has been released and no `create` is running. Resources stay open (and stop aging) until
   * `close()`. Calling it again returns the same promise.
   */
  drain(): Promise<void> {
    if (this.#drained === undefined) {
      this.#drained = gate();
      if (this.#state === 'open') this.#state = 'draining';
      this.#waiters.rejectAll(closedError(this.#closed !== undefined));
      this.#idle.stopAging();
      this.#settle();
    }
    return this.#drained.promise;
  }

  /**
   * Drains the pool, then destroys every resource it created, exactly once each: idle ones at once, borrowed
   * ones when they are released, ones still being created when they arrive (their `create` signal aborts).
   * Resolves once every `destroy` has settled. Calling it again returns the same promise.
   * @example
   * ```ts
   * await using pool = new ResourcePool({ create, destroy, max: 4 });
   * ```
   */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#closed = gate();
      void this.drain();
      this.#state = 'closing';
      this.#factory.close();
      for (const resource of this.#idle.takeAll()) this.#factory.destroy(resource, 'close');
      this.#settle();
    }
    return this.#closed.promise;
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Subscribes to an event: `create`, `destroy`, `acquire`, `release` or `error`.
   * @returns An unsubscribe function.
   * @example
   * ```ts
   * const off = pool.on('error', ({ error, phase }) => log.warn(`pool ${phase} failed`, error));
   * off();
   * ```
   */
  on<K extends keyof ResourcePoolEvents<R>>(event: K, fn: Listener<ResourcePoolEvents<R>[K]>): () => void {
    return this.#events.on(event, fn);
  }

  /** A fresh plain snapshot of the pool's counts. */
  stats(): ResourcePoolStats {
    return {
      size: this.#idle.size + this.#borrowed.size,
      available: this.#idle.size,
      borrowed: this.#borrowed.size,
      pending: this.#waiters.size,
      creating: this.#factory.creating,
      created: this.#factory.created,
      destroyed: this.#factory.destroyed,
      min: this.#config.min,
      max: this.#config.max,
    };
  }

  /** Whether a new caller would have to wait for a release, with `maxWaiting` callers doing so already. */
  #full(): boolean {
    const waitingForRelease = this.#waiters.size - this.#factory.supplying;
    return (
      waitingForRelease >= this.#config.maxWaiting &&
      this.#idle.size === 0 &&
      this.#count() + this.#factory.destroying >= this.#config.max
    );
  }

  /** Resources that count against `min`: every one not being destroyed. */
  #count(): number {
    return this.#factory.supplying + this.#idle.size + this.#borrowed.size;
  }

  /**
   * Matches waiters with supply. Waiters beyond the supply already on its way (creates and validations in
   * flight) take an idle resource, or else start a create while the pool is below `max`. Re-entrant calls
   * (from synchronous `create`/`validate`/`destroy` results) are folded into the running loop.
   */
  readonly #dispatch = serialized(() => {
    while (this.#state === 'open' && this.#waiters.size > this.#factory.supplying) {
      const idle = this.#idle.pop();
      if (idle !== undefined) this.#lendIdle(idle);
      else if (this.#count() + this.#factory.destroying < this.#config.max) this.#factory.create();
      else break;
    }
  });

  #lendIdle(resource: R): void {
    const validate = this.#config.validate;
    if (validate === undefined) this.#handOut(resource);
    else this.#factory.validate(resource, validate);
  }

  /** A resource ready to lend (fresh or validated): to the head waiter, else idle; destroyed after close. */
  #handOut(resource: R): void {
    if (this.#state === 'closing') {
      this.#factory.destroy(resource, 'close');
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#toIdle(resource);
      return;
    }
    this.#borrowed.add(resource);
    this.#events.emit('acquire', { resource });
    waiter.resolve(resource);
  }

  #toIdle(resource: R): void {
    this.#idle.push(resource, this.#state === 'open' ? this.#config.idleTimeout : Number.POSITIVE_INFINITY);
  }

  #onCreateFailed(error: unknown): void {
    // The slot is free again. When the failure leaves a waiter without supply on its way, the longest waiter
    // takes the error; a failure whose caller already left rejects nobody. The others get a fresh attempt.
    if (this.#state === 'open' && this.#waiters.size > this.#factory.supplying)
      this.#waiters.shift()?.reject(error);
    this.#update();
  }

  #onDestroyed(): void {
    const { min, max } = this.#config;
    // Keep `min`: a resource that failed validation is replaced once its slot is free.
    while (this.#state === 'open' && this.#count() < min && this.#count() + this.#factory.destroying < max)
      this.#factory.create();
    this.#update();
  }

  /** After supply changed: serves waiters, then checks whether `drain()` or `close()` is done. */
  #update(): void {
    this.#dispatch();
    this.#settle();
  }

  /** Resolves `drain()` and `close()` once their conditions hold. */
  #settle(): void {
    if (this.#state === 'open' || this.#state === 'closed') return;
    if (this.#borrowed.size > 0 || this.#factory.creating > 0 || this.#factory.validating > 0) return;
    this.#drained?.resolve();
    if (this.#state === 'closing' && this.#idle.size === 0 && this.#factory.destroying === 0) {
      this.#state = 'closed';
      this.#closed?.resolve();
    }
  }
}
