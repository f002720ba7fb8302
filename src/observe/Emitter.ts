/** A listener of one event: receives that event's payload. */
export type Listener<P> = (payload: P) => void;

/** Options of {@link Emitter}. */
export interface EmitterOptions {
  /**
   * Receives an error thrown by a listener; the remaining listeners still run. Listeners are observers: one
   * that throws must not corrupt the state change that emitted the event.
   * @default rethrows the error on a fresh microtask (it surfaces as an uncaught exception, as EventTarget's do)
   */
  onListenerError?: ((error: unknown, event: string) => void) | undefined;
}

interface Subscription<P> {
  fn: Listener<P>;
  active: boolean;
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/**
 * A tiny typed event emitter, the event plumbing of every Ferris primitive. `Events` maps each event name to
 * its payload type. Listeners run synchronously in subscription order; subscribing the same function twice
 * makes two subscriptions, each with its own unsubscribe function. A listener unsubscribed while an event is
 * being delivered is not called for it; one subscribed meanwhile waits for the next event.
 *
 * @example
 * ```ts
 * const events = new Emitter<{ tick: { n: number } }>();
 * const off = events.on('tick', ({ n }) => console.log(n));
 * events.emit('tick', { n: 1 }); // logs 1
 * off();
 * ```
 */
export class Emitter<Events extends object> {
  /*
   * Copy on write: subscribing and unsubscribing replace an event's array instead of changing it, so `emit`
   * walks the array it found without copying it, and listeners that subscribe or unsubscribe during delivery
   * do not shift the iteration. Emitting is the frequent operation (once or twice per task).
   */
  #subscriptions = new Map<keyof Events, Subscription<never>[]>();
  readonly #onListenerError: (error: unknown, event: string) => void;

  /** @throws TypeError if `options.onListenerError` is given and is not a function. */
  constructor(options?: EmitterOptions) {
    const handler = options?.onListenerError;
    if (handler !== undefined && typeof handler !== 'function')
      throw new TypeError(`Emitter options.onListenerError must be a function, got ${typeof handler}.`);
    this.#onListenerError = handler ?? rethrowLater;
  }

  /**
   * Calls `fn(payload)` on every later `emit(event)`, until the returned function is called.
   * @returns An unsubscribe function; calling it again does nothing.
   * @throws TypeError if `fn` is not a function.
   */
  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    if (typeof fn !== 'function')
      throw new TypeError(`Listener of "${String(event)}" must be a function, got ${typeof fn}.`);
    const sub: Subscription<Events[K]> = { fn, active: true };
    const list = this.#subscriptions.get(event);
    this.#subscriptions.set(
      event,
      list === undefined ? [sub as Subscription<never>] : [...list, sub as Subscription<never>],
    );
    return () => {
      if (!sub.active) return;
      sub.active = false;
      const current = this.#subscriptions.get(event);
      if (current === undefined) return;
      const rest = current.filter((s) => s !== sub);
      if (rest.length === 0) this.#subscriptions.delete(event);
      else this.#subscriptions.set(event, rest);
    };
  }

  /** Whether `event` has a listener now. */
  has<K extends keyof Events>(event: K): boolean {
    return this.#subscriptions.has(event);
  }

  /**
   * Delivers `payload` to the listeners of `event`, in subscription order. A listener's error goes to
   * `onListenerError` and the remaining listeners still run; `emit` itself never throws because of a listener.
   */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.#subscriptions.get(event);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const sub = list[i] as Subscription<Events[K]>;
      if (!sub.active) continue;
      try {
        sub.fn(payload);
      } catch (error) {
        this.#onListenerError(error, String(event));
      }
    }
  }

  /** Number of listeners of `event` (or of every event when omitted). */
  listenerCount(event?: keyof Events): number {
    if (event !== undefined) return this.#subscriptions.get(event)?.length ?? 0;
    let n = 0;
    for (const list of this.#subscriptions.values()) n += list.length;
    return n;
  }

  /** Unsubscribes every listener of every event. */
  clear(): void {
    for (const list of this.#subscriptions.values()) for (const sub of list) sub.active = false;
    this.#subscriptions.clear();
  }
}
