import type { Clock } from '../core/Clock.js';
import type { ClockOptions, WaitOptions } from '../core/types.js';
import { clockOption, optionsBag, waitOptions } from '../core/validate.js';
import { WaitList } from '../core/WaitList.js';

/** Options of {@link Event}. */
export interface EventOptions extends ClockOptions {}

/**
 * A one-bit signal that tasks wait on (asyncio.Event): `set()` wakes every waiter and lets later waits pass at
 * once, until `clear()`. Waiters queued before a `set()` wake even if `clear()` follows straight away.
 *
 * The name matches asyncio's. Importing it shadows the global DOM/Node `Event` class in that module; import it
 * under another name (`import { Event as FerrisEvent } from 'ferris'`) if the module also needs the global.
 *
 * Abort and timeout: a waiter whose `signal` aborts rejects with `signal.reason` (at once if already aborted,
 * even when the event is set); one whose `timeout` passes first rejects with `TimeoutError`.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * const worker = (async () => {
 *   await ready.wait({ timeout: 10_000 });
 *   return 'started';
 * })();
 * ready.set();
 * await worker; // 'started'
 * ```
 */
export class Event {
  #set = false;
  readonly #waiters = new WaitList<true>();
  readonly #clock: Clock;

  /** @throws TypeError if an option has the wrong type. */
  constructor(options?: EventOptions) {
    const o = optionsBag('Event options', options);
    this.#clock = clockOption('Event options.clock', o.clock);
  }

  /** Whether the event is set. */
  get isSet(): boolean {
    return this.#set;
  }

  /** Sets the event and wakes every waiter, in the order they started waiting. Setting it again does nothing. */
  set(): void {
    this.#set = true;
    while (this.#waiters.grant(true));
  }

  /** Clears the event: later `wait()` calls block until the next `set()`. Waiters already woken stay woken. */
  clear(): void {
    this.#set = false;
  }

  /**
   * Resolves to `true` once the event is set (at once if it is).
   * @throws TypeError/RangeError (synchronously) for bad options. The promise rejects with `signal.reason` on
   *   abort and with `TimeoutError` after `timeout` ms.
   */
  wait(options?: WaitOptions): Promise<true> {
    const o = waitOptions('Event.wait', options);
    if (o?.signal?.aborted) return Promise.reject(o.signal.reason);
    if (this.#set) return Promise.resolve(true);
    return this.#waiters.wait(o, this.#clock, undefined);
  }
}
