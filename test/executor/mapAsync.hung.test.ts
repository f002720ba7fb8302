/**
 * mapAsync over an async source whose next() never settles: the deadline and an abort still settle the call
 * at once, and the executor's slot comes back.
 */
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { AsyncExecutor } from '../../src/executor/AsyncExecutor.js';
import { fakeClock } from '../support/leakCheck.js';
import { flush } from '../support/work.js';

/** An async source that yields `first` items, then hangs in next() for ever. */
function hangsAfter(first: number): AsyncIterable<number> {
  let i = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        i < first
          ? Promise.resolve({ done: false, value: i++ })
          : new Promise<IteratorResult<number>>(() => {}),
    }),
  };
}

describe('AsyncExecutor.mapAsync over a source that hangs', () => {
  it('rejects with TimeoutError at the deadline without waiting for the pending next()', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 2, clock });
    const call = executor.mapAsync((x: number) => x, hangsAfter(3), { timeout: 50 });
    const settled = expect(call).rejects.toBeInstanceOf(TimeoutError);
    await flush();
    await clock.advance(50);
    await settled;
    await expect(call).rejects.toMatchObject({ timeout: 50 });
    await executor.shutdown();
  });

  it('settles when aborted and gives the slot back, so later work runs on maxWorkers: 1', async () => {
    const executor = new AsyncExecutor(1);
    const controller = new AbortController();
    const call = executor.mapAsync((x: number) => x, hangsAfter(0), { signal: controller.signal });
    const rejected = expect(call).rejects.toBe('stop');
    await flush();
    controller.abort('stop');
    await rejected;
    expect(await executor.submitAsync(() => 'ran')).toBe('ran');
    expect(executor.stats()).toMatchObject({ running: 0, queued: 0 });
    await executor.shutdown();
  });
});
