import type { Clock } from '../core/Clock.js';
import type { MapLimiter, WaitOptions } from '../core/types.js';
import type { Emitter } from '../observe/Emitter.js';
import type { MapSlots, Outcome } from '../parallel/slots.js';
import { AsyncTask } from '../task/AsyncTask.js';
import { kStart, kTake, type TaskOwner } from '../task/owner.js';
import { SignalQuestion } from '../task/taskSupport.js';
import type { AsyncExecutorEvents } from './options.js';
import { Pacer } from './Pacer.js';
import { type QueueEntry, RunQueue } from './RunQueue.js';
import { Watchers } from './Watchers.js';

/** A task that never runs and is already rejected with `error` (after shutdown, past `maxQueue`). @internal */
export function rejectedTask<T>(error: unknown, name: string | undefined, clock: Clock): AsyncTask<T> {
  const task = new AsyncTask<T>(
    () => {
      throw error;
    },
    { name, clock },
  );
  task[kStart]();
  return task;
}

/** A map run as the scheduler knows it: it can be stopped. @internal */
export interface StoppableRun {
  stop(reason: unknown): void;
}

/**
 * The slots of an {@link AsyncExecutor}: who runs, who waits, and when the next one starts.
 *
 * `#busy` counts the slots in use, by running tasks and by map runs (an item, or the pull before it). The run
 * queue holds one kind of entry, anything that can be offered a free slot (`kTake`): a queued task, or a map
 * run asking for its next slot. With a `limiter`, every start first takes one token, asked for on behalf of
 * whatever is at the head of the queue, one at a time, so tokens go in queue order; a token whose entry left
 * meanwhile is kept for the next. Invariant: while a slot is free, the executor is not paused, there is no
 * limiter and nothing is pumping, no live entry waits, so a submission that finds a slot free starts at once
 * without jumping a queue.
 * @internal
 */
export class Scheduler implements TaskOwner {
  /*
   * The scheduler is its tasks' owner itself (methods, not closures made per executor): optimized code that
   * calls an owner then depends on no object of one executor, so it survives the executor being collected.
   */
  #maxWorkers: number;
  readonly #clock: Clock;
  readonly #pacer: Pacer | undefined;
  /** The executor's emitter: the scheduler emits the task events itself (no closures made per executor). */
  readonly #events: Emitter<AsyncExecutorEvents>;
  readonly #queue = new RunQueue();
  #busy = 0;
  #running = 0;
  /** Live tasks in the queue (a task cancelled there leaves the count at once, the ring lazily). */
  #queued = 0;
  /** Map runs waiting in the queue for a slot. */
  #mapWaits = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #pumping = false;
  #paused = false;
  /**
   * Tasks started, for a cancelling shutdown: appended at start and swept of finished ones only once it has
   * grown to twice the running count, which costs less per task than a Set's add and delete.
   */
  #started: AsyncTask<unknown>[] = [];
  /** Whether submitted work takes a signal, remembered for repeated work while something runs. */
  readonly signals = new SignalQuestion();
  /** Map runs in flight. */
  readonly runs = new Set<StoppableRun>();
  readonly #watchers = new Watchers();
  /** Listeners of each task event: the hot path builds the payload of an event only while someone hears it. */
  readonly #heard = { taskQueued: 0, taskStart: 0, taskSettled: 0 };
  /** Whether anyone listens to any task event: queued tasks' submission time is read then. */
  listening = false;
  hearsQueued = false;
  hearsStart = false;
  hearsSettled = false;

  constructor(
    events: Emitter<AsyncExecutorEvents>,
    maxWorkers: number,
    clock: Clock,
    limiter: MapLimiter | undefined,
  ) {
    this.#events = events;
    this.#maxWorkers = maxWorkers;
    this.#clock = clock;
    this.#pacer =
      limiter === undefined
        ? undefined
        : new Pacer(
            limiter,
            () => this.#pump(),
            (error) => this.#refused(error),
          );
  }

  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  set maxWorkers(value: number) {
    this.#maxWorkers = value;
    this.#pump();
  }

