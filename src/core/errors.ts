/**
 * Every failure Ferris reports has its own class here, so callers can tell them apart with `instanceof`.
 * All of them extend {@link FerrisError}; programming mistakes (bad arguments, over-release) throw the
 * built-in `TypeError` / `RangeError` / `Error` instead.
 */

/** Options accepted by every Ferris error constructor. */
export interface FerrisErrorOptions {
  /** The error this one wraps, kept as `cause`. */
  cause?: unknown;
}

/** Base class of every error Ferris throws on purpose: `catch (e) { if (e instanceof FerrisError) ... }`. */
export class FerrisError extends Error {
  override name = 'FerrisError';
  constructor(message: string, options?: FerrisErrorOptions) {
    super(message, options);
  }
}

/** The default abort reason when Ferris itself cancels work (group failure, shutdown, `task.cancel()`). */
export class CancelledError extends FerrisError {
  override name = 'CancelledError';
  constructor(message = 'The operation was cancelled.', options?: FerrisErrorOptions) {
    super(message, options);
  }
}

/** A wait or a unit of work ran past its `timeout`. */
export class TimeoutError extends FerrisError {
  override name = 'TimeoutError';
  /** The timeout that elapsed, in milliseconds, when known. */
  readonly timeout: number | undefined;
  constructor(message?: string, options?: FerrisErrorOptions & { timeout?: number }) {
    super(
      message ??
        (options?.timeout === undefined
          ? 'The operation timed out.'
          : `The operation timed out after ${options.timeout} ms.`),
      options,
    );
    this.timeout = options?.timeout;
  }
}

/** `putNowait()` on a full queue: use `await put()` to wait for room instead. */
export class QueueFullError extends FerrisError {
  override name = 'QueueFullError';
  constructor(
    message = 'The queue is full; use `await queue.put(item)` to wait for room.',
    options?: FerrisErrorOptions,
  ) {
    super(message, options);
  }
}

/** `getNowait()` on an empty queue: use `await get()` to wait for an item instead. */
export class QueueEmptyError extends FerrisError {
  override name = 'QueueEmptyError';
  constructor(
    message = 'The queue is empty; use `await queue.get()` to wait for an item.',
    options?: FerrisErrorOptions,
  ) {
    super(message, options);
  }
}

/** The queue was shut down: no more puts, and gets fail once it is drained. */
export class QueueShutDownError extends FerrisError {
  override name = 'QueueShutDownError';
  constructor(message = 'The queue has been shut down.', options?: FerrisErrorOptions) {
    super(message, options);
  }
}

/** A circuit breaker is open and failed the call fast, without calling the function. */
export class CircuitOpenError extends FerrisError {
  override name = 'CircuitOpenError';
  constructor(
    message = 'The circuit is open; the call was rejected without running. Retry after the reset timeout.',
    options?: FerrisErrorOptions,
  ) {
    super(message, options);
  }
}

/** A resource or worker pool was drained or closed and accepts no more work. */
export class PoolClosedError extends FerrisError {
  override name = 'PoolClosedError';
  constructor(message = 'The pool is closed and lends nothing more.', options?: FerrisErrorOptions) {
    super(message, options);
  }
}

/** A worker thread exited, crashed or ran out of memory while running a task. */
export class WorkerError extends FerrisError {
  override name = 'WorkerError';
  /** The worker's exit code, when it exited. */
  readonly exitCode: number | undefined;
  constructor(message: string, options?: FerrisErrorOptions & { exitCode?: number }) {
    super(message, options);
    this.exitCode = options?.exitCode;
  }
}

/** Every attempt of `retry()` failed; `errors` holds each attempt's error in order, `cause` the last. */
export class RetryError extends FerrisError {
  override name = 'RetryError';
  readonly errors: readonly unknown[];
  constructor(errors: readonly unknown[], message?: string) {
    super(message ?? `All ${errors.length} attempts failed; the last error is the cause.`, {
      cause: errors[errors.length - 1],
    });
    this.errors = errors;
  }
}

/** Work was submitted to an executor after `shutdown()` was called. */
export class ExecutorShutdownError extends FerrisError {
  override name = 'ExecutorShutdownError';
  constructor(
    message = 'The executor is shutting down and accepts no new work.',
    options?: FerrisErrorOptions,
  ) {
    super(message, options);
  }
}

/** A barrier was aborted or reset while parties were waiting, or was already broken. */
export class BrokenBarrierError extends FerrisError {
  override name = 'BrokenBarrierError';
  constructor(
    message = 'The barrier is broken; call reset() before waiting on it again.',
    options?: FerrisErrorOptions,
  ) {
    super(message, options);
  }
}

/** Redis could not be reached (or was lost) and the operation could not complete; `cause` is the client's error. */
export class RedisUnavailableError extends FerrisError {
  override name = 'RedisUnavailableError';
  constructor(message = 'Redis is unavailable.', options?: FerrisErrorOptions) {
    super(message, options);
  }
}

/**
 * The warning Ferris emits through `process.emitWarning` (or `console.warn` where there is no `process`)
 * when something went wrong that nobody was there to hear: a task failed and its outcome was never read
 * (code `FERRIS_UNOBSERVED_TASK_ERROR`, the task's error as `cause`), as asyncio logs "Task exception was
 * never retrieved". It is a warning, not a thrown error, so it does not extend {@link FerrisError}.
 */
export class FerrisWarning extends Error {
  override name = 'FerrisWarning';
  /** A stable code to filter on, e.g. `FERRIS_UNOBSERVED_TASK_ERROR`. */
  readonly code: string;
  constructor(message: string, code: string, options?: FerrisErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
