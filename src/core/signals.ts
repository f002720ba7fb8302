import { CancelledError } from './errors.js';

/**
 * Small helpers around AbortSignal. Listeners are always removed when the operation that added them ends,
 * so a long-lived caller signal never accumulates Ferris listeners.
 */

/** Adds a one-shot abort listener and returns the function that removes it. */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** The reason of an aborted signal, unchanged; a `CancelledError` if the signal carries none. */
export function reasonOf(signal: AbortSignal): unknown {
  return signal.reason === undefined ? new CancelledError() : signal.reason;
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

/** A signal that is already aborted with `reason`. */
export function abortedSignal(reason: unknown): AbortSignal {
  const c = new AbortController();
  c.abort(reason);
  return c.signal;
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
export function sharedController(): AbortController {
  const controller = new AbortController();
  setMax?.(0, controller.signal);
  return controller;
}
