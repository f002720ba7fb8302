import type { Clock } from '../core/Clock.js';
import { finiteOption, integerOption, optionsBag } from '../core/validate.js';

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
}

/** Options of {@link FakeClock}. */
export interface FakeClockOptions {
  /** The clock's starting time in ms. @default 0 */
  start?: number;
  /** How many timers one `runAll()` fires at most before it stops (an interval would otherwise spin forever). @default 10000 */
  maxTimers?: number;
}

const macrotask: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise<void>((resolve) => setImmediate(resolve))
    : () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * A deterministic {@link Clock} for tests (trio's MockClock): time moves only when you say so. Pass it as
 * `clock` to any Ferris primitive, then `await clock.advance(ms)` to fire due timers in order, with the
 * microtask queue drained between them, so every promise chain a timer starts has run before the next fires.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const p = sleep(1000, { clock });
 * await clock.advance(1000); // p is now resolved
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];
  readonly #maxTimers: number;

  /** @throws TypeError for options of the wrong type; RangeError for a non-finite `start` or a `maxTimers` below 1. */
  constructor(options?: FakeClockOptions) {
    const o = optionsBag('FakeClock options', options);
    this.#now = finiteOption('FakeClock options.start', o.start, 0);
    this.#maxTimers = integerOption('FakeClock options.maxTimers', o.maxTimers, 10_000, 1);
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    if (ms === Number.POSITIVE_INFINITY) return id; // never fires, never listed
    const delay = Number.isNaN(ms) || ms < 0 ? 0 : ms;
    const timer: FakeTimer = { id, due: this.#now + delay, fn };
    // Keep timers sorted by due time, FIFO among equals.
    let i = this.#timers.length;
    while (i > 0 && this.#timers[i - 1]!.due > timer.due) i--;
    this.#timers.splice(i, 0, timer);
    return id;
  }

  clearTimeout(handle: unknown): void {
    const i = this.#timers.findIndex((t) => t.id === handle);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** One `{ due }` entry per scheduled timer, soonest first. */
  pending(): { due: number }[] {
    return this.#timers.map((t) => ({ due: t.due }));
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, each at its own due
   * time, draining microtasks after each. Resolves once all has settled at the new time.
   * @throws TypeError (synchronously) if `ms` is not a number; RangeError if it is NaN, negative or `Infinity`
   *   (time cannot reach Infinity, and a repeating timer would then fire without end: use `runAll()`).
   */
  advance(ms: number): Promise<void> {
    if (typeof ms !== 'number')
      throw new TypeError(`FakeClock.advance ms must be a number, got ${typeof ms}.`);
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`FakeClock.advance ms must be a finite number >= 0, got ${ms}.`);
    return this.#advanceTo(this.#now + ms);
  }

  async #advanceTo(target: number): Promise<void> {
    await macrotask();
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.due > target) break;
      this.#fireFirst();
      await macrotask();
    }
    this.#now = target;
    await this.untilIdle();
  }

  /**
   * Fires timers in due order, jumping time forward, until none is left, or until `maxTimers` have fired: then
   * it stops, leaving the rest scheduled, so an interval that reschedules itself cannot spin forever. Resolves
   * to the number of timers it fired (check `pending()` to see whether any remain).
   */
  async runAll(): Promise<number> {
    await macrotask();
    let fired = 0;
    while (this.#timers.length > 0 && fired < this.#maxTimers) {
      fired++;
      this.#fireFirst();
      await macrotask();
    }
    return fired;
  }

  /** Resolves once no timer is due at the current time and the microtask queue is empty. */
  async untilIdle(): Promise<void> {
    await macrotask();
    while (this.#timers[0] !== undefined && this.#timers[0].due <= this.#now) {
      this.#fireFirst();
      await macrotask();
    }
  }

  #fireFirst(): void {
    const timer = this.#timers.shift()!;
    if (timer.due > this.#now) this.#now = timer.due;
    timer.fn();
  }
}
