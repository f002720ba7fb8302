import { type Clock, systemClock } from '../core/Clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import type { ClockOptions, Work } from '../core/types.js';
import { assertFunction, clockOption, optionsBag, signalOption, timeoutOption } from '../core/validate.js';

/** Where a task is in its life: it moves from 'pending' to 'running' to one of the three final states, once. */
export type TaskStatus = 'pending' | 'running' | 'fulfilled' | 'rejected' | 'cancelled';

/** Options of {@link AsyncTask}. */
export interface AsyncTaskOptions extends ClockOptions {
  /** A label for logs and stats. @default "Task-<n>" */
  name?: string | undefined;
  /** Milliseconds from `execute()` until the task rejects with `TimeoutError` and its signal aborts. @default Infinity */
  timeout?: number | undefined;
  /** Cancels the task when it aborts: the task rejects with `signal.reason` and is 'cancelled'. */
  signal?: AbortSignal | undefined;
}

/**
 * What an owner (executor, task group) learns about the tasks it starts. Internal: reached through
 * {@link kOwn} so the public surface stays small.
 * @internal
 */
export interface TaskOwner {
  /** The task reached a final state (its promise settled). */
  taskSettled(task: AsyncTask<unknown>): void;
  /** The work has settled (or will never run): its slot is free. `now`: its clock reading then, for {@link kStart}. */
  workSettled(task: AsyncTask<unknown>, now?: number): void;
}

/** @internal Hands a task to an owner, which then starts it with {@link kStart}. */
export const kOwn: unique symbol = Symbol('ferris.task.own');
/** @internal Parks a value (the submitter's context) in a waiting owned task, in a field unused until it settles. */
export const kPark: unique symbol = Symbol('ferris.task.park');
/** @internal Takes back the value parked with {@link kPark} (undefined once the task settled). */
export const kUnpark: unique symbol = Symbol('ferris.task.unpark');
/** @internal Starts an owned task now; `now`, if given, is a clock reading just taken, used as `startedAt`. */
export const kStart: unique symbol = Symbol('ferris.task.start');

let taskCounter = 0;

