import type { AsyncTask } from './AsyncTask.js';

export { DECIDED, NO_SIGNAL } from './taskSupport.js';

/** @internal A {@link kOwn} flag: the timeout counts from the hand-over. */
export const ARM_NOW = 64;

/*
 * The protocol between an AsyncTask and the owner that starts it (an executor, a task group, asCompleted):
 * internal, reached through symbols so the task's public surface stays small.
 */

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
  /** The task takes the slot its owner offered with {@link kTake}, and starts right after. */
  taskStarting?(task: AsyncTask<unknown>): void;
  /** Whether the owner hears of this failure itself (a group rejects with it; a listener receives it). */
  readsFailure?(task: AsyncTask<unknown>): boolean;
}

/**
 * @internal `task[kOwn](owner, flags, context?, submittedAt?)` hands a task to an owner, which then starts it
 * with {@link kStart} or offers it a slot with {@link kTake}. Flags: {@link ARM_NOW}: the timeout counts from
 * now (queue time included, as `submitAsync` promises) instead of from the start; {@link DECIDED}: the owner
 * answered `takesNoSignal(work)` itself ({@link NO_SIGNAL} if it takes none; an executor remembers the answer
 * for repeated work). `context`: where a task that waits for a slot will start; `submittedAt`: a clock
 * reading of the hand-over, when the owner took one.
 */
export const kOwn: unique symbol = Symbol('ferris.task.own');
/** @internal Starts an owned task now; `now`, if given, is a clock reading just taken, used as `startedAt`. */
export const kStart: unique symbol = Symbol('ferris.task.start');
/**
 * @internal Offers a queued owned task the slot just freed: returns false (the slot stays free) when the task
 * settled while it waited; otherwise tells the owner (`taskStarting`) and starts the task in the context
 * captured when it was handed over.
 */
export const kTake: unique symbol = Symbol('ferris.task.take');
/** @internal The label as the task keeps it: its name, or the number `n` of a default label `Task-<n>` (no string made). */
export const kLabel: unique symbol = Symbol('ferris.task.label');
