import { type Clock, systemClock } from './Clock.js';
import type { MapLimiter, WaitOptions } from './types.js';

/**
 * Argument checks shared by every primitive. Each throws synchronously with a message naming the option and
 * the value received: `TypeError` for a wrong type, `RangeError` for a value out of range.
 */

/** A short, readable rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

export function assertFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${describe(value)}.`);
}

export function assertObject(name: string, value: unknown): void {
  if (value === null || typeof value !== 'object')
    throw new TypeError(`${name} must be an object, got ${describe(value)}.`);
}

function assertNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describe(value)}.`);
  if (Number.isNaN(value)) throw new RangeError(`${name} must not be NaN.`);
}

/** A concurrency bound: an integer >= 1 or `Infinity`; `undefined` gives `fallback`. */
export function concurrencyOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  assertNumber(name, value);
  if (value === Number.POSITIVE_INFINITY) return value;
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be an integer >= 1 or Infinity, got ${describe(value)}.`);
  return value;
}

/** A timeout in ms: any number but NaN (0 and negative fire on the next macrotask); `undefined` is `Infinity`. */
export function timeoutOption(name: string, value: unknown): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  assertNumber(name, value);
  return value;
}

/** A duration in ms that must be >= 0 (`Infinity` allowed); `undefined` gives `fallback`. */
export function durationOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  assertNumber(name, value);
  if (value < 0) throw new RangeError(`${name} must be >= 0 ms, got ${describe(value)}.`);
  return value;
}

/** A finite number; `undefined` gives `fallback`. */
export function finiteOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  assertNumber(name, value);
  if (!Number.isFinite(value))
    throw new RangeError(`${name} must be a finite number, got ${describe(value)}.`);
  return value;
}

/** An integer >= `min` (`Infinity` only if `allowInfinity`); `undefined` gives `fallback`. */
export function integerOption(
  name: string,
  value: unknown,
  fallback: number,
  min = 0,
  allowInfinity = false,
): number {
  if (value === undefined) return fallback;
  assertNumber(name, value);
  if (allowInfinity && value === Number.POSITIVE_INFINITY) return value;
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(
      `${name} must be an integer >= ${min}${allowInfinity ? ' or Infinity' : ''}, got ${describe(value)}.`,
    );
  return value;
}

/** An optional AbortSignal. */
export function signalOption(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof (value as AbortSignal).aborted !== 'boolean' ||
    typeof (value as AbortSignal).addEventListener !== 'function'
  )
    throw new TypeError(`${name} must be an AbortSignal, got ${describe(value)}.`);
  return value as AbortSignal;
}

/** An optional clock; `undefined` gives the system clock. */
export function clockOption(name: string, value: unknown): Clock {
  if (value === undefined) return systemClock;
  const c = value as Clock;
  if (
    c === null ||
    typeof c !== 'object' ||
    typeof c.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  )
    throw new TypeError(
      `${name} must be a Clock with now(), setTimeout() and clearTimeout(), got ${describe(value)}.`,
    );
  return c;
}

/** An options bag: `undefined` becomes `{}`, anything else must be an object. */
export function optionsBag<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  assertObject(name, value);
  return value;
}

/** Anything with `Symbol.iterator` or `Symbol.asyncIterator`. */
export function assertSource(name: string, value: unknown): void {
  if (
    value === null ||
    value === undefined ||
    (typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function' &&
      typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function')
  )
    throw new TypeError(`${name} must be an Iterable or AsyncIterable, got ${describe(value)}.`);
}

/** A boolean option; `undefined` gives `fallback`. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}.`);
  return value;
}

/** An optional string (a label such as `name`). */
export function stringOption(name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new TypeError(`${name} must be a string, got ${describe(value)}.`);
}

/** An optional function (a hook such as `onError`). */
export function functionOption<F extends (...args: never[]) => unknown>(
  name: string,
  value: unknown,
): F | undefined {
  if (value === undefined) return undefined;
  assertFunction(name, value);
  return value as F;
}

/**
 * Checks the `{ signal?, timeout? }` of one wait, synchronously, so that bad input throws from the call itself
 * even though the call returns a promise. `where` names the method in messages, e.g. `Semaphore.acquire`.
 * `undefined` stays `undefined` (no allocation for the common call without options), and so does an unset
 * `timeout`, so a primitive with a default of its own (the pool's `acquireTimeout`) can tell it apart.
 */
export function waitOptions(where: string, options: WaitOptions | undefined): WaitOptions | undefined {
  if (options === undefined) return undefined;
  const o = optionsBag(`${where} options`, options);
  return {
    signal: signalOption(`${where} options.signal`, o.signal),
    timeout: o.timeout === undefined ? undefined : timeoutOption(`${where} options.timeout`, o.timeout),
  };
}

/** An optional limiter: anything with `acquire(tokens, { signal })`, such as a `RateLimiter`. */
export function limiterOption(name: string, value: unknown): MapLimiter | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || typeof (value as MapLimiter).acquire !== 'function')
    throw new TypeError(`${name} must be an object with acquire(tokens, options), got ${describe(value)}.`);
  return value as MapLimiter;
}

/** Whether `value` has a `then` method (a promise or any thenable), which `await` would adopt. */
export function isThenable<T = unknown>(value: unknown): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
