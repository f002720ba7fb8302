import type { Clock } from './Clock.js';
import { systemClock } from './Clock.js';
import { CancelledError, TimeoutError } from './errors.js';

/**
 * Everything Ferris does with AbortSignals goes through this file: listening to a caller's signal
 * ({@link onAbort}), deriving the signal of one unit of work ({@link linkSignal}, the one cancel scope), and
 * telling a cancellation from a failure ({@link isCancellation}).
 *
 * Listening: Ferris adds at most one listener to any signal, however many of its waits, tasks and items
 * watch that signal, and fans the abort out from there. 10,000 tasks submitted with one signal then cost one
 * listener (no MaxListenersExceededWarning) and O(1) each to add and remove, instead of O(listeners) each.
 * The listener is removed when the last watcher leaves, so a long-lived caller signal keeps nothing of ours.
 */

/** One watcher in a signal's fan-out list (doubly linked: O(1) removal). */
interface Watcher {
  fn: (() => void) | undefined;
  prev: Watcher | undefined;
  next: Watcher | undefined;
}

/** The single listener Ferris keeps on one signal, and the watchers it fans out to. */
class Fanout {
  head: Watcher | undefined = undefined;
  tail: Watcher | undefined = undefined;
  readonly listener = (): void => this.#dispatch();
  constructor(readonly signal: AbortSignal) {}

  #dispatch(): void {
    fanouts.delete(this.signal);
    let first: { error: unknown } | undefined;
    for (let w = this.head; w !== undefined; w = w.next) {
      const fn = w.fn;
      w.fn = undefined;
      if (fn === undefined) continue;
      try {
        fn();
      } catch (error) {
        first ??= { error };
      }
    }
    this.head = this.tail = undefined;
    // A throwing listener of an EventTarget is reported as an uncaught exception: keep that, after the others ran.
    if (first !== undefined) {
      const { error } = first;
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `listener` once when `signal` aborts; returns the function that stops watching (safe to call twice,
 * and after the abort). Costs O(1): all of Ferris's watchers of one signal share one listener on it.
 * The caller checks `signal.aborted` first: a signal that already aborted never fires again.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  let fanout = fanouts.get(signal);
  if (fanout === undefined) {
    fanout = new Fanout(signal);
    fanouts.set(signal, fanout);
    signal.addEventListener('abort', fanout.listener, { once: true });
  }
  const f = fanout;
  const w: Watcher = { fn: listener, prev: f.tail, next: undefined };
  if (f.tail === undefined) f.head = w;
  else f.tail.next = w;
  f.tail = w;
  return () => {
    if (w.fn === undefined) return;
    w.fn = undefined;
    if (w.prev === undefined) f.head = w.next;
    else w.prev.next = w.next;
    if (w.next === undefined) f.tail = w.prev;
    else w.next.prev = w.prev;
    if (f.head === undefined && fanouts.get(f.signal) === f) {
      fanouts.delete(f.signal);
      f.signal.removeEventListener('abort', f.listener);
    }
  };
}

/**
 * Whether `error` is a cancellation rather than a failure: a `CancelledError`, a DOM `AbortError`, or the
 * reason of one of the given signals. Siblings cancelled because another child failed report such errors.
 */
export function isCancellation(error: unknown, ...signals: (AbortSignal | undefined)[]): boolean {
  if (error instanceof CancelledError) return true;
  if (error !== null && typeof error === 'object' && (error as { name?: unknown }).name === 'AbortError')
    return true;
  for (const s of signals) if (s?.aborted && s.reason === error) return true;
  return false;
}

/** A signal that never aborts, shared: work that cannot be cancelled still receives a real AbortSignal. */
export const neverAborts: AbortSignal = new AbortController().signal;

type SetMaxListeners = (n: number, ...targets: EventTarget[]) => void;

const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
const events = proc?.getBuiltinModule?.('node:events') as { setMaxListeners?: SetMaxListeners } | undefined;
const setMax: SetMaxListeners | undefined = events?.setMaxListeners;

/**
 * A new AbortController whose signal accepts any number of listeners without Node's
 * MaxListenersExceededWarning. One controller serves every item of a map or stream, so its signal may carry
 * hundreds of listeners at once (one per `fetch(url, { signal })`): past 10 the warning would be a false alarm.
 * `node:events` is reached lazily through `process.getBuiltinModule`, so the core loads on any runtime.
 */
function sharedController(): AbortController {
  const controller = new AbortController();
  setMax?.(0, controller.signal);
  return controller;
}

/** Options of {@link linkSignal}. */
export interface LinkSignalOptions {
  /** Milliseconds until the scope aborts with `timeoutReason()`. @default Infinity (none) */
  timeout?: number | undefined;
  /** Where the timeout's time comes from. @default systemClock */
  clock?: Clock | undefined;
  /**
   * Called once, synchronously, when the scope aborts (by its parent, its timeout or `abort()`), with the reason
   * and whether the timeout caused it. When the parent has already aborted, it is called from `linkSignal`
   * itself, before the scope is returned.
   */
  onAbort?: ((reason: unknown, timedOut: boolean) => void) | undefined;
  /** Builds the timeout's reason. @default a `TimeoutError` naming `timeout` */
  timeoutReason?: (() => unknown) | undefined;
  /**
   * Whether the signal is shared by many children (every item of a map, every child of a group), each of which
   * may add listeners: it then accepts any number without Node's MaxListenersExceededWarning. Lifting the limit
   * costs more than the controller itself on Node 20 (measured: about 4 µs), so a scope of one unit of work
   * leaves it. @default false
   */
  shared?: boolean | undefined;
}

/**
 * The cancel scope of one unit of work (trio's cancel scope): a signal that aborts when its parent signal
 * aborts (with the parent's reason, unchanged), when its timeout passes, or when `abort(reason)` is called,
 * whichever comes first, and never after `dispose()`. Its signal belongs to this scope for life.
 *
 * Invariants: the scope aborts at most once; once aborted or disposed it holds no listener on the parent and
 * no timer. The AbortController is created only when `signal` is first read, so a scope whose work never
 * looks at its signal costs no controller.
 */
export class SignalScope {
  #controller: AbortController | undefined = undefined;
  #state: 'open' | 'aborted' | 'timed-out' | 'disposed' = 'open';
  #reason: unknown = undefined;
  #unlisten: (() => void) | undefined = undefined;
  #timer: unknown = undefined;
  #clock: Clock | undefined = undefined;
  readonly #onAbort: ((reason: unknown, timedOut: boolean) => void) | undefined;
  readonly #shared: boolean;

