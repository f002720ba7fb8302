import { receiveMessageOnPort } from 'node:worker_threads';
import { RingBuffer } from '../core/RingBuffer.js';
import { BatchDepth } from './BatchDepth.js';
import { EXEC_CACHE_SIZE, type ExecFunction, FunctionCache } from './FunctionCache.js';
import type { PoolConfig } from './options.js';
import { PoolThread } from './PoolThread.js';
import { OK, type ResultMessage, SLOT_COUNT } from './protocol.js';
import { type Outcome, PoolMetrics, type WorkerPoolStats } from './stats.js';
import type { Task } from './Task.js';
import { crashError } from './threadErrors.js';
import { fromWire } from './wireErrors.js';

/**
 * The inside of a `WorkerPool`: its queue, its threads, and how tasks move between them. The pool checks
 * calls and builds tasks; the scheduler hands them to threads, settles them once, and replaces threads that
 * die.
 *
 * Invariants: `#queued` counts the tasks in `#queue` whose state is 'queued' (aborted ones are skipped when
 * reached); `#running` counts the tasks in some thread's `inFlight` whose state is 'sent'; a thread's
 * `inFlight` is answered in order; `#live` counts the threads not retiring.
 * @internal
 */
export class Scheduler {
  readonly #config: PoolConfig;
  readonly #functions: FunctionCache;
  readonly #queue = new RingBuffer<Task>();
  readonly #threads: PoolThread[] = [];
  readonly #metrics: PoolMetrics;
  #closed = false;
  #onDrained: (() => void) | undefined = undefined;
  #queued = 0;
  #running = 0;
  #live = 0;
  /** How many tasks a thread may hold at once, from the run times seen so far. */
  readonly #batch = new BatchDepth();
  #pumping = false;

