import { systemClock } from '../core/Clock.js';
import { type Context, callInContext } from '../core/context.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { linkSignal, type SignalScope } from '../core/signals.js';
import type { ClockOptions, Work } from '../core/types.js';
import { assertFunction, isThenable } from '../core/validate.js';
import { ARM_NOW, kLabel, kOwn, kStart, kTake, type TaskOwner } from './owner.js';
import {
  CANCELLED,
  capture,
  DECIDED,
  type Final,
  FULFILLED,
  type Limits,
  NO_OPTIONS,
  NO_SIGNAL,
  PENDING,
  READ,
  REJECTED,
  RUNNING,
  readTaskOptions,
  reportIfUnread,
  STATUS,
  STATUSES,
  type TaskStatus,
  takeCaptured,
  takesNoSignal,
} from './taskSupport.js';

export { kLabel, kOwn, kStart, kTake, type TaskOwner } from './owner.js';
export type { TaskStatus } from './taskSupport.js';

/** Options of {@link AsyncTask}. */
export interface AsyncTaskOptions extends ClockOptions {
  /** A label for logs and stats. @default "Task-<n>" */
  name?: string | undefined;
  /** Milliseconds from `execute()` until the task rejects with `TimeoutError` and its signal aborts. @default Infinity */
  timeout?: number | undefined;
  /** Cancels the task when it aborts: the task rejects with `signal.reason` and is 'cancelled'. */
  signal?: AbortSignal | undefined;
}

let taskCounter = 0;
const ignore = (): void => {};
const promiseThen = Promise.prototype.then;
/** Set while Ferris itself attaches its handler, whose `constructor` read is not a reader's. */
let attaching = false;

