import type { RunLife } from '../core/RunLife.js';
import type { ItemWork } from '../core/types.js';
import type { MapOutcomes } from './MapOutcomes.js';
import type { Puller } from './pull.js';

/**
 * The map engine's unbounded fast path (room for every item, no limiter, no progress hook): calls `fn` for
 * every item in one synchronous loop and waits with `Promise.all`, which costs no closure or promise of ours
 * per item. If some item rejects, `Promise.all` gives up early; the run then watches every item on its own,
 * so it still reports each error and settles only after all of them settled. It holds `life` until then and
 * hands the values to `done` when every item fulfilled.
 * @returns The items pulled from a sync source (the filter keeps them), or `undefined` for an array.
 * @internal
 */
export function runAll<T, R>(
  fn: ItemWork<T, R>,
  items: ArrayLike<T> | Puller<T>,
  life: RunLife,
  outcomes: MapOutcomes<T>,
  done: (values: R[]) => void,
): T[] | undefined {
  const signal = life.signal;
  const pending: unknown[] = [];
  let pulled: T[] | undefined;
  if (!('nextSync' in items)) {
    const n = items.length;
    for (let j = 0; j < n && life.running; j++) {
      const item = items[j] as T;
      try {
        pending[j] = fn(item, j, signal);
      } catch (error) {
        pending[j] = undefined;
        outcomes.fail(error, item, j);
      }
    }
  } else {
    pulled = [];
    while (life.running) {
      let r: IteratorResult<T>;
      try {
        r = items.nextSync();
      } catch (error) {
        outcomes.sourceFailed(error);
        break;
      }
      if (r.done) {
        outcomes.setTotal(pulled.length);
        break;
      }
      const j = pulled.length;
      pulled.push(r.value);
      try {
        pending[j] = fn(r.value, j, signal);
      } catch (error) {
        pending[j] = undefined;
        outcomes.fail(error, r.value, j);
      }
    }
  }
  const started = (pulled ?? items) as ArrayLike<T>;
  life.hold();
  if (!life.running) watchEach(pending, started, life, outcomes);
  else
    Promise.all(pending).then(
      (values) => {
        done(values as R[]);
        life.release();
      },
      () => watchEach(pending, started, life, outcomes),
    );
  return pulled;
}

/** Follows every started item on its own; releases the fast path's hold. */
function watchEach<T>(
  pending: unknown[],
  items: ArrayLike<T>,
  life: RunLife,
  outcomes: MapOutcomes<T>,
): void {
  const n = pending.length;
  life.hold(n);
  const settled = (): void => life.release();
  for (let j = 0; j < n; j++) {
    Promise.resolve(pending[j]).then(settled, (error: unknown) => {
      outcomes.fail(error, items[j] as T, j);
      life.release();
    });
  }
  life.release();
}