  constructor(config: PoolConfig) {
    this.#config = config;
    this.#functions = new FunctionCache(EXEC_CACHE_SIZE, (id) => {
      for (const t of this.#threads) t.forget(id);
    });
    this.#metrics = new PoolMetrics(config.clock, config.minThreads, config.maxThreads);
    for (let i = 0; i < config.minThreads; i++) this.#becameIdle(this.#spawn());
  }

  /** Tasks waiting for a thread. */
  get queued(): number {
    return this.#queued;
  }

  /** The exec function with this source (see FunctionCache.ts). */
  execFunction(source: string): ExecFunction {
    return this.#functions.get(source);
  }

  /** Adds a task to the queue and hands it to a thread if one has room. */
  enqueue(task: Task): void {
    this.#queue.push(task);
    this.#queued++;
    this.#pump();
  }

  /** A fresh snapshot (see `WorkerPool.stats`). */
  stats(): WorkerPoolStats {
    let idle = 0;
    for (const t of this.#threads) if (t.retiring === undefined && t.inFlight.length === 0) idle++;
    return this.#metrics.snapshot(this.#live, idle, this.#queued, this.#running);
  }

  /** Resolves once no task is queued or running. */
  drained(): Promise<void> {
    const drained = new Promise<void>((resolve) => {
      this.#onDrained = resolve;
    });
    this.#checkDrained();
    return drained;
  }

  /** Rejects every queued and running task with `error()` (destroy). */
  dropAll(error: () => unknown): void {
    for (let t = this.#queue.shift(); t !== undefined; t = this.#queue.shift())
      if (t.state === 'queued') {
        this.#queued--;
        this.#settle(t, false, error(), 'failed');
      }
    for (const thread of [...this.#threads])
      for (const t of thread.inFlight) if (t.state !== 'done') this.#settle(t, false, error(), 'failed');
    this.#checkDrained();
  }

  /** Whether a new task would reach a thread without waiting in the queue. */
  hasFreeThread(): boolean {
    if (this.#live < this.#config.maxThreads) return true;
    for (const t of this.#threads) if (t.retiring === undefined && t.inFlight.length === 0) return true;
    return false;
  }

  #pickThread(depth: number): PoolThread | undefined {
    let best: PoolThread | undefined;
    for (const t of this.#threads) {
      if (t.retiring !== undefined) continue;
      if (t.inFlight.length === 0) return t;
      if (best === undefined || t.inFlight.length < best.inFlight.length) best = t;
    }
    if (this.#live < this.#config.maxThreads) return this.#spawn();
    return best !== undefined && best.inFlight.length < depth ? best : undefined;
  }

  /** Hands queued tasks to threads while there is room. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const depth = this.#batch.depth();
      while (this.#queued > 0) {
        const thread = this.#pickThread(depth);
        if (thread === undefined) break;
        const room = Math.min(depth, SLOT_COUNT) - thread.inFlight.length;
        const batch: Task[] = [];
        while (batch.length < room && this.#queued > 0) {
          const t = this.#queue.shift() as Task;
          if (t.state !== 'queued') continue;
          this.#queued--;
          batch.push(t);
        }
        this.#send(thread, batch);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #send(thread: PoolThread, batch: Task[]): void {
    if (batch.length === 0) return;
    this.#clearIdleTimer(thread);
    try {
      thread.send(batch, this.#functions);
    } catch (error) {
      if (batch.length > 1) {
        for (const t of batch) this.#send(thread, [t]);
        return;
      }
      const t = batch[0] as Task;
      const why = error instanceof Error ? error.message : String(error);
      this.#settle(
        t,
        false,
        new TypeError(`The argument of ${t.label} cannot be sent to a worker thread (${why}).`, {
          cause: error,
        }),
        'failed',
      );
      if (thread.inFlight.length === 0) this.#becameIdle(thread);
      return;
    }
    for (const t of batch) t.state = 'sent';
    this.#running += batch.length;
  }

  #spawn(): PoolThread {
    const thread = new PoolThread(
      this.#config.moduleUrl,
      this.#config.resourceLimits,
      (t, first) => this.#onResults(t, first),
      (t, code) => this.#onExit(t, code),
    );
    this.#threads.push(thread);
    this.#live++;
    return thread;
  }

  #onResults(thread: PoolThread, first: unknown): void {
    this.#result(thread, first as ResultMessage);
    for (let m = receiveMessageOnPort(thread.port); m !== undefined; m = receiveMessageOnPort(thread.port))
      this.#result(thread, m.message as ResultMessage);
    // Refill first: a thread that gets new work at once never goes through idle (no unref, no idle timer).
    this.#pump();
    if (thread.inFlight.length === 0) this.#becameIdle(thread);
  }

  #result(thread: PoolThread, [seq, kind, value, runMs]: ResultMessage): void {
    const inFlight = thread.inFlight;
    let task = inFlight.shift();
    while (task !== undefined && task.seq !== seq) task = inFlight.shift();
    if (task === undefined) return;
    thread.ran = true;
    this.#metrics.ran(runMs);
    this.#batch.ran(runMs);
    if (task.state === 'done') return; // aborted after it started; the result is dropped
    this.#metrics.waited(task.calledAt, runMs);
    if (kind === OK) this.#settle(task, true, value, 'completed');
    else this.#settle(task, false, fromWire(value), 'failed');
  }

  #settle(task: Task, ok: boolean, value: unknown, outcome: Outcome): void {
    if (task.state === 'sent') this.#running--;
    task.state = 'done';
    task.scope?.dispose();
    this.#metrics.settled(outcome);
    if (ok) task.resolve(value);
    else task.reject(value);
    if (this.#onDrained !== undefined) this.#checkDrained();
  }

  /** Settles an aborted or timed-out task with `reason`; a running one's thread is replaced. */
  abort(task: Task, reason: unknown, signal: AbortSignal | undefined): void {
    if (task.state === 'done') return;
    const outcome = signal?.aborted && signal.reason === reason ? 'cancelled' : 'failed';
    const thread = task.thread;
    if (task.state === 'queued' || thread === undefined) {
      // Still in the queue: it is skipped when reached.
      this.#queued--;
      this.#settle(task, false, reason, outcome);
      return;
    }
    if (thread.tryCancel(task)) {
      thread.inFlight.splice(thread.inFlight.indexOf(task), 1);
      this.#settle(task, false, reason, outcome);
      if (thread.inFlight.length === 0) this.#becameIdle(thread);
      this.#pump();
      return;
    }
    const running = thread.isRunning(task);
    this.#settle(task, false, reason, outcome);
    if (!running) return; // it finished; its result is on its way and will be dropped
    // Take back the tasks queued behind it on that thread. If one has started, this one has finished after
    // all, and the thread lives on; otherwise the thread is stopped and replaced.
    const behind = thread.inFlight.slice(thread.inFlight.indexOf(task) + 1);
    const taken: Task[] = [];
    let moved = false;
    for (const t of behind) {
      if (t.state === 'done') continue;
      if (thread.tryCancel(t)) taken.push(t);
      else {
        moved = true;
        break;
      }
    }
    for (const t of taken) thread.inFlight.splice(thread.inFlight.indexOf(t), 1);
    this.#requeue(taken);
    if (!moved) this.#retire(thread, 'abort');
    this.#pump();
  }

  /** Puts tasks that never started back at the front of the queue, in their order. */
  #requeue(tasks: Task[]): void {
    for (let i = tasks.length - 1; i >= 0; i--) {
      const t = tasks[i] as Task;
      if (t.state === 'sent') this.#running--;
      t.state = 'queued';
      t.thread = undefined;
      this.#queue.unshift(t);
      this.#queued++;
    }
  }

  #onExit(thread: PoolThread, code: number): void {
    this.#clearIdleTimer(thread);
    this.#threads.splice(this.#threads.indexOf(thread), 1);
    if (thread.retiring === undefined) this.#live--;
    for (let m = receiveMessageOnPort(thread.port); m !== undefined; m = receiveMessageOnPort(thread.port))
      this.#result(thread, m.message as ResultMessage);
    const never: Task[] = [];
    let claimed = thread.ran;
    for (const t of thread.inFlight) {
      if (Atomics.load(thread.slots, t.seq % SLOT_COUNT) !== t.seq) claimed = true;
      if (t.state === 'done') continue;
      if (Atomics.load(thread.slots, t.seq % SLOT_COUNT) === t.seq) never.push(t);
      else this.#settle(t, false, crashError(t, code, thread.error, true), 'failed');
    }
    thread.inFlight = [];
    // A thread that died before taking any task cannot start at all: fail what it held instead of retrying.
    const broken = thread.retiring === undefined && !claimed;
    if (broken)
      for (const t of never) this.#settle(t, false, crashError(t, code, thread.error, false), 'failed');
    else this.#requeue(never);
    const crashed = thread.retiring === undefined || thread.retiring === 'abort';
    if (crashed && !broken && !this.#closed && this.#live < this.#config.maxThreads)
      this.#becameIdle(this.#spawn());
    this.#pump();
    this.#checkDrained();
  }

  #retire(thread: PoolThread, why: 'idle' | 'abort' | 'close'): void {
    if (thread.retiring !== undefined) return;
    this.#live--;
    thread.retire(why);
  }

  #becameIdle(thread: PoolThread): void {
    thread.setRef(false);
    if (thread.retiring !== undefined) return;
    const { idleTimeout, minThreads, clock } = this.#config;
    if (
      this.#live <= minThreads ||
      idleTimeout === Number.POSITIVE_INFINITY ||
      thread.idleTimer !== undefined
    )
      return;
    thread.idleTimer = clock.setTimeout(() => {
      thread.idleTimer = undefined;
      if (thread.inFlight.length === 0 && thread.retiring === undefined && this.#live > minThreads)
        this.#retire(thread, 'idle');
    }, idleTimeout);
    (thread.idleTimer as { unref?: () => void } | undefined)?.unref?.();
  }

  #clearIdleTimer(thread: PoolThread): void {
    if (thread.idleTimer === undefined) return;
    this.#config.clock.clearTimeout(thread.idleTimer);
    thread.idleTimer = undefined;
  }

  #checkDrained(): void {
    if (this.#onDrained === undefined || this.#queued > 0 || this.#running > 0) return;
    const resolve = this.#onDrained;
    this.#onDrained = undefined;
    resolve();
  }

  /** Stops every thread; resolves once all have exited. */
  async stopThreads(): Promise<void> {
    this.#closed = true;
    for (const t of this.#threads) {
      this.#clearIdleTimer(t);
      this.#retire(t, 'close');
    }
    await Promise.all(this.#threads.map((t) => t.exited));
  }
}
