import { RingBuffer } from '../core/RingBuffer.js';
import { kTake } from '../task/owner.js';

/**
 * What waits in an executor's run queue: anything that can be offered a free slot. A queued `AsyncTask` is one
 * (it takes the slot unless it settled while it waited); so is a map run asking for its next slot.
 * @internal
 */
export interface QueueEntry {
  /** Offered the slot just freed: true if it took it, false if it no longer wants one (the slot stays free). */
  [kTake](now?: number): boolean;
  /** The entry will never be offered a slot (a cancelling shutdown, `clear()`, a refused token). */
  cancel(reason: unknown): void;
  /** `'map'` for a map run's request for a slot; absent for a task. */
  readonly kind?: 'map';
}

/**
 * The executor's wait line: priority lanes over `RingBuffer`, highest priority first, FIFO within a lane.
 *
 * Structure, for the hot path: every entry is one ring slot (an entry carries its own captured context), so
 * queueing a task allocates nothing beyond the ring's amortised growth. Priority 0 (the default) has a lane of its own that is always present; while no entry with another
 * priority is queued (`#others === 0`), push and shift touch only that lane and skip the lane search. Lanes of
 * other priorities are created on demand, kept sorted by descending priority, and dropped when they empty, so
 * a stream of distinct priorities costs one small ring per priority in use, not per entry.
 * @internal
 */
interface Lane<E = QueueEntry> {
  readonly priority: number;
  readonly ring: RingBuffer<E>;
}

/** @internal */
export class RunQueue<E = QueueEntry> {
  readonly #zero: Lane<E> = { priority: 0, ring: new RingBuffer<E>() };
  /** Every lane, the zero lane included, by descending priority. */
  #lanes: Lane<E>[] = [this.#zero];
  /** Entries queued in lanes other than the zero lane. */
  #others = 0;
  #size = 0;

  /** Number of queued entries. */
  get size(): number {
    return this.#size;
  }

  push(entry: E, priority: number): void {
    this.#size++;
    let ring: RingBuffer<E>;
    if (priority === 0) ring = this.#zero.ring;
    else {
      this.#others++;
      ring = this.#lane(priority).ring;
    }
    ring.push(entry);
  }

  /** Removes the first entry of the highest non-empty lane. */
  shift(): E | undefined {
    if (this.#size === 0) return undefined;
    this.#size--;
    let lane = this.#zero;
    if (this.#others > 0) {
      const lanes = this.#lanes;
      let i = 0;
      while (lanes[i]!.ring.size === 0) i++;
      lane = lanes[i]!;
      if (lane !== this.#zero) {
        this.#others--;
        if (lane.ring.size === 1) lanes.splice(i, 1);
      }
    }
    return lane.ring.shift();
  }

  /** Removes every entry, highest priority first, and returns them. */
  drain(): E[] {
    const out: E[] = [];
    for (let e = this.shift(); e !== undefined; e = this.shift()) out.push(e);
    return out;
  }

  /** The lane of a non-zero priority, created in its sorted place when missing. */
  #lane(priority: number): Lane<E> {
    const lanes = this.#lanes;
    let i = 0;
    while (i < lanes.length && lanes[i]!.priority > priority) i++;
    const found = lanes[i];
    if (found !== undefined && found.priority === priority) return found;
    const lane: Lane<E> = { priority, ring: new RingBuffer<E>() };
    lanes.splice(i, 0, lane);
    return lane;
  }
}
