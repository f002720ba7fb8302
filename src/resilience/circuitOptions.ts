import type { Clock } from '../core/Clock.js';
import type { ClockOptions } from '../core/types.js';
import {
  clockOption,
  describe,
  durationOption,
  functionOption,
  integerOption,
  optionsBag,
} from '../core/validate.js';
import { OutcomeWindow } from './OutcomeWindow.js';

/** Where a breaker is: 'closed' lets calls through, 'open' fails them fast, 'half-open' lets trial calls through. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}. Durations are in milliseconds. */
export interface CircuitBreakerOptions extends ClockOptions {
  /**
   * Consecutive failures that open the circuit: an integer >= 1. Not combinable with `failureRateThreshold`.
   * @default 5
   */
  failureThreshold?: number | undefined;
  /** How long the circuit stays open before it lets trial calls through, in ms (>= 0). @default 30000 */
  resetTimeout?: number | undefined;
  /** Trial calls allowed in the half-open state; that many successes close the circuit. @default 1 */
  halfOpenMax?: number | undefined;
  /**
   * Which errors count as failures. An error it rejects passes through to the caller without counting as a
   * failure or a success. Cancellations (the call's own signal, `CancelledError`, `AbortError`) never count.
   * @default every error is a failure
   */
  isFailure?: ((error: unknown) => boolean) | undefined;
  /**
   * Ratio mode: the failure fraction, in (0, 1], that opens the circuit once at least `minimumCalls` calls
   * ended within the last `windowMs`. Replaces the consecutive `failureThreshold` rule.
   * @default undefined (consecutive mode)
   */
  failureRateThreshold?: number | undefined;
  /** Ratio mode only: the sliding window the fraction is measured over, in ms (> 0). @default 60000 */
  windowMs?: number | undefined;
  /** Ratio mode only: the fewest calls in the window before the fraction counts (integer >= 1). @default 10 */
  minimumCalls?: number | undefined;
}

/** Options of {@link CircuitBreaker.run}. */
export interface CircuitBreakerRunOptions {
  /** Passed to `fn`; on abort the call rejects at once with `signal.reason` and counts as a cancellation. */
  signal?: AbortSignal | undefined;
}

/** The events of a {@link CircuitBreaker} and their payloads; `duration` is in ms. */
export interface CircuitBreakerEvents {
  /** The state changed. */
  stateChange: { from: CircuitState; to: CircuitState };
  /** A call succeeded. */
  success: { duration: number };
  /** A call failed with an error that counts as a failure. */
  failure: { error: unknown; duration: number };
  /** A call was rejected with `CircuitOpenError` without running. */
  rejected: { state: CircuitState };
}

/** A snapshot of a {@link CircuitBreaker}. */
export interface CircuitBreakerStats {
  state: CircuitState;
  /** Failures in a row so far (consecutive mode). */
  consecutiveFailures: number;
  /** Calls and failures that ended within the last `windowMs` (ratio mode; 0 otherwise). */
  windowCalls: number;
  windowFailures: number;
  /** Trial calls running now (half-open). */
  trialsRunning: number;
  /** Totals since the breaker was made. */
  successes: number;
  failures: number;
  rejected: number;
}

/** The defaults of {@link CircuitBreakerOptions}, in one place. @internal */
export const CIRCUIT_BREAKER_DEFAULTS = {
  /** Consecutive failures that open the circuit (count). */
  failureThreshold: 5,
  /** Time the circuit stays open before a trial, in ms. */
  resetTimeout: 30_000,
  /** Trial calls in the half-open state (count). */
  halfOpenMax: 1,
  /** Ratio mode: the sliding window, in ms. */
  windowMs: 60_000,
  /** Ratio mode: calls in the window before the fraction counts (count). */
  minimumCalls: 10,
} as const;

/** Ratio mode's rule and the window it reads. @internal */
export interface Ratio {
  readonly threshold: number;
  readonly minimumCalls: number;
  readonly window: OutcomeWindow;
}

/** The checked options, defaults applied. @internal */
export interface CircuitConfig {
  readonly failureThreshold: number;
  readonly resetTimeout: number;
  readonly halfOpenMax: number;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly ratio: Ratio | undefined;
  readonly clock: Clock;
}

const optionName = (key: string) => `CircuitBreaker options.${key}`;

/** Checks the constructor options once, naming the option and the value in every error. @internal */
export function circuitConfig(options: CircuitBreakerOptions | undefined): CircuitConfig {
  const o = optionsBag('CircuitBreaker options', options);
  const d = CIRCUIT_BREAKER_DEFAULTS;
  return {
    failureThreshold: integerOption(
      optionName('failureThreshold'),
      o.failureThreshold,
      d.failureThreshold,
      1,
    ),
    resetTimeout: durationOption(optionName('resetTimeout'), o.resetTimeout, d.resetTimeout),
    halfOpenMax: integerOption(optionName('halfOpenMax'), o.halfOpenMax, d.halfOpenMax, 1),
    isFailure: functionOption<(error: unknown) => boolean>(optionName('isFailure'), o.isFailure),
    clock: clockOption(optionName('clock'), o.clock),
    ratio: ratioOption(o),
  };
}

function ratioOption(o: Partial<CircuitBreakerOptions>): Ratio | undefined {
  const threshold = o.failureRateThreshold;
  if (threshold === undefined) {
    for (const key of ['windowMs', 'minimumCalls'] as const)
      if (o[key] !== undefined)
        throw new TypeError(
          `${optionName(key)} applies only in ratio mode; set failureRateThreshold as well.`,
        );
    return undefined;
  }
  if (typeof threshold !== 'number')
    throw new TypeError(
      `${optionName('failureRateThreshold')} must be a number, got ${describe(threshold)}.`,
    );
  if (!(threshold > 0 && threshold <= 1))
    throw new RangeError(
      `${optionName('failureRateThreshold')} must be a fraction in (0, 1], got ${describe(threshold)}.`,
    );
  if (o.failureThreshold !== undefined)
    throw new TypeError(
      `${optionName('failureThreshold')} and failureRateThreshold are two modes; give one of them, not both.`,
    );
  const windowMs = durationOption(optionName('windowMs'), o.windowMs, CIRCUIT_BREAKER_DEFAULTS.windowMs);
  if (windowMs === 0 || !Number.isFinite(windowMs))
    throw new RangeError(
      `${optionName('windowMs')} must be a finite number > 0 ms, got ${describe(windowMs)}.`,
    );
  const minimumCalls = integerOption(
    optionName('minimumCalls'),
    o.minimumCalls,
    CIRCUIT_BREAKER_DEFAULTS.minimumCalls,
    1,
  );
  return { threshold, minimumCalls, window: new OutcomeWindow(windowMs) };
}
