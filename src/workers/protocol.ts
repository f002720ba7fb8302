import type { MessagePort } from 'node:worker_threads';

/**
 * The messages between a `WorkerPool` and its threads. Internal: both sides are Ferris's own code.
 *
 * Each thread gets its own MessageChannel port (never the worker's default port, so both sides can drain
 * it synchronously with `receiveMessageOnPort`) and a small shared `Int32Array` of task slots. The host
 * may send several tasks in one message (an array) when it hands more than one to the same thread at once;
 * the thread runs them one after the other and posts each result as soon as it has it, so a crash never
 * loses a finished task's result.
 *
 * Slots: a task with thread-local sequence number `seq` (>= 1) owns slot `seq % SLOT_COUNT`. The host
 * stores `seq` there before sending the task. The thread claims it with compareExchange(seq -> -seq) just
 * before running it; the host cancels a task it sent but that has not started with compareExchange(seq -> 0).
 * Exactly one of the two wins, so an aborted task either never runs or is known to be running (and then its
 * thread is terminated). At most SLOT_COUNT tasks are ever in flight on one thread, in order.
 * @internal
 */

/** Slots per thread: the most tasks one thread may hold at once (running or waiting in its port). */
export const SLOT_COUNT = 64;

/** The sequence numbers wrap before they could overflow an Int32 slot. */
export const MAX_SEQ = 0x3fff_ffff;

/** What the thread receives in `workerData`. */
export interface WorkerData {
  /** The thread's end of its channel. */
  port: MessagePort;
  /** The task slots (an Int32Array over a SharedArrayBuffer of SLOT_COUNT entries). */
  slots: Int32Array;
  /** URL of the task module, or `null` for a pool used only with `exec`. */
  moduleUrl: string | null;
}

/** One task sent to a thread. */
export interface TaskMessage {
  /** Thread-local sequence number (>= 1); its slot is `seq % SLOT_COUNT`. */
  seq: number;
  /** A named export of the task module, called as `fn(arg)`. */
  name?: string | undefined;
  /** An `exec` function's id, called as `fn(...arg)`. */
  fn?: number | undefined;
  /** The `exec` function's source, sent the first time this thread sees its id. */
  source?: string | undefined;
  /** The task's argument (`exec`: the array of arguments). */
  arg: unknown;
  /**
   * Ids of exec functions the pool has forgotten (see FunctionCache.ts): the thread drops its compiled copies
   * when this task's turn comes, after every task sent before it.
   */
  forget?: number[] | undefined;
}

/** What the host posts: one task, or several in order. */
export type HostMessage = TaskMessage | TaskMessage[];

/** Result kinds. */
export const OK = 0;
export const THREW = 1;

/**
 * What the thread posts for each finished task: `[seq, OK, value, runMs]` or `[seq, THREW, error, runMs]`.
 * A tuple keeps the per-task message small.
 */
export type ResultMessage = [seq: number, kind: typeof OK | typeof THREW, value: unknown, runMs: number];

/** An error as it crosses the thread boundary (structured clone keeps neither class nor cause reliably). */
export interface WireError {
  ferrisWireError: true;
  name: string;
  message: string;
  stack: string | undefined;
  cause?: unknown;
  hasCause: boolean;
  /** Own enumerable properties that could be cloned (e.g. `code`, `errno`). */
  props: Record<string, unknown>;
  /** AggregateError's errors. */
  errors?: unknown[] | undefined;
}