  constructor(parent: AbortSignal | undefined, options?: LinkSignalOptions) {
    this.#onAbort = options?.onAbort;
    this.#shared = options?.shared === true;
    if (parent?.aborted) {
      this.abort(parent.reason);
      return;
    }
    if (parent !== undefined) this.#unlisten = onAbort(parent, () => this.abort(parent.reason));
    const timeout = options?.timeout;
    if (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY) {
      const clock = options?.clock ?? systemClock;
      const make = options?.timeoutReason;
      this.#clock = clock;
      this.#timer = clock.setTimeout(() => {
        this.#clock = undefined;
        this.#abort(make === undefined ? new TimeoutError(undefined, { timeout }) : make(), 'timed-out');
      }, timeout);
    }
  }

  /** The scope's signal (created on first read); aborted with the scope's reason once the scope aborts. */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = this.#shared ? sharedController() : new AbortController();
      this.#controller = controller;
      if (this.aborted) controller.abort(this.#reason);
    }
    return controller.signal;
  }

  /** Whether the scope aborted (for any cause, its timeout included). */
  get aborted(): boolean {
    return this.#state === 'aborted' || this.#state === 'timed-out';
  }

  /** Whether the scope aborted because its timeout passed. */
  get timedOut(): boolean {
    return this.#state === 'timed-out';
  }

  /** The abort reason, once aborted; `undefined` before. */
  get reason(): unknown {
    return this.#reason;
  }

  /** Whether the scope is still open (neither aborted nor disposed). */
  get open(): boolean {
    return this.#state === 'open';
  }

  /** Aborts the scope with `reason` (default: a `CancelledError`); nothing once aborted or disposed. */
  abort(reason: unknown = new CancelledError()): void {
    this.#abort(reason, 'aborted');
  }

  /** Closes the scope without aborting it: its signal never aborts from now on. Safe to call twice. */
  dispose(): void {
    if (this.#state !== 'open') return;
    this.#state = 'disposed';
    this.#detach();
  }

  #abort(reason: unknown, state: 'aborted' | 'timed-out'): void {
    if (this.#state !== 'open') return;
    this.#state = state;
    this.#reason = reason;
    this.#detach();
    this.#controller?.abort(reason);
    this.#onAbort?.(reason, state === 'timed-out');
  }

  #detach(): void {
    this.#unlisten?.();
    this.#unlisten = undefined;
    if (this.#clock !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#clock = undefined;
    }
  }
}

/**
 * Opens the cancel scope of one unit of work: see {@link SignalScope}. Every primitive that gives work a
 * signal, or that must stop on a caller's signal or a deadline, derives it here instead of wiring its own
 * listener and timer.
 * @example
 * ```ts
 * const scope = linkSignal(options.signal, { timeout: 5000, clock });
 * try { return await work(scope.signal); } finally { scope.dispose(); }
 * ```
 */
export function linkSignal(parent: AbortSignal | undefined, options?: LinkSignalOptions): SignalScope {
  return new SignalScope(parent, options);
}