/**
 * One unit of work with a name, a status, timings, a timeout and cancellation (PyFerris `AsyncTask`).
 * The work is a function that receives the task's AbortSignal; it runs once, on the first `execute()`
 * (or `await task`, `task.then()`), and every later call returns the same promise: the task itself, which is
 * a `Promise`.
 *
 * Cancelling (`cancel()`, the `signal` option) and timing out settle the task at once, without waiting for
 * the work: a cancelled task rejects with the reason and is 'cancelled'; a timed-out one rejects with
 * `TimeoutError` and is 'rejected'. In both cases the work's signal aborts with that same error, and whatever
 * the work produces later is dropped. The signal belongs to this task for life: it never aborts after the
 * work settled on its own. Work written as `() => ...` (no parameter) cannot read a signal and is called
 * without one, which saves creating it.
 *
 * A task that rejects while nobody awaits it is never an unhandled rejection. If it fails and nobody reads its
 * outcome (no `await`, `then`, `catch` or `finally`, `error` never read, and no owner that hears of it) by
 * the next macrotask, the failure is reported once through `process.emitWarning` as a `FerrisWarning` with
 * code `FERRIS_UNOBSERVED_TASK_ERROR` and the error as `cause`.
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
   * Why a Promise subclass, and why `constructor` is a getter (answering `AsyncTask` only for a bare pending
   * task, so `await` calls `then()`, which starts it): docs/design.md, "AsyncTask". Fields are kept few: an
   * executor holds one task per queued submission (SPEC §4 counts bytes per task).
   */
  /** The label, or the task number `n` of the default label `Task-<n>`. */
  #name: string | number;
  /** The work until it starts; then nothing. */
  #work: Work<T> | undefined;
  /** Status code, plus the READ flag once someone read the outcome (await, then, error). */
  #state = PENDING;
  /** The value once fulfilled, the reason once rejected or cancelled; before that, a queued task's context. */
  #outcome: unknown = undefined;
  /** Settles the promise; a rejection goes through it too, as an already rejected promise (one function kept, not two). */
  #resolve: ((value: unknown) => void) | undefined;
  /** The executor or group that starts the task, if any. */
  #owner: TaskOwner | undefined = undefined;
  /** The rare settings (timeout, signal, clock), if any. */
  #limits: Limits | undefined;
  /** The cancel scope of the work: made when armed (timeout or signal) or when the work takes a signal. */
  #scope: SignalScope | undefined = undefined;
  #submittedAt: number | undefined = undefined;
  #startedAt: number | undefined = undefined;
  #finishedAt: number | undefined = undefined;

  static {
    Object.defineProperty(AsyncTask.prototype, 'constructor', {
      configurable: true,
      get(this: object): PromiseConstructor | typeof AsyncTask {
        if (!(#state in this)) return Promise;
        // `await task` and `Promise.resolve(task)` read this: the outcome is read.
        if (!attaching) this.#state |= READ;
        return this.#isBarePending() ? AsyncTask : Promise;
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
    const { name, limits } = options === undefined ? NO_OPTIONS : readTaskOptions(options);
    super(capture);
    this.#resolve = takeCaptured();
    this.#name = name ?? ++taskCounter;
    this.#work = fn;
    this.#limits = limits;
  }

  /** The task's label. @default "Task-<n>" */
  get name(): string {
    const name = this.#name;
    return typeof name === 'string' ? name : `Task-${name}`;
  }

  /** @internal See {@link kLabel}. */
  get [kLabel](): string | number {
    return this.#name;
  }

  /** Current state; see {@link TaskStatus}. */
  get status(): TaskStatus {
    return STATUSES[this.#state & STATUS] as TaskStatus;
  }

  /** True once the task is fulfilled, rejected or cancelled. */
  get isDone(): boolean {
    return (this.#state & STATUS) >= FULFILLED;
  }

  /** The value, once fulfilled; `undefined` before. */
  get result(): T | undefined {
    return (this.#state & STATUS) === FULFILLED ? (this.#outcome as T) : undefined;
  }

  /** The rejection reason, once rejected or cancelled; `undefined` before. Reading it counts as reading the outcome. */
  get error(): unknown {
    this.#state |= READ;
    return (this.#state & STATUS) >= REJECTED ? this.#outcome : undefined;
  }

  /** When its executor queued the task (ms; one reading per synchronous burst), if someone listened, else `startedAt`. */
  get submittedAt(): number | undefined {
    return this.#submittedAt ?? this.#startedAt;
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
    const start = this.#startedAt;
    return start === undefined || this.#finishedAt === undefined ? undefined : this.#finishedAt - start;
  }

  /** Starts the task (once) and returns it, its own promise; a task owned by an executor or a group is started by its owner. */
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
    this.#state |= READ;
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
    if (this.#scope !== undefined)
      this.#scope.abort(why); // settles the task through #scopeAborted
    else this.#stopped(CANCELLED, why);
  }

  override get [Symbol.toStringTag](): string {
    return 'AsyncTask';
  }

  /** @internal Hands the task to its owner: see {@link kOwn} in owner.ts. */
  [kOwn](owner: TaskOwner, flags: number, context?: Context, submittedAt?: number): void {
    this.#state |= flags & (DECIDED | NO_SIGNAL);
    this.#owner = owner;
    this.#outcome = context;
    this.#submittedAt = submittedAt;
    if ((flags & ARM_NOW) !== 0) this.#arm();
  }

  /** @internal Starts an owned task (no-op if it already settled, e.g. cancelled or timed out in the queue). */
  [kStart](now?: number): void {
    if ((this.#state & STATUS) === PENDING) this.#start(now);
  }

  /** @internal See {@link kTake}. */
  [kTake](now?: number): boolean {
    if ((this.#state & STATUS) !== PENDING) return false;
    this.#owner!.taskStarting?.(this as AsyncTask<unknown>);
    const context = this.#outcome as Context;
    this.#outcome = undefined;
    callInContext(context, this.#start, this, now);
    return true;
  }

  /** Pending and not owned: `execute()`, `then()` and `await` start it. */
  #isBarePending(): boolean {
    return (this.#state & STATUS) === PENDING && this.#owner === undefined;
  }

  /** Opens the cancel scope of a task with a timeout or a signal (once). */
  #arm(): void {
    const limits = this.#limits;
    if (limits === undefined || this.#scope !== undefined) return;
    const { timeout, signal, clock } = limits;
    this.#scope = linkSignal(signal, {
      timeout,
      clock,
      timeoutReason: () => new TimeoutError(`Task ${this.name} timed out after ${timeout} ms.`, { timeout }),
      onAbort: (reason, timedOut) => this.#stopped(timedOut ? REJECTED : CANCELLED, reason),
    });
  }

  #start(now?: number): void {
    this.#arm();
    if ((this.#state & STATUS) !== PENDING) return; // the signal was already aborted
    const fn = this.#work as Work<T>;
    this.#work = undefined;
    const state = this.#state;
    this.#state = (state & ~STATUS) | RUNNING;
    this.#startedAt = now ?? this.#now();
    const bare =
      this.#scope === undefined && ((state & DECIDED) === 0 ? takesNoSignal(fn) : (state & NO_SIGNAL) !== 0);
    let out: T | PromiseLike<T>;
    try {
      if (bare) out = (fn as () => T | PromiseLike<T>)();
      else {
        this.#scope ??= linkSignal(undefined, {
          onAbort: (reason) => this.#stopped(CANCELLED, reason),
        });
        out = fn(this.#scope.signal);
      }
    } catch (error) {
      this.#workDone(REJECTED, error);
      return;
    }
    if (isThenable<T>(out))
      Promise.resolve(out).then(
        (value) => this.#workDone(FULFILLED, value),
        (error: unknown) => this.#workDone(REJECTED, error),
      );
    else this.#workDone(FULFILLED, out);
  }

  #now(): number {
    return (this.#limits === undefined ? systemClock : this.#limits.clock).now();
  }

  /** The work settled: `finishedAt`, and the `startedAt` of what the freed slot starts. A late outcome is dropped. */
  #workDone(status: typeof FULFILLED | typeof REJECTED, outcome: unknown): void {
    const now = this.#now();
    // The work settled on its own (or late): its signal must never abort from now on.
    this.#scope?.dispose();
    this.#owner?.workSettled(this as AsyncTask<unknown>, now);
    const state = this.#state;
    if ((state & STATUS) !== RUNNING) return;
    this.#state = (state & ~STATUS) | status;
    this.#outcome = outcome;
    this.#finish(now);
  }

  /** Cancelled or timed out: settles at once; work that never started never will. */
  #stopped(status: typeof REJECTED | typeof CANCELLED, reason: unknown): void {
    const state = this.#state;
    if ((state & STATUS) >= FULFILLED) return;
    const neverRan = (state & STATUS) === PENDING;
    this.#state = (state & ~STATUS) | status;
    this.#outcome = reason; // drops a captured context too
    this.#finish();
    if (neverRan) {
      this.#work = undefined;
      this.#owner?.workSettled(this as AsyncTask<unknown>);
    }
  }

  /** Common end of every final state: timings (`now`: a reading just taken), settlement, owner notice. */
  #finish(now?: number): void {
    this.#finishedAt = now ?? this.#now();
    const status = (this.#state & STATUS) as Final;
    if (status === FULFILLED) this.#resolve!(this.#outcome);
    else {
      // Handled here, so a task that nobody awaits is no unhandled rejection; awaiting it still rejects.
      attaching = true;
      promiseThen.call(this, undefined, ignore);
      attaching = false;
      const rejected = Promise.reject(this.#outcome);
      promiseThen.call(rejected, undefined, ignore);
      this.#resolve!(rejected);
    }
    this.#resolve = undefined;
    const owner = this.#owner;
    owner?.taskSettled(this as AsyncTask<unknown>);
    if (
      status === REJECTED &&
      (this.#state & READ) === 0 &&
      !owner?.readsFailure?.(this as AsyncTask<unknown>)
    ) {
      const task = this as AsyncTask<unknown>;
      reportIfUnread(this.name, this.#outcome, () => (task.#state & READ) === 0);
    }
  }
}
