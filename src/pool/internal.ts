import type { Clock } from '../core/Clock.js';
import { PoolClosedError } from '../core/errors.js';
import { isThenable } from '../core/validate.js';

/**
 * Private pieces of {@link ResourcePool}: calling user hooks that may answer synchronously or with a promise,
 * the errors of a refused acquire, a re-entrancy guard, a one-shot gate for `drain()`/`close()`, and the list of idle resources with their idle timers.
 * @internal
 */

/**
 * Calls `fn(arg)` and passes the outcome to `ok` or `fail`: at once for a plain value or a throw (so a pool
 * with synchronous hooks lends synchronously), once settled for a thenable. Never throws, never rejects.
 */
export function call<A, V>(
  fn: (arg: A) => V | PromiseLike<V>,
  arg: A,
  ok: (value: V) => void,
  fail: (error: unknown) => void,
): void {
  let result: V | PromiseLike<V>;
  try {
    result = fn(arg);
  } catch (error) {
    fail(error);
    return;
  }
  if (isThenable<V>(result)) result.then(ok, fail);
  else ok(result);
}

/** The error of an `acquire()` refused because `drain()` (or `close()`, when `closed`) was called. */
export function closedError(closed: boolean): PoolClosedError {
  return new PoolClosedError(
    closed ? 'The pool is closed and lends nothing more.' : 'The pool is draining and lends nothing more.',
  );
}

/** The message of an `acquire()` refused because `maxWaiting` callers already wait. */
export function queueFullMessage(maxWaiting: number): string {
  return `The pool has every resource lent and ${maxWaiting} caller(s) waiting (maxWaiting); the acquire was refused. Retry later, or raise maxWaiting.`;
}

/**
 * Wraps `body` so that a call made while it runs (re-entrantly, from a synchronous hook result) does not nest:
 * it is folded into one more pass of the running call.
 */
export function serialized(body: () => void): () => void {
  let running = false;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        body();
      } while (again);
    } finally {
      running = false;
    }
  };
}

/** A promise resolved from outside, once. */
export interface Gate {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

export function gate(): Gate {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface Idle<R> {
  readonly resource: R;
  timer: unknown;
}

/**
 * Idle resources, lent last-in first-out: the most recently released one is warm, and the ones left at the
 * bottom age out under `idleTimeout`. Each entry with a finite timeout has its own timer; when it fires,
 * `canEvict()` decides, and an evicted entry leaves the list before `evict(resource)` runs.
 */
export class IdleList<R> {
  readonly #entries: Idle<R>[] = [];

  constructor(
    readonly clock: Clock,
    readonly canEvict: () => boolean,
    readonly evict: (resource: R) => void,
  ) {}

  get size(): number {
    return this.#entries.length;
  }

  /** Adds a resource; with a finite `ms` it may be evicted after that many ms idle. */
  push(resource: R, ms: number): void {
    const idle: Idle<R> = { resource, timer: undefined };
    if (ms !== Number.POSITIVE_INFINITY)
      idle.timer = this.clock.setTimeout(() => {
        idle.timer = undefined;
        if (!this.canEvict()) return;
        const at = this.#entries.indexOf(idle);
        if (at < 0) return;
        this.#entries.splice(at, 1);
        this.evict(resource);
      }, ms);
    this.#entries.push(idle);
  }

  /** Takes the most recently added resource, stopping its timer. */
  pop(): R | undefined {
    const idle = this.#entries.pop();
    if (idle === undefined) return undefined;
    this.#stop(idle);
    return idle.resource;
  }

  /** Removes and returns every resource, stopping their timers. */
  takeAll(): R[] {
    const all = this.#entries.splice(0);
    for (const idle of all) this.#stop(idle);
    return all.map((idle) => idle.resource);
  }

  /** Stops every timer; the resources stay idle for good. */
  stopAging(): void {
    for (const idle of this.#entries) this.#stop(idle);
  }

  #stop(idle: Idle<R>): void {
    if (idle.timer === undefined) return;
    this.clock.clearTimeout(idle.timer);
    idle.timer = undefined;
  }
}
