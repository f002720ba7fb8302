/**
 * Where a map run gets its room to run items: the one interface between the map engine (`MapRun`) and what
 * bounds it. `asyncParallelMap` and `asyncParallelFilter` pass a {@link CounterSlots} of `maxConcurrent`;
 * `AsyncExecutor.mapAsync` passes its run queue, so map items and submitted tasks share the executor's workers.
 * @internal
 */

/** How an item that ran in a slot ended, for the executor's counters. */
export type Outcome = 'completed' | 'failed' | 'cancelled';

/** @internal */
export interface MapSlots {
  /** Takes a free slot now, synchronously; false when none is free (or others wait for one first). */
  tryTake(): boolean;
  /**
   * Asks for the next free slot, in turn. When one frees up, `grant` is called: it returns true if it took the
   * slot, false if the run no longer wants it (it stopped meanwhile), in which case the slot stays free.
   */
  wait(grant: () => boolean): void;
  /** Gives a slot back; `outcome` when an item's work ran in it. */
  give(outcome?: Outcome): void;
  /** An item's work is about to be called in a slot the run holds. */
  started?(): void;
  /** The run is about to settle: nothing of it holds or waits for a slot any more. */
  closed?(): void;
}

/**
 * The slots of a standalone map: a plain counter up to `max`. The engine's fast paths know that each of their
 * workers is one of these slots and skip the calls; the generic pump uses them as written.
 * @internal
 */
export class CounterSlots implements MapSlots {
  #used = 0;
  #waiter: (() => boolean) | undefined = undefined;
  constructor(readonly max: number) {}

  tryTake(): boolean {
    if (this.#used >= this.max) return false;
    this.#used++;
    return true;
  }

  /** One waiter at a time: a map run has a single pump. */
  wait(grant: () => boolean): void {
    this.#waiter = grant;
  }

  give(): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      if (waiter()) return; // the slot passes straight to the waiter
    }
    this.#used--;
  }
}
