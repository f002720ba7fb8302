import type { Clock } from '../core/Clock.js';
import { linkSignal, type SignalScope } from '../core/signals.js';
import type { WaitOptions } from '../core/types.js';

interface Watch {
  ready: () => boolean;
  resolve: () => void;
  scope: SignalScope | undefined;
}

/**
 * Callers waiting for a condition on an executor's state (`onIdle`, `onEmpty`, `onSizeLessThan`, a waiting
 * `shutdown()`): each is re-checked whenever the state changes, and leaves on its signal or timeout through
 * its own cancel scope. Checks cost nothing while nobody waits.
 * @internal
 */
export class Watchers {
  #list: Watch[] = [];

  /** Whether anyone waits. */
  get size(): number {
    return this.#list.length;
  }

  /** Resolves once `ready()` holds (at once if it does now); rejects with `signal.reason` or `TimeoutError`. */
  wait(ready: () => boolean, options: WaitOptions | undefined, clock: Clock): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const watch: Watch = { ready, resolve, scope: undefined };
      this.#list.push(watch);
      const timeout = options?.timeout;
      if (signal !== undefined || (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY))
        watch.scope = linkSignal(signal, {
          timeout,
          clock,
          onAbort: (reason) => {
            const i = this.#list.indexOf(watch);
            if (i < 0) return;
            this.#list.splice(i, 1);
            reject(reason);
          },
        });
    });
  }

  /** Resolves every waiter whose condition holds now. */
  check(): void {
    if (this.#list.length === 0) return;
    const still: Watch[] = [];
    const ready: Watch[] = [];
    for (const watch of this.#list) (watch.ready() ? ready : still).push(watch);
    if (ready.length === 0) return;
    this.#list = still;
    for (const watch of ready) {
      watch.scope?.dispose();
      watch.resolve();
    }
  }
}
