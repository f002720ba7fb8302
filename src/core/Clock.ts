/**
 * Where time comes from. Every Ferris primitive that schedules a timer takes `clock` in its options, so tests
 * can inject a `FakeClock` (from `ferris/testing`) and run deterministically.
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer made by this clock's `setTimeout`; unknown or fired handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/** The largest delay a platform timer accepts (2^31 - 1 ms); longer delays are clamped to it. */
export const MAX_TIMER_DELAY = 2_147_483_647;

const NO_TIMER = Symbol('ferris.noTimer');

const perf = (globalThis as { performance?: { now(): number } }).performance;

/**
 * The real clock: `performance.now()` and the platform's timers. `Infinity` schedules nothing (the timer never
 * fires) and delays above 2^31 - 1 ms are clamped instead of firing at once, as raw `setTimeout` would.
 */
export const systemClock: Clock = {
  now: perf ? () => perf.now() : () => Date.now(),
  setTimeout(fn, ms) {
    if (ms === Number.POSITIVE_INFINITY) return NO_TIMER;
    return globalThis.setTimeout(fn, Math.min(Math.max(ms, 0), MAX_TIMER_DELAY));
  },
  clearTimeout(handle) {
    if (handle === NO_TIMER || handle === undefined) return;
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};
