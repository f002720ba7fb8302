import { CancelledError } from '../core/errors.js';
import type { RunLife } from '../core/RunLife.js';
import { isCancellation } from '../core/signals.js';
import type { MapProgress } from '../core/types.js';

/** What the outcome rules need of a map's checked options. @internal */
export interface OutcomeConfig<T> {
  name: string;
  stopOnError: boolean;
  onError: ((error: unknown, item: T, index: number) => void) | undefined;
  onProgress: ((progress: MapProgress) => void) | undefined;
}

/**
 * The rules every map applies to its items' outcomes, in one place: an error stops the run (`stopOnError`) or
 * joins the aggregate; `onError` hears every non-cancellation error as it happens (its own throw rejects the
 * run); cancellations after a stop are not failures; `onProgress` hears each settled item.
 * @internal
 */
export class MapOutcomes<T> {
  #errors: [number, unknown][] | undefined = undefined;
  #done = 0;
  #failed = 0;
  #total: number | undefined = undefined;
  readonly #config: OutcomeConfig<T>;
  readonly #life: RunLife;
  /** Whether anyone listens to progress: the hot loops skip the calls otherwise. */
  readonly tracking: boolean;

  constructor(config: OutcomeConfig<T>, life: RunLife) {
    this.#config = config;
    this.#life = life;
    this.tracking = config.onProgress !== undefined;
  }

  /**
   * The number of items, once known (an array's length, or a source's count once it ended). When it becomes
   * known only after the last item settled (the source said so later), `onProgress` hears it once more.
   */
  setTotal(total: number): void {
    this.#total = total;
    if (this.tracking && total > 0 && this.#done === total) this.#report();
  }

  /** An item fulfilled. Call only while `tracking`. */
  succeeded(): void {
    this.#settled();
  }

  /**
   * An item (or its limiter wait) failed; returns false for a cancellation after the run stopped, which is
   * not a failure.
   */
  fail(error: unknown, item: T, index: number): boolean {
    const life = this.#life;
    if (!life.running && isCancellation(error, life.signal)) {
      if (this.tracking) this.#settled();
      return false;
    }
    const { stopOnError, onError, name } = this.#config;
    if (stopOnError)
      life.stop(
        error,
        new CancelledError(`Cancelled because another item of ${name} failed.`, { cause: error }),
      );
    else {
      this.#errors ??= [];
      this.#errors.push([index, error]);
    }
    if (this.tracking) {
      this.#failed++;
      this.#settled();
    }
    if (onError === undefined) return true;
    try {
      onError(error, item, index);
    } catch (hookError) {
      // The hook's error reaches the caller (the item's error already reached the hook), also when this very
      // item's error stopped the run a moment ago.
      if (life.phase === 'stopped' && life.rejection === error) life.replaceRejection(hookError);
      else
        life.stop(
          hookError,
          new CancelledError(`Cancelled because onError of ${name} threw.`, { cause: hookError }),
        );
    }
    return true;
  }

  /** The source threw: the run stops with its error (not an item's: `onError` does not hear it). */
  sourceFailed(error: unknown): void {
    this.#life.stop(
      error,
      new CancelledError(`Cancelled because the source of ${this.#config.name} threw.`, { cause: error }),
    );
  }

  /** The `AggregateError` of every error in input order (`stopOnError: false`), or `undefined` if none. */
  aggregate(): AggregateError | undefined {
    if (this.#errors === undefined) return undefined;
    const errors = this.#errors.sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    return new AggregateError(errors, `${errors.length} item(s) of ${this.#config.name} failed.`);
  }

  /** One more item settled: tell `onProgress`. */
  #settled(): void {
    this.#done++;
    this.#report();
  }

  #report(): void {
    const progress: MapProgress =
      this.#total === undefined
        ? { done: this.#done, failed: this.#failed }
        : { done: this.#done, failed: this.#failed, total: this.#total };
    try {
      this.#config.onProgress!(progress);
    } catch (error) {
      // Like onError's: the hook's error reaches the caller, as the call's rejection (a first stop wins).
      this.#life.stop(
        error,
        new CancelledError(`Cancelled because onProgress of ${this.#config.name} threw.`, { cause: error }),
      );
    }
  }
}
