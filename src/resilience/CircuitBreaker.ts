import type { Clock } from '../core/Clock.js';
import { CircuitOpenError } from '../core/errors.js';
import { isCancellation, neverAborts, onAbort } from '../core/signals.js';
import type { Work } from '../core/types.js';
import { assertFunction, optionsBag, signalOption } from '../core/validate.js';
import { Emitter, type Listener } from '../observe/Emitter.js';
import {
  type CircuitBreakerEvents,
  type CircuitBreakerOptions,
  type CircuitBreakerRunOptions,
  type CircuitBreakerStats,
  type CircuitState,
  circuitConfig,
  type Ratio,
} from './circuitOptions.js';

export type {
  CircuitBreakerEvents,
  CircuitBreakerOptions,
  CircuitBreakerRunOptions,
  CircuitBreakerStats,
  CircuitState,
} from './circuitOptions.js';

/** The state with the data each one needs (cockatiel's InnerState idea). */
type Inner =
  | { readonly kind: 'closed'; consecutive: number }
  | { readonly kind: 'open'; readonly openedAt: number; readonly isolated: boolean }
  | { readonly kind: 'half-open'; running: number; succeeded: number };

type Outcome = 'success' | 'failure' | 'neutral';

/**
 * A circuit breaker (cockatiel's CircuitBreakerPolicy, the guides' failing-service guard): after too many
 * failures it opens and fails calls fast with `CircuitOpenError`, without calling them, so a struggling
 * service gets room to recover. `resetTimeout` ms later it turns half-open and lets `halfOpenMax` trial calls
 * through: if all of them succeed it closes, if any fails it opens again.
 *
 * It opens after `failureThreshold` consecutive failures (a success resets the count) or, in ratio mode,
 * when at least `minimumCalls` calls in the last `windowMs` failed in a fraction of `failureRateThreshold` or
 * more. The half-open state is computed from `clock.now()` when the breaker is next used or read, so a breaker
 * holds no timer and needs no disposal. Outcomes of calls that started before the latest state change only
 * feed the events, never the state.
 *
 * Manual control: `isolate()` holds the circuit open until `reset()`; `reset()` closes it from any state.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ failureThreshold: 3, resetTimeout: 10_000 });
 * breaker.on('stateChange', ({ from, to }) => log.warn(`payments circuit ${from} -> ${to}`));
 * const receipt = await breaker.run((signal) => payments.charge(order, { signal }));
 * ```
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #resetTimeout: number;
  readonly #halfOpenMax: number;
  readonly #isFailure: ((error: unknown) => boolean) | undefined;
  readonly #ratio: Ratio | undefined;
  readonly #clock: Clock;
  readonly #events = new Emitter<CircuitBreakerEvents>();
  #state: Inner = { kind: 'closed', consecutive: 0 };
  /** Bumped on every state change; a call's outcome affects the state only within its own generation. */
  #generation = 0;
  #successes = 0;
  #failures = 0;
  #rejected = 0;

  /** @throws TypeError or RangeError for bad options, naming the option and value. */
  constructor(options?: CircuitBreakerOptions) {
    const c = circuitConfig(options);
    this.#failureThreshold = c.failureThreshold;
    this.#resetTimeout = c.resetTimeout;
    this.#halfOpenMax = c.halfOpenMax;
    this.#isFailure = c.isFailure;
    this.#clock = c.clock;
    this.#ratio = c.ratio;
  }

  /** The current state; turns 'open' into 'half-open' once `resetTimeout` has passed. */
  get state(): CircuitState {
    this.#poll();
    return this.#state.kind;
  }

  /** Whether `isolate()` holds the circuit open (until `reset()`); `state` then reads 'open'. */
  get isolated(): boolean {
    const s = this.#state;
    return s.kind === 'open' && s.isolated;
  }

  /**
   * Subscribes to an event (`stateChange`, `success`, `failure`, `rejected`).
   * @returns An unsubscribe function.
   * @example
   * ```ts
   * const off = breaker.on('stateChange', ({ to }) => metrics.gauge('circuit', to));
   * off();
   * ```
   */
  on<K extends keyof CircuitBreakerEvents>(event: K, fn: Listener<CircuitBreakerEvents[K]>): () => void {
    return this.#events.on(event, fn);
  }

  /**
   * Calls `fn(signal)` if the circuit lets it through and settles with its result, recording the outcome.
   * Open (or half-open with every trial slot taken): rejects at once with `CircuitOpenError`, without calling
   * `fn`. On abort of `options.signal` it rejects at once with `signal.reason`; the call then counts as a
   * cancellation, and a trial keeps its slot until `fn` settles.
   * @throws TypeError (synchronously) if `fn` is not a function or `options.signal` is not an AbortSignal.
   * @example
   * ```ts
   * try {
   *   await breaker.run((signal) => fetch(url, { signal }));
   * } catch (error) {
   *   if (error instanceof CircuitOpenError) return cachedResponse();
   *   throw error;
   * }
   * ```
   */
  run<T>(fn: Work<T>, options?: CircuitBreakerRunOptions): Promise<Awaited<T>> {
    assertFunction('CircuitBreaker.run fn', fn);
    const o = optionsBag('CircuitBreaker.run options', options);
    const signal = signalOption('CircuitBreaker.run options.signal', o.signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const refusal = this.#admit();
    if (refusal !== undefined) return Promise.reject(refusal);
    const generation = this.#generation;
    const startedAt = this.#clock.now();
    return new Promise<Awaited<T>>((resolve, reject) => {
      let abandoned = false;
      const removeAbort =
        signal === undefined
          ? undefined
          : onAbort(signal, () => {
              abandoned = true;
              reject(signal.reason);
            });
      const onValue = (value: Awaited<T>): void => {
        removeAbort?.();
        this.#record(generation, abandoned ? 'neutral' : 'success', undefined, startedAt);
        resolve(value);
      };
      const onError = (error: unknown): void => {
        removeAbort?.();
        let outcome: Outcome = 'failure';
        let surfaced = error;
        if (abandoned || isCancellation(error, signal)) outcome = 'neutral';
        else if (this.#isFailure !== undefined) {
          try {
            if (!this.#isFailure(error)) outcome = 'neutral';
          } catch (thrown) {
            surfaced = thrown;
          }
        }
        this.#record(generation, outcome, error, startedAt);
        reject(surfaced);
      };
      let out: T | PromiseLike<T>;
      try {
        out = fn(signal ?? neverAborts);
      } catch (error) {
        onError(error);
        return;
      }
      Promise.resolve(out).then(onValue, onError);
    });
  }

  /**
   * Opens the circuit and holds it open until `reset()`: calls fail fast with `CircuitOpenError`, and
   * `resetTimeout` never turns it half-open (cockatiel's `isolate()`; for maintenance windows, or a
   * dependency known to be down). Emits `stateChange` unless the circuit was already open. Calls under way
   * finish, but their outcomes no longer count. Isolating an isolated circuit does nothing.
   * @example
   * ```ts
   * breaker.isolate(); // the payment provider announced maintenance
   * // ...
   * breaker.reset(); // back in service
   * ```
   */
  isolate(): void {
    this.#poll();
    const s = this.#state;
    if (s.kind === 'open' && s.isolated) return;
    this.#transition({ kind: 'open', openedAt: this.#clock.now(), isolated: true });
  }

  /**
   * Closes the circuit, whatever its state (isolated, open or half-open), and forgets the failures counted so
   * far: the next calls run normally. Emits `stateChange` unless it was already closed. Calls under way finish,
   * but their outcomes no longer count.
   * @example
   * ```ts
   * breaker.reset();
   * ```
   */
  reset(): void {
    this.#transition({ kind: 'closed', consecutive: 0 });
  }

  /** A fresh snapshot of the state and the counters. */
  stats(): CircuitBreakerStats {
    this.#poll();
    const s = this.#state;
    const window = this.#ratio?.window;
    window?.prune(this.#clock.now());
    return {
      state: s.kind,
      consecutiveFailures: s.kind === 'closed' ? s.consecutive : 0,
      windowCalls: window?.calls ?? 0,
      windowFailures: window?.failures ?? 0,
      trialsRunning: s.kind === 'half-open' ? s.running : 0,
      successes: this.#successes,
      failures: this.#failures,
      rejected: this.#rejected,
    };
  }

  /** Lets a call through (taking a trial slot when half-open), or returns the error to reject it with. */
  #admit(): CircuitOpenError | undefined {
    this.#poll();
    const s = this.#state;
    if (s.kind === 'closed') return undefined;
    if (s.kind === 'half-open' && s.running + s.succeeded < this.#halfOpenMax) {
      s.running++;
      return undefined;
    }
    this.#rejected++;
    this.#events.emit('rejected', { state: s.kind });
    return new CircuitOpenError(
      s.kind === 'open' && s.isolated
        ? 'The circuit is isolated (held open by isolate()); the call was rejected without running. Call reset() to close it.'
        : s.kind === 'open'
          ? `The circuit is open; the call was rejected without running. It lets a trial call through in ${Math.max(0, this.#resetTimeout - (this.#clock.now() - s.openedAt))} ms.`
          : `The circuit is half-open and its ${this.#halfOpenMax} trial call(s) are under way; the call was rejected without running.`,
    );
  }

  #record(generation: number, outcome: Outcome, error: unknown, startedAt: number): void {
    const now = this.#clock.now();
    const duration = now - startedAt;
    if (outcome === 'success') {
      this.#successes++;
      this.#events.emit('success', { duration });
    } else if (outcome === 'failure') {
      this.#failures++;
      this.#events.emit('failure', { error, duration });
    }
    // Calls that started before the latest state change no longer count.
    if (generation !== this.#generation) return;
    const s = this.#state;
    if (s.kind === 'half-open') {
      s.running--;
      if (outcome === 'failure') this.#transition({ kind: 'open', openedAt: now, isolated: false });
      else if (outcome === 'success' && ++s.succeeded >= this.#halfOpenMax)
        this.#transition({ kind: 'closed', consecutive: 0 });
      return;
    }
    if (s.kind !== 'closed' || outcome === 'neutral') return;
    const ratio = this.#ratio;
    if (ratio !== undefined) {
      ratio.window.add(now, outcome === 'failure');
      const { calls, failures } = ratio.window;
      if (calls >= ratio.minimumCalls && failures / calls >= ratio.threshold)
        this.#transition({ kind: 'open', openedAt: now, isolated: false });
      return;
    }
    s.consecutive = outcome === 'failure' ? s.consecutive + 1 : 0;
    if (s.consecutive >= this.#failureThreshold)
      this.#transition({ kind: 'open', openedAt: now, isolated: false });
  }

  /** The lazy half of the state machine: open turns half-open once `resetTimeout` has passed. */
  #poll(): void {
    const s = this.#state;
    if (s.kind === 'open' && !s.isolated && this.#clock.now() - s.openedAt >= this.#resetTimeout)
      this.#transition({ kind: 'half-open', running: 0, succeeded: 0 });
  }

  #transition(next: Inner): void {
    const from = this.#state.kind;
    if (next.kind !== 'half-open') this.#ratio?.window.clear();
    this.#state = next;
    this.#generation++;
    if (from !== next.kind) this.#events.emit('stateChange', { from, to: next.kind });
  }
}