/** A task's rare settings, allocated only when it has a timeout, a signal or a clock of its own. */
class Limits {
  timer: unknown = undefined;
  listener: (() => void) | undefined = undefined;
  armed = false;
  constructor(
    readonly clock: Clock,
    readonly timeout: number,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/**
 * Spare controllers. On Node 20 creating an AbortSignal costs about a microsecond and 760 bytes, more than all
 * the rest of a task, so the signal of work that settled on its own (never aborted, nothing listening to it any
 * more) goes to the next task started instead of to the garbage collector. `getEventListeners` (Node) tells
 * whether anything still listens; where it is missing, nothing is reused.
 */
const spare: AbortController[] = [];
const MAX_SPARE = 64;
const listenersOf = (
  (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
    'node:events',
  ) as { getEventListeners?: (target: EventTarget, type: string) => unknown[] } | undefined
)?.getEventListeners;

// Called only while the task is 'running', so never on an aborted controller (aborting leaves 'running').
function recycle(controller: AbortController): void {
  if (listenersOf === undefined || spare.length >= MAX_SPARE) return;
  if (listenersOf(controller.signal, 'abort').length === 0) spare.push(controller);
}

// One shared promise executor instead of a closure per task.
let capturedResolve: ((value: never) => void) | undefined;
const capture = (resolve: (value: never) => void): void => {
  capturedResolve = resolve;
};
const ignore = (): void => {};
const promiseThen = Promise.prototype.then;

/**
 * One unit of work with a name, a status, timings, a timeout and cancellation (PyFerris `AsyncTask`).
 * The work is a function that receives the task's AbortSignal; it runs once, on the first `execute()`
 * (or `await task`, `task.then()`), and every later call returns the same promise: the task itself, which is
 * a `Promise`.
 *
 * Cancelling (`cancel()`, the `signal` option) and timing out settle the task at once, without waiting for
 * the work: a cancelled task rejects with the reason and is 'cancelled'; a timed-out one rejects with
 * `TimeoutError` and is 'rejected'. In both cases the work's signal aborts with that same error, and whatever
 * the work produces later is dropped. A task that rejects while nobody awaits it is not an unhandled
 * rejection. The signal belongs to the work until the work settles: the signal of work that settled on its
 * own, with no listener left on it, may be handed to a later task.
 *
 * @example
 * ```ts
 * const task = new AsyncTask(async (signal) => fetchReport(signal), { name: 'report', timeout: 5000 });
 * const report = await task.execute();
 * console.log(task.status, task.duration);
 * ```
 */
export class AsyncTask<T> extends Promise<T> {
  /*
   * Why a Promise subclass: `await task` and `Promise.all(tasks)` adopt a native promise whose `constructor`
   * is `Promise` directly, with no extra promise and no extra microtask, which a plain thenable costs (about
   * 3x the time of the whole task under `Promise.all`). So `constructor` on the prototype is a getter that
   * answers `Promise` once the task is owned or started. A bare pending task answers `AsyncTask` instead, so
   * `await` and `Promise.resolve()` treat it as a thenable and call `then()`, which starts it. Fields are kept
   * few: an executor holds one task per queued submission (SPEC §4 counts bytes per queued task).
   */
  /** The label, or the task number until the default label is first read. */
  #name: string | number;
  /** The work until it starts; its controller while it runs; then nothing. */
  #work: Work<T> | AbortController | undefined;
  #status: TaskStatus = 'pending';
  /** The value once fulfilled, the reason once rejected or cancelled; while pending, a value parked by the owner. */
  #outcome: unknown = undefined;
  /** Settles the promise; a rejection goes through it too, as an already rejected promise (one function kept, not two). */
  #resolve: ((value: unknown) => void) | undefined;
  /** The executor or group that starts the task, if any. */
  #owner: TaskOwner | undefined = undefined;
  /** The rare settings (timeout, signal, clock), if any. */
  #limits: Limits | undefined;
  #startedAt: number | undefined = undefined;
  #finishedAt: number | undefined = undefined;

  static {
    Object.defineProperty(AsyncTask.prototype, 'constructor', {
      configurable: true,
      get(this: object): PromiseConstructor | typeof AsyncTask {
        return #status in this && this.#isBarePending() ? AsyncTask : Promise;
      },
    });
  }

  /** Promises derived with `then()` are plain promises. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /**
   * @param fn The work: called with the task's AbortSignal.
   * @throws TypeError if `fn` is not a function or an option has the wrong type; RangeError if `timeout` is NaN.
   */
  constructor(fn: Work<T>, options?: AsyncTaskOptions) {
    assertFunction('AsyncTask fn', fn);
    let limits: Limits | undefined;
    let name: string | number | undefined;
    if (options !== undefined) {
      const o = optionsBag('AsyncTask options', options);
      if (o.name !== undefined && typeof o.name !== 'string')
        throw new TypeError(`AsyncTask options.name must be a string, got ${typeof o.name}.`);
      name = o.name;
      const timeout = timeoutOption('AsyncTask options.timeout', o.timeout);
      const signal = signalOption('AsyncTask options.signal', o.signal);
      const clock = o.clock === undefined ? systemClock : clockOption('AsyncTask options.clock', o.clock);
      if (timeout !== Number.POSITIVE_INFINITY || signal !== undefined || clock !== systemClock)
        limits = new Limits(clock, timeout, signal);
    }
    super(capture);
    this.#resolve = capturedResolve as (value: unknown) => void;
    capturedResolve = undefined;
    this.#name = name ?? ++taskCounter;
    this.#work = fn;
    this.#limits = limits;
  }

  /** The task's label. @default "Task-<n>" */
  get name(): string {
    const name = this.#name;
    if (typeof name === 'string') return name;
    const label = `Task-${name}`;
    this.#name = label;
    return label;
  }

  /** Current state; see {@link TaskStatus}. */
  get status(): TaskStatus {
    return this.#status;
  }

  /** True once the task is fulfilled, rejected or cancelled. */
  get isDone(): boolean {
    return this.#status !== 'pending' && this.#status !== 'running';
  }

  /** The value, once fulfilled; `undefined` before. */
  get result(): T | undefined {
    return this.#status === 'fulfilled' ? (this.#outcome as T) : undefined;
  }

  /** The rejection reason, once rejected or cancelled; `undefined` before. */
  get error(): unknown {
    return this.#status === 'rejected' || this.#status === 'cancelled' ? this.#outcome : undefined;
  }

  /** Clock time (ms) when the work started, if it did. */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  /** Clock time (ms) when the task settled, if it did. */
  get finishedAt(): number | undefined {
    return this.#finishedAt;
  }

  /** `finishedAt - startedAt` in ms, once both are known. */
  get duration(): number | undefined {
    return this.#startedAt === undefined || this.#finishedAt === undefined
      ? undefined
      : this.#finishedAt - this.#startedAt;
  }

  /**
   * Starts the task (once) and returns its promise, the task itself; repeat calls return the same promise.
   * A task owned by an executor or a group is started by its owner: `execute()` then only returns it.
   */
  execute(): Promise<T> {
    if (this.#isBarePending()) this.#start();
    return this;
  }

  /** Starts a bare pending task (as `execute()`), then behaves as `Promise.prototype.then`. */
  // biome-ignore lint/suspicious/noThenProperty: an AsyncTask is a promise; `await task` starts it (SPEC).
  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this.#isBarePending()) this.#start();
    return super.then(onFulfilled, onRejected);
  }

  /**
   * Cancels the task: a pending task never runs; a running task's signal aborts with `reason`. Either way the
   * task rejects at once with `reason` itself and becomes 'cancelled'. Does nothing once the task is done.
   * @param reason The rejection and abort reason. @default new CancelledError()
   */
  cancel(reason?: unknown): void {
    if (this.isDone) return;
    const why = reason === undefined ? new CancelledError(`Task ${this.name} was cancelled.`) : reason;
    const wasRunning = this.#status === 'running';
    const work = this.#work;
    this.#status = 'cancelled';
    this.#outcome = why;
    this.#finish();
    if (wasRunning) (work as AbortController).abort(why);
    else this.#neverRuns();
  }

  override get [Symbol.toStringTag](): string {
    return 'AsyncTask';
  }

  /**
   * @internal Hands the task to `owner`, which will start it with {@link kStart}. With `armNow`, the timeout
   * starts counting at once (queue time included, as `submitAsync` promises) instead of at start.
   */
  [kOwn](owner: TaskOwner, armNow: boolean): void {
    this.#owner = owner;
    if (armNow) this.#arm();
  }

  /** @internal See {@link kPark}. */
  [kPark](value: unknown): void {
    if (this.#status === 'pending') this.#outcome = value;
  }

  /** @internal See {@link kUnpark}. */
  [kUnpark](): unknown {
    if (this.#status !== 'pending') return undefined;
    const value = this.#outcome;
    this.#outcome = undefined;
    return value;
  }

  /** @internal Starts an owned task (no-op if it already settled, e.g. cancelled or timed out in the queue). */
  [kStart](now?: number): void {
    if (this.#status === 'pending') this.#start(now);
  }

  /** Pending and not owned: `execute()`, `then()` and `await` start it. */
  #isBarePending(): boolean {
    return this.#status === 'pending' && this.#owner === undefined;
  }

  #arm(): void {
    const limits = this.#limits;
    if (limits === undefined || limits.armed) return;
    limits.armed = true;
    const signal = limits.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.cancel(signal.reason);
        return;
      }
      limits.listener = () => this.cancel(signal.reason);
      signal.addEventListener('abort', limits.listener, { once: true });
    }
    if (limits.timeout !== Number.POSITIVE_INFINITY)
      limits.timer = limits.clock.setTimeout(() => this.#timedOut(), limits.timeout);
  }

  #start(now?: number): void {
    this.#arm();
    if (this.#status !== 'pending') return; // the signal was already aborted
    const fn = this.#work as Work<T>;
    const controller = spare.pop() ?? new AbortController();
    this.#work = controller;
    this.#outcome = undefined; // nothing stays parked while the work runs
    this.#status = 'running';
    this.#startedAt = now ?? this.#now();
    let out: T | PromiseLike<T>;
    try {
      out = fn(controller.signal);
    } catch (error) {
      this.#workDone('rejected', error);
      return;
    }
    if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<T>).then === 'function') {
      Promise.resolve(out).then(
        (value) => this.#workDone('fulfilled', value),
        (error: unknown) => this.#workDone('rejected', error),
      );
    } else this.#workDone('fulfilled', out);
  }

