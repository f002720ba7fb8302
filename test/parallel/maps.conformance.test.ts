import { onTestFinished } from 'vitest';
import { isThenable } from '../../src/core/validate.js';
import { AsyncExecutor } from '../../src/executor/AsyncExecutor.js';
import { asyncParallelFilter } from '../../src/parallel/asyncParallelFilter.js';
import { asyncParallelMap } from '../../src/parallel/asyncParallelMap.js';
import { asyncParallelMapStream } from '../../src/parallel/asyncParallelMapStream.js';
import { mapConformance } from '../support/conformance/maps.js';
import { flush, track } from '../support/work.js';

mapConformance({
  name: 'asyncParallelMap',
  run: (fn, items, options) => asyncParallelMap(fn, items, options),
});

mapConformance({
  name: 'asyncParallelFilter',
  // A predicate that keeps every item and records fn's result: the kept items must then be every item, in
  // input order, and the results are read through them.
  run: async (fn, items, options) => {
    const seen: unknown[] = [];
    const results: unknown[] = [];
    const kept = await asyncParallelFilter(
      (item, index, signal) => {
        seen[index] = item;
        const out = fn(item, index, signal);
        if (!isThenable(out)) {
          results[index] = out;
          return true;
        }
        return Promise.resolve(out).then((value) => {
          results[index] = value;
          return true;
        });
      },
      items,
      options,
    );
    if (kept.length !== seen.length || kept.some((item, i) => item !== seen[i]))
      throw new Error(
        'asyncParallelFilter did not keep every item, in input order, for an always-true predicate',
      );
    return results as never[];
  },
});

mapConformance({
  name: 'asyncParallelMapStream',
  options: [],
  holdsFinishedResults: true,
  // Read to the end with for await, as users do; the first next() starts the work synchronously.
  run: async (fn, items, { maxConcurrent, signal, clock, onProgress }) => {
    const out = [];
    const stream = asyncParallelMapStream(fn, items, { maxConcurrent, signal, clock, onProgress });
    for await (const value of stream) out.push(value);
    return out;
  },
});

/** The executor of the last mapAsync call, to check that its slots came back. */
let lastExecutor: AsyncExecutor | undefined;

/** Throws unless work submitted to `executor` now gets a slot at once. */
async function expectSlotFree(executor: AsyncExecutor): Promise<void> {
  let ran = false;
  const probe = executor.submitAsync(() => {
    ran = true;
  });
  const t = track(probe.then(() => undefined));
  await flush();
  if (!ran || !t.settled)
    throw new Error(
      `mapAsync left its executor's slots taken after the call settled: a later submitAsync does not run (stats ${JSON.stringify(executor.stats())})`,
    );
}

mapConformance({
  name: 'AsyncExecutor.mapAsync',
  // A fresh executor per call, its maxWorkers the bound; after the test, its slots must have come back.
  run: (fn, items, { maxConcurrent, clock, ...options }) => {
    const executor = new AsyncExecutor({ maxWorkers: maxConcurrent, clock });
    lastExecutor = executor;
    const call = executor.mapAsync(fn, items, options);
    const t = track(call);
    onTestFinished(async () => {
      if (!t.settled) {
        // The test failed already; cancel what is left without waiting for it.
        executor.shutdown({ cancelPending: true, wait: false }).catch(() => undefined);
        return;
      }
      await expectSlotFree(executor);
      await executor.shutdown();
    });
    return call;
  },
  expectSlotsFree: () => expectSlotFree(lastExecutor!),
});