  get paused(): boolean {
    return this.#paused;
  }

  set paused(value: boolean) {
    this.#paused = value;
    if (!value) this.#pump();
  }

  /** Tasks waiting to start (for a slot or for their token). */
  get queued(): number {
    return this.#queued;
  }

  /** Whether a task submitted now may start at once, in the submitter's own call. */
  get startsNow(): boolean {
    return this.#busy < this.#maxWorkers && !this.#pumping && !this.#paused && this.#pacer === undefined;
  }

  /** Nothing queued or running, no map run in flight. */
  get idle(): boolean {
    return this.#busy === 0 && this.#queued === 0 && this.runs.size === 0;
  }

  stats(): { running: number; queued: number; completed: number; failed: number; cancelled: number } {
    return {
      running: this.#running,
      queued: this.#queued,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
    };
  }

  /** TaskOwner: a queued task takes the slot it was offered. */
  taskStarting(task: AsyncTask<unknown>): void {
    this.#queued--;
    this.begin(task);
  }

  /** TaskOwner: whether someone hears every failure (a `taskSettled` listener). */
  readsFailure(): boolean {
    return this.hearsSettled;
  }

  /** Counts a listener of a task event in (`1`) or out (`-1`). */
  heard(event: 'taskQueued' | 'taskStart' | 'taskSettled', change: 1 | -1): void {
    const heard = this.#heard;
    heard[event] += change;
    this.hearsQueued = heard.taskQueued > 0;
    this.hearsStart = heard.taskStart > 0;
    this.hearsSettled = heard.taskSettled > 0;
    this.listening = this.hearsQueued || this.hearsStart || this.hearsSettled;
  }

  /** Counts a task owned by the executor that is about to queue or start. */
  admitted(): void {
    this.#queued++;
  }

