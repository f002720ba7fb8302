import { kLabel } from '../task/owner.js';
import type { Emits } from './primitiveEvents.js';

/** A task of an executor, as the Recorder reads it when the task's events arrive. */
interface TaskLike {
  readonly [kLabel]?: string | number;
  readonly name: string;
  readonly startedAt?: number | undefined;
  readonly finishedAt?: number | undefined;
  readonly submittedAt?: number | undefined;
  readonly error?: unknown;
}

/** How an executor's task ended. */
export type TaskEnd = 'fulfilled' | 'rejected' | 'cancelled';

/** What an executor attachment writes into: the Recorder's task table and its sinks. @internal */
export interface TaskLog {
  /** Whether a sink hears the task events as they happen. */
  heard(): boolean;
  /** A reading of the task's clock (ms) as recorder time, rounded to the microsecond; `undefined` means now. */
  local(clockMs: number | undefined): number;
  /** The same, not rounded (the task table rounds what it hands out). */
  offset(clockMs: number): number;
  /** Adds a queued task (and tells the sinks); returns its row. */
  queued(label: string | number, scenario: string, at: number): number;
  /** The task of `row` started (the sinks hear it). */
  started(row: number, at: number): void;
  /**
   * The task of `row` settled (the sinks hear it). `startedAt`: its start, for a row whose start was not heard
   * (queued while a sink listened, started after the last one left).
   */
  finished(row: number, outcome: TaskEnd, startedAt: number | undefined, at: number, error?: unknown): void;
  /** Adds a settled task in one write, with no event: nobody listens live. `started` is NaN if it never did. */
  settled(
    label: string | number,
    scenario: string,
    queued: number,
    started: number,
    finished: number,
    outcome: TaskEnd,
    error?: unknown,
  ): void;
}

/** The subscription of a Recorder to one executor. @internal */
export interface ExecutorRecords {
  /** Follows the tasks live (queued and started as they happen) or only as they settle. */
  live(on: boolean): void;
  /** Unsubscribes from everything. */
  off(): void;
}

/**
 * Records the tasks of one executor into `log`.
 *
 * Two modes, for cost. While no sink listens, only `taskSettled` is heard: a settled task carries its
 * submission, start and finish times, so its whole row is written at once, with no per-task lookup and no
 * record of tasks in flight (the executor's hot path then builds no `taskQueued`/`taskStart` payload). While a
 * sink listens, `taskQueued` and `taskStart` are heard too and each task gets its row when it is queued, so the
 * sinks see every step as it happens; a task queued before the sink came gets all its steps when it settles.
 * @internal
 */
export function recordExecutor(source: Emits, scenario: string, log: TaskLog): ExecutorRecords {
  // Rows of the tasks queued while live and not yet settled (a Map, not a WeakMap: ephemeron tables cost the
  // GC dearly at 100k+ entries).
  const rows = new Map<object, number>();
  const labelOf = (task: TaskLike) => task[kLabel] ?? task.name;
  const rowOf = (task: TaskLike): number => {
    let row = rows.get(task);
    if (row === undefined) {
      row = log.queued(labelOf(task), scenario, log.local(task.submittedAt ?? task.startedAt));
      rows.set(task, row);
    }
    return row;
  };
  const settled = ((p: { task: TaskLike; status: TaskEnd }) => {
    const { task, status } = p;
    const error = status === 'fulfilled' ? undefined : task.error;
    if ((rows.size === 0 || !rows.has(task)) && !log.heard()) {
      const started = task.startedAt;
      const finished = task.finishedAt as number;
      log.settled(
        labelOf(task),
        scenario,
        log.offset(task.submittedAt ?? started ?? finished),
        started === undefined ? Number.NaN : log.offset(started),
        log.offset(finished),
        status,
        error,
      );
      return;
    }
    // Queued while a sink listened (its row exists), or a sink listens now (all its steps, at once).
    const row = rowOf(task);
    rows.delete(task);
    const started = task.startedAt;
    log.finished(
      row,
      status,
      started === undefined ? undefined : log.local(started),
      log.local(task.finishedAt),
      error,
    );
  }) as (payload: never) => void;
  const offSettled = source.on('taskSettled', settled);
  let offLive: (() => void)[] = [];
  return {
    live(on) {
      if (on === offLive.length > 0) return;
      if (!on) {
        for (const off of offLive) off();
        offLive = [];
        return;
      }
      offLive = [
        source.on('taskQueued', ((p: { task: TaskLike }) => void rowOf(p.task)) as (payload: never) => void),
        source.on('taskStart', ((p: { task: TaskLike }) => {
          log.started(rowOf(p.task), log.local(p.task.startedAt));
        }) as (payload: never) => void),
      ];
    },
    off() {
      offSettled();
      for (const off of offLive) off();
      offLive = [];
      rows.clear();
    },
  };
}
