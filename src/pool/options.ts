import type { Clock } from '../core/Clock.js';
import type { ClockOptions } from '../core/types.js';
import {
  assertFunction,
  assertObject,
  clockOption,
  concurrencyOption,
  describe,
  durationOption,
  integerOption,
  timeoutOption,
} from '../core/validate.js';

/** Options of {@link ResourcePool}. Durations are in milliseconds. */
export interface ResourcePoolOptions<R> extends ClockOptions {
  /**
   * Makes one resource (opens a connection). Receives a signal that aborts when the pool closes, so a slow
   * connect can stop early. Each resource must be a distinct value (an object, typically). Required.
   */
  create: (signal: AbortSignal) => R | PromiseLike<R>;
  /** Disposes of one resource (ends a connection). Called exactly once per created resource. Required. */
  destroy: (resource: R) => void | PromiseLike<void>;
  /**
   * Checks an idle resource before it is lent again: `false` (any falsy result), a throw or a rejection fails it, and the pool
   * destroys it and lends another one (or a new one). Fresh resources are lent without it.
   * @default undefined (idle resources are lent unchecked)
   */
  validate?: ((resource: R) => boolean | PromiseLike<boolean>) | undefined;
  /** Resources created at construction and kept: idle eviction never goes below it. An integer in [0, max]. @default 0 */
  min?: number | undefined;
  /**
   * The most resources that exist at once, counting those being created and being destroyed: an integer >= 1
   * or `Infinity`. Required.
   */
  max: number;
  /**
   * How long `acquire()` waits, in ms, before it rejects with `TimeoutError`, when the call gives no `timeout`
   * of its own. `Infinity` means no limit.
   * @default Infinity
   */
  acquireTimeout?: number | undefined;
  /**
   * How long a resource may sit idle, in ms, before the pool destroys it, as long as more than `min` remain.
   * `Infinity` keeps idle resources forever.
   * @default Infinity
   */
  idleTimeout?: number | undefined;
  /**
   * How many callers may wait in `acquire()` for a resource to be released, once none is idle and `max`
   * exist (generic-pool's `maxWaitingClients`): an integer >= 0 or `Infinity`. An `acquire()` past it rejects
   * at once with `QueueFullError`. Callers served by a resource already being created or validated for them
   * do not count.
   * @default Infinity
   */
  maxWaiting?: number | undefined;
}

/** A fresh snapshot of a {@link ResourcePool}, from `stats()`. */
export interface ResourcePoolStats {
  /** Resources the pool holds ready or lent: `available + borrowed`. */
  size: number;
  /** Idle resources, ready to lend. */
  available: number;
  /** Resources lent out and not yet released. */
  borrowed: number;
  /** Callers waiting in `acquire()`. */
  pending: number;
  /** Resources being created now. */
  creating: number;
  /** Resources created so far (successful `create` calls). */
  created: number;
  /** Resources destroyed so far (settled `destroy` calls, failed ones included). */
  destroyed: number;
  min: number;
  max: number;
}

/** Why the pool destroyed a resource. */
export type DestroyReason = 'invalid' | 'idle' | 'close';

/** The events of a {@link ResourcePool} and their payloads. */
export interface ResourcePoolEvents<R> {
  /** `create` made a resource. */
  create: { resource: R };
  /** `destroy` settled for a resource: it failed validation, sat idle too long, or the pool closed. */
  destroy: { resource: R; reason: DestroyReason };
  /** A resource was lent to a caller of `acquire()`. */
  acquire: { resource: R };
  /** A borrowed resource came back through `release()`. */
  release: { resource: R };
  /** `create`, `validate` or `destroy` threw or rejected (a `validate` that returns `false` is no error). */
  error: { error: unknown; phase: 'create' | 'validate' | 'destroy' };
}

/** The defaults of {@link ResourcePoolOptions}, in one place. @internal */
export const POOL_DEFAULTS = {
  /** Resources kept at all times (count). */
  min: 0,
  /** How long `acquire()` waits, in ms: no limit. */
  acquireTimeout: Number.POSITIVE_INFINITY,
  /** How long a resource may sit idle, in ms: forever. */
  idleTimeout: Number.POSITIVE_INFINITY,
  /** Callers that may wait for a release (count): no limit. */
  maxWaiting: Number.POSITIVE_INFINITY,
} as const;

/** The checked options, defaults applied. @internal */
export interface PoolConfig<R> {
  create: (signal: AbortSignal) => R | PromiseLike<R>;
  destroy: (resource: R) => void | PromiseLike<void>;
  validate: ((resource: R) => boolean | PromiseLike<boolean>) | undefined;
  min: number;
  max: number;
  acquireTimeout: number;
  idleTimeout: number;
  maxWaiting: number;
  clock: Clock;
}

/** Checks the constructor options once, naming the option and the value in every error. @internal */
export function poolConfig<R>(options: ResourcePoolOptions<R>): PoolConfig<R> {
  assertObject('ResourcePool options', options);
  const name = (key: string) => `ResourcePool options.${key}`;
  assertFunction(name('create'), options.create);
  assertFunction(name('destroy'), options.destroy);
  if (options.validate !== undefined) assertFunction(name('validate'), options.validate);
  if (options.max === undefined) throw new TypeError(`${name('max')} must be a number, got undefined.`);
  const max = concurrencyOption(name('max'), options.max, 1);
  const min = integerOption(name('min'), options.min, POOL_DEFAULTS.min, 0);
  if (min > max)
    throw new RangeError(`${name('min')} must not exceed max (${max}), got ${describe(options.min)}.`);
  return {
    create: options.create,
    destroy: options.destroy,
    validate: options.validate,
    min,
    max,
    acquireTimeout:
      options.acquireTimeout === undefined
        ? POOL_DEFAULTS.acquireTimeout
        : timeoutOption(name('acquireTimeout'), options.acquireTimeout),
    idleTimeout: durationOption(name('idleTimeout'), options.idleTimeout, POOL_DEFAULTS.idleTimeout),
    maxWaiting: integerOption(name('maxWaiting'), options.maxWaiting, POOL_DEFAULTS.maxWaiting, 0, true),
    clock: clockOption(name('clock'), options.clock),
  };
}