  /** Queues an admitted task that did not start at once. */
  enqueue(task: AsyncTask<unknown>, priority: number): void {
    this.#queue.push(task, priority);
    // The common case, a full executor, has nothing to pump: skip the call.
    if (this.#busy < this.#maxWorkers && !this.#paused) this.#pump();
  }

  /** Takes a slot for `task`, which starts right after. */
  begin(task: AsyncTask<unknown>): void {
    this.#busy++;
    this.#running++;
    const started = this.#started;
    started.push(task);
    if (started.length >= 64 && started.length > 2 * this.#running)
      this.#started = started.filter((t) => !t.isDone);
    if (this.hearsStart) this.#events.emit('taskStart', { task });
  }

  /** An admitted task started at once: it never waited in the queue. */
  startedAtOnce(task: AsyncTask<unknown>): void {
    this.#queued--;
    this.begin(task);
  }

  /** The slots a map run of this executor uses; `closed` is called as the run settles. */
  slotsFor(run: () => StoppableRun, closed: () => void): MapSlots {
    return {
      tryTake: () => {
        if (!this.startsNow || this.#queue.size > 0) return false;
        this.#busy++;
        return true;
      },
      wait: (grant) => {
        this.#mapWaits++;
        let waiting = true;
        const entry: QueueEntry = {
          [kTake]: () => {
            if (waiting) {
              waiting = false;
              this.#mapWaits--;
            }
            if (!grant()) return false;
            this.#busy++;
            return true;
          },
          cancel: (reason) => {
            if (waiting) {
              waiting = false;
              this.#mapWaits--;
            }
            run().stop(reason);
          },
          kind: 'map',
        };
        this.#queue.push(entry, 0);
        this.#pump();
      },
      give: (outcome) => this.#give(outcome),
      started: () => {
        this.#running++;
      },
      closed: () => {
        closed();
        this.#changed();
      },
    };
  }

  /** Waits until `ready()` holds; re-checked on every change of state. */
  until(ready: () => boolean, options: WaitOptions | undefined): Promise<void> {
    return this.#watchers.wait(ready, options, this.#clock);
  }

  /** Cancels every queued task with `reason` (they never run); returns how many. Map runs keep their turn. */
  clear(reason: unknown): number {
    let cleared = 0;
    const keep: QueueEntry[] = [];
    for (const entry of this.#queue.drain()) {
      if (entry.kind === 'map') keep.push(entry);
      else if (!(entry as AsyncTask<unknown>).isDone) {
        cleared++;
        entry.cancel(reason);
      }
    }
    for (const entry of keep) this.#queue.push(entry, 0);
    this.#changed();
    return cleared;
  }

  /** A cancelling shutdown: every queued entry, map run and running task is cancelled with `reason`. */
  cancelAll(reason: unknown): void {
    for (const entry of this.#queue.drain()) entry.cancel(reason);
    for (const run of [...this.runs]) run.stop(reason);
    const started = this.#started;
    this.#started = [];
    for (const task of started) task.cancel(reason);
    this.#changed();
  }

  /**
   * Offers free slots to queued entries, in order (each after its token, with a limiter). Re-entrant calls
   * (work settling synchronously) are folded in.
   * @param now A clock reading just taken (a settling task's `finishedAt`): the `startedAt` of the first task
   * started, unless a `taskStart` listener runs in between.
   */
  #pump(now?: number): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const queue = this.#queue;
    let at = this.hearsStart ? undefined : now;
    while (this.#busy < this.#maxWorkers && !this.#paused && this.#queued + this.#mapWaits > 0) {
      if (this.#pacer !== undefined && !this.#pacer.ready()) break;
      const entry = queue.shift();
      if (entry === undefined) break;
      // Whatever took the slot ran code of its own: the clock reading would go stale.
      if (entry[kTake](at)) {
        at = undefined;
        this.#pacer?.use();
      }
    }
    this.#pumping = false;
    this.#changed();
  }

  /** The limiter refused a token: the entry it was for fails with that error. */
  #refused(error: unknown): void {
    for (let entry = this.#queue.shift(); entry !== undefined; entry = this.#queue.shift()) {
      if (entry.kind !== 'map' && (entry as AsyncTask<unknown>).isDone) continue;
      entry.cancel(error);
      break;
    }
    this.#pump();
  }

  /** A map run gives a slot back; `outcome` is set when an item ran in it. */
  #give(outcome: Outcome | undefined): void {
    this.#busy--;
    if (outcome !== undefined) {
      if (--this.#running === 0) this.#nothingRuns();
      this.#count(outcome);
    }
    this.#pump();
  }

  /** TaskOwner: a task reached its final state. */
  taskSettled(task: AsyncTask<unknown>): void {
    const status = task.status as 'fulfilled' | 'rejected' | 'cancelled';
    this.#count(status === 'fulfilled' ? 'completed' : status === 'rejected' ? 'failed' : 'cancelled');
    if (this.hearsSettled) this.#events.emit('taskSettled', { task, status });
  }

  #count(outcome: Outcome): void {
    if (outcome === 'completed') this.#completed++;
    else if (outcome === 'failed') this.#failed++;
    else this.#cancelled++;
  }

  /** TaskOwner: a task's work settled (or never will run): its slot, if it had one, is free. */
  workSettled(task: AsyncTask<unknown>, now?: number): void {
    if (task.startedAt !== undefined) {
      this.#busy--;
      if (--this.#running === 0) this.#nothingRuns();
      this.#pump(now);
    } else {
      this.#queued--; // cancelled or timed out before it started: its slot was never taken
      this.#changed();
    }
  }

  /** Nothing runs: hold no finished task, nor the function of finished work. */
  #nothingRuns(): void {
    this.#started.length = 0;
    this.signals.forget();
  }

  /** After any change: wake the watchers whose condition holds; drop a token request nobody needs. */
  #changed(): void {
    if (this.#queued + this.#mapWaits === 0) this.#pacer?.drop();
    this.#watchers.check();
  }
}