  #now(): number {
    return (this.#limits === undefined ? systemClock : this.#limits.clock).now();
  }

  /**
   * The work settled: one clock reading is this task's `finishedAt` and, through the owner, the `startedAt` of a
   * task the freed slot starts. A late outcome (the task was cancelled or timed out) is dropped.
   */
  #workDone(status: 'fulfilled' | 'rejected', outcome: unknown): void {
    const now = this.#now();
    this.#workSettled(now);
    if (this.#status !== 'running') return;
    this.#status = status;
    this.#outcome = outcome;
    this.#finish(now);
  }

  #timedOut(): void {
    const limits = this.#limits!;
    limits.timer = undefined;
    if (this.isDone) return;
    const wasRunning = this.#status === 'running';
    const work = this.#work;
    const error = new TimeoutError(`Task ${this.name} timed out after ${limits.timeout} ms.`, {
      timeout: limits.timeout,
    });
    this.#status = 'rejected';
    this.#outcome = error;
    this.#finish();
    if (wasRunning) (work as AbortController).abort(error);
    else this.#neverRuns();
  }

  #neverRuns(): void {
    this.#work = undefined;
    this.#owner?.workSettled(this as AsyncTask<unknown>);
  }

  #workSettled(now: number): void {
    if (this.#status === 'running') {
      // The work settled on its own: nothing will abort its signal any more, so it may serve another task.
      recycle(this.#work as AbortController);
    }
    this.#work = undefined;
    this.#owner?.workSettled(this as AsyncTask<unknown>, now);
  }

  /** Common end of every final state: timings (`now`: a reading just taken), cleanup, settlement, owner notice. */
  #finish(now?: number): void {
    const limits = this.#limits;
    this.#finishedAt = now ?? this.#now();
    if (limits !== undefined) {
      if (limits.timer !== undefined) {
        limits.clock.clearTimeout(limits.timer);
        limits.timer = undefined;
      }
      if (limits.listener !== undefined) {
        limits.signal!.removeEventListener('abort', limits.listener);
        limits.listener = undefined;
      }
    }
    if (this.#status === 'fulfilled') this.#resolve!(this.#outcome);
    else {
      // Handled here, so a task that nobody awaits is no unhandled rejection; awaiting it still rejects.
      promiseThen.call(this, undefined, ignore);
      const rejected = Promise.reject(this.#outcome);
      promiseThen.call(rejected, undefined, ignore);
      this.#resolve!(rejected);
    }
    this.#resolve = undefined;
    this.#owner?.taskSettled(this as AsyncTask<unknown>);
  }
}
