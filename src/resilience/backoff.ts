import { describe, finiteOption, functionOption, integerOption, optionsBag } from '../core/validate.js';

/**
 * How a retry delay is randomised (AWS "Exponential Backoff And Jitter"):
 * - `'none'`: the exponential delay itself, `min(max, initial * factor^(attempt - 1))`;
 * - `'full'`: uniform in `[0, exponential)`;
 * - `'equal'`: half the exponential plus a uniform share of the other half, `[exponential / 2, exponential)`;
 * - `'decorrelated'`: uniform in `[initial, min(max, 3 * previous delay))`, ignoring the attempt number.
 */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/** The shape of the delays between attempts. Every duration is in milliseconds. */
export interface BackoffOptions {
  /** The first delay before jitter, in ms; must be >= 0 and <= `max`. @default 100 */
  initial?: number | undefined;
  /** The largest delay, in ms; finite and >= `initial`. @default 30000, or `initial` when that is larger */
  max?: number | undefined;
  /** How much the delay grows per attempt; finite and >= 1 (1 keeps it constant). @default 2 */
  factor?: number | undefined;
  /** How the delay is randomised. @default 'full' */
  jitter?: Jitter | undefined;
}

/** A checked {@link BackoffOptions} with every default filled in. */
export interface BackoffPolicy {
  readonly initial: number;
  readonly max: number;
  readonly factor: number;
  readonly jitter: Jitter;
}

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  /** Milliseconds of the first delay, before jitter. */
  initial: 100,
  /** Milliseconds no delay exceeds. */
  max: 30_000,
  /** Growth per attempt (a ratio, no unit). */
  factor: 2,
  /** How the delay is randomised. */
  jitter: 'full',
});

const JITTERS: readonly Jitter[] = ['full', 'equal', 'decorrelated', 'none'];

/**
 * Checks `options` and fills in the defaults.
 * @param name How error messages name the options bag, e.g. `"retry options.backoff"`.
 * @throws TypeError for a wrong type or an unknown `jitter`; RangeError for a negative or infinite duration, a
 * `max` below `initial`, or a `factor` below 1.
 * @example
 * ```ts
 * const policy = backoffPolicy({ initial: 50, jitter: 'equal' }); // max 30000, factor 2
 * ```
 */
export function backoffPolicy(options?: BackoffOptions, name = 'backoff'): BackoffPolicy {
  const o = optionsBag(name, options);
  const initial = finiteOption(`${name}.initial`, o.initial, DEFAULT_BACKOFF.initial);
  if (initial < 0) throw new RangeError(`${name}.initial must be >= 0 ms, got ${describe(initial)}.`);
  const max = finiteOption(`${name}.max`, o.max, Math.max(DEFAULT_BACKOFF.max, initial));
  if (max < initial)
    throw new RangeError(`${name}.max must be >= ${name}.initial (${initial} ms), got ${describe(max)}.`);
  const factor = finiteOption(`${name}.factor`, o.factor, DEFAULT_BACKOFF.factor);
  if (factor < 1) throw new RangeError(`${name}.factor must be >= 1, got ${describe(factor)}.`);
  const jitter = o.jitter ?? DEFAULT_BACKOFF.jitter;
  if (!JITTERS.includes(jitter))
    throw new TypeError(`${name}.jitter must be one of ${JITTERS.join(', ')}; got ${describe(jitter)}.`);
  return Object.freeze({ initial, max, factor, jitter });
}

/**
 * `min(max, initial * factor^(attempt - 1))` without overflow: the exponent is capped where the product passes
 * `max`, so even attempt 1e9 gives a finite `max` rather than `Infinity` (or `NaN` from `0 * Infinity`).
 * @internal
 */
export function exponentialDelay(attempt: number, policy: BackoffPolicy): number {
  const { initial, max, factor } = policy;
  if (initial >= max) return max;
  if (initial === 0) return 0;
  // With factor 1 the limit is Infinity and the power stays 1; otherwise it is the first exponent past max.
  const limit = Math.ceil(Math.log(max / initial) / Math.log(factor));
  return Math.min(max, initial * factor ** Math.min(attempt - 1, limit));
}

/**
 * The delay before the attempt after `attempt`, for a checked policy. `previous` is the delay used last time
 * (decorrelated jitter grows from it; pass `undefined` the first time), and `random` returns a number in
 * [0, 1). The result is finite, >= 0 and <= `policy.max`.
 * @internal
 */
export function nextDelay(
  attempt: number,
  policy: BackoffPolicy,
  previous: number | undefined,
  random: () => number,
): number {
  const { initial, max, jitter } = policy;
  let delay: number;
  switch (jitter) {
    case 'none':
      return exponentialDelay(attempt, policy);
    case 'full':
      delay = random() * exponentialDelay(attempt, policy);
      break;
    case 'equal': {
      const half = exponentialDelay(attempt, policy) / 2;
      delay = half + random() * half;
      break;
    }
    case 'decorrelated': {
      // min() before the product would overflow; max() keeps a stray `previous` from shrinking the range.
      const upper = Math.max(initial, Math.min(max, (previous ?? initial) * 3));
      delay = initial + random() * (upper - initial);
      break;
    }
  }
  // A `random` that strays outside [0, 1) must still not produce a negative, NaN or oversized delay.
  return delay >= 0 ? Math.min(delay, max) : 0;
}

/** Options of {@link backoffDelay} beyond the policy. */
export interface BackoffDelayOptions {
  /** The delay returned for the previous attempt (decorrelated jitter grows from it). @default options.initial */
  previous?: number | undefined;
  /** The source of randomness, returning a number in [0, 1); inject one in tests. @default Math.random */
  random?: (() => number) | undefined;
}

/**
 * The pure delay function behind `retry`: how long to wait after failed attempt number `attempt` (1 for the
 * first call) before the next one, in ms. The result is finite, >= 0 and <= `max`, however large `attempt`.
 * @throws RangeError if `attempt` is not an integer >= 1 or an option is out of range; TypeError for a wrong type.
 * @example
 * ```ts
 * backoffDelay(3, { initial: 100, jitter: 'none' }); // 400
 * backoffDelay(3, { initial: 100, jitter: 'full' }, { random: () => 0.5 }); // 200
 * ```
 */
export function backoffDelay(attempt: number, options?: BackoffOptions, extra?: BackoffDelayOptions): number {
  if (attempt === undefined) throw new TypeError('backoffDelay attempt must be a number, got undefined.');
  integerOption('backoffDelay attempt', attempt, 1, 1);
  const policy = backoffPolicy(options, 'backoffDelay options');
  const e = optionsBag('backoffDelay extra', extra);
  const previous =
    e.previous === undefined ? undefined : finiteOption('backoffDelay extra.previous', e.previous, 0);
  const random = functionOption<() => number>('backoffDelay extra.random', e.random) ?? Math.random;
  return nextDelay(attempt, policy, previous, random);
}
