import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { AsyncExecutor } from '../../src/executor/AsyncExecutor.js';
import { AsyncTask } from '../../src/task/AsyncTask.js';
import { deferred, until } from '../support/work.js';

const als = new AsyncLocalStorage<string>();

describe('AsyncLocalStorage context (SPEC §2.9)', () => {
  it('is the submitter’s inside work that submitAsync starts at once', async () => {
    const executor = new AsyncExecutor(2);
    const task = als.run('request-1', () =>
      executor.submitAsync(async () => {
        const before = als.getStore();
        await Promise.resolve();
        return [before, als.getStore()];
      }),
    );
    expect(await task).toEqual(['request-1', 'request-1']);
    await executor.shutdown();
  });

  it('is the submitter’s inside work that waited in the queue behind other submitters’ work', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    // The blocker runs in context "blocker"; the queued tasks start when it settles, i.e. from its continuation.
    const blocker = als.run('blocker', () =>
      executor.submitAsync((signal) => until(gate.promise, signal, als.getStore())),
    );
    const queued = ['a', 'b', 'c'].map((id) =>
      als.run(id, () =>
        executor.submitAsync(async () => {
          const seen = als.getStore();
          await Promise.resolve();
          return `${seen}/${als.getStore()}`;
        }),
      ),
    );
    const outside = executor.submitAsync(() => als.getStore());
    als.run('opener', () => gate.resolve());
    expect(await blocker).toBe('blocker');
    expect(await Promise.all(queued)).toEqual(['a/a', 'b/b', 'c/c']);
    expect(await outside).toBeUndefined();
    await executor.shutdown();
  });

  it('is the caller’s inside mapAsync items, including items started after others finished', async () => {
    const executor = new AsyncExecutor(1);
    const results = await als.run('mapper', () =>
      executor.mapAsync(
        async (x: number) => {
          await Promise.resolve();
          return `${x}:${als.getStore()}`;
        },
        [1, 2, 3],
      ),
    );
    expect(results).toEqual(['1:mapper', '2:mapper', '3:mapper']);
    await executor.shutdown();
  });

  it('is the context of whoever starts an AsyncTask, through the work’s awaits', async () => {
    const task = new AsyncTask(async () => {
      const first = als.getStore();
      await Promise.resolve();
      return [first, als.getStore()];
    });
    const result = await als.run('starter', () => task.execute());
    expect(result).toEqual(['starter', 'starter']);
    const awaited = new AsyncTask(() => als.getStore());
    expect(await als.run('awaiter', async () => await awaited)).toBe('awaiter');
  });
});
