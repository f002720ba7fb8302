import type { Clock } from './Clock.js';
import { linkSignal, type SignalScope } from './signals.js';

/**
 * Where a run over many children stands: 'running' until its first stop; 'stopped' while the children already
 * started settle; 'closing' while the source it left early completes its `return()`; then 'settled'.
 */
export type RunPhase = 'running' | 'stopped' | 'closing' | 'settled';

/** What {@link RunLife} closes when the run ends: a source's iterator, left early or not. */
export interface Closable {
  /** Closes it if it must be closed; a promise to wait for, or `undefined` when there is nothing to wait for. */
  close(): Promise<void> | undefined;
}

/** How a run ended, handed to `onSettle`. */
export interface RunOutcome {
  /** Whether the run was stopped (an error, an abort, the deadline, a consumer that left). */
  stopped: boolean;
  /** What the first stop asked to reject with. */
  rejection: unknown;
  /** The error the source's `return()` threw or rejected with, if it did (else `undefined`). */
  closeError: unknown;
  /** Whether `closeError` is set. */
  closeFailed: boolean;
}

/** Options of {@link RunLife}. */
export interface RunLifeOptions {
  /** The caller's signal: its abort stops the run with `signal.reason`. */
  signal?: AbortSignal | undefined;
  /** Milliseconds for the whole run; then it stops with `timeoutReason()`. @default Infinity */
  timeout?: number | undefined;
  clock?: Clock | undefined;
  /** The deadline's rejection. */
  timeoutReason?: (() => unknown) | undefined;
  /** Called once at the first stop, after the children's signal aborted: wake what waits, drop what is buffered. */
  onStop?: (() => void) | undefined;
  /** Called once, when every child has settled and the source was closed. */
  onSettle: (outcome: RunOutcome) => void;
}

/**
 * The life every structured run over many children shares (the maps, the stream, `asCompleted`): one cancel
 * scope for all children, a count of what is still going, the first stop deciding the rejection, and the
 * order of the end: every child settles, then the source is closed, then the run settles, exactly once.
 *
 * Invariants: `#active` starts at 1 (the starter, released when it has started what it starts) and counts
 * every hold not yet released; the run settles once it reaches 0. A stop aborts the children's signal once;
 * nothing of the scope (listener, timer) outlives the run.
 * @internal
 */
export class RunLife {
  #phase: RunPhase = 'running';
  #active = 1;
  #rejection: unknown = undefined;
  #source: Closable | undefined = undefined;
  readonly #scope: SignalScope;
  readonly #onStop: (() => void) | undefined;
  readonly #onSettle: (outcome: RunOutcome) => void;

  constructor(options: RunLifeOptions) {
    this.#onStop = options.onStop;
    this.#onSettle = options.onSettle;
    this.#scope = linkSignal(options.signal, {
      shared: true,
      timeout: options.timeout,
      clock: options.clock,
      timeoutReason: options.timeoutReason,
      onAbort: (reason) => this.stop(reason, reason),
    });
  }

  /** The children's signal: it aborts at the first stop, with the stop's reason. */
  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  get phase(): RunPhase {
    return this.#phase;
  }

  /** Still running: no stop yet, and not over. */
  get running(): boolean {
    return this.#phase === 'running';
  }

  /** Whether the run was stopped. */
  get stopped(): boolean {
    return this.#scope.aborted;
  }

  /** What the first stop asked to reject with (`undefined` before any stop). */
  get rejection(): unknown {
    return this.#rejection;
  }

  /** The source to close when the run ends. */
  closeWith(source: Closable): void {
    this.#source = source;
  }

  /**
   * Stops the run: nothing new should start, the children's signal aborts with `reason`, and the run will
   * reject with `rejection`. Only the first stop counts; returns whether this one did.
   */
  stop(rejection: unknown, reason: unknown): boolean {
    if (this.#phase !== 'running') return false;
    this.#phase = 'stopped';
    this.#rejection = rejection;
    // Undefined only while the constructor links a signal that had already aborted (the scope then is too).
    (this.#scope as SignalScope | undefined)?.abort(reason);
    this.#onStop?.();
    return true;
  }

  /** Replaces the rejection of the first stop while the run still waits for its children. */
  replaceRejection(rejection: unknown): void {
    if (this.#phase === 'stopped') this.#rejection = rejection;
  }

  /** Counts `n` more children (or a pump) the run waits for. */
  hold(n = 1): void {
    this.#active += n;
  }

  /** One held child settled; the run ends when none is left. */
  release(): void {
    if (--this.#active === 0) this.#end();
  }

  #end(): void {
    this.#phase = 'closing';
    this.#scope.dispose();
    let closing: Promise<void> | undefined;
    try {
      closing = this.#source?.close();
    } catch (error) {
      this.#settle(error, true);
      return;
    }
    if (closing === undefined) this.#settle(undefined, false);
    else
      closing.then(
        () => this.#settle(undefined, false),
        (error: unknown) => this.#settle(error, true),
      );
  }

  #settle(closeError: unknown, closeFailed: boolean): void {
    this.#phase = 'settled';
    this.#onSettle({ stopped: this.#scope.aborted, rejection: this.#rejection, closeError, closeFailed });
  }
}
