import { WorkerPool } from 'ferris/workers';
import { describe, expect, it } from 'vitest';
import { flags, open, TASKS, trackThreads, untilAtLeast, untilChanged } from './threads.js';

trackThreads();

/** Runs enough tiny tasks for the pool to learn its tasks are tiny, so it sends several to a thread at once. */
async function warm(pool: WorkerPool): Promise<WorkerPool> {
  await Promise.all(Array.from({ length: 200 }, (_, i) => pool.run('increment', i)));
  return pool;
}

const warmPool = (maxThreads = 1): Promise<WorkerPool> =>
  warm(new WorkerPool({ filename: TASKS, maxThreads }));

describe('WorkerPool batching', () => {
  it('sends tiny tasks to a busy thread ahead of time, and they run in order', async () => {
    await using pool = await warmPool();
    const flag = flags();
    const first = pool.run('gate', { flag, value: 'first' });
    const rest = [1, 2, 3].map((i) => pool.run('increment', i));
    // All four sit on the thread already: none waits in the pool's queue.
    expect(pool.stats()).toMatchObject({ queued: 0, running: 4 });
    await untilChanged(flag, 0, 0);
    open(flag);
    expect(await Promise.all([first, ...rest])).toEqual(['first', 2, 3, 4]);
  });

  it('two long tasks submitted at once to two threads run side by side, even after tiny tasks made the pool batch', async () => {
    await using pool = await warmPool(2);
    const flag = flags();
    const both = [pool.run('gate', { flag, value: 'a' }), pool.run('gate', { flag, value: 'b' })];
    try {
      // One task to each thread, none sent ahead behind the other.
      expect(pool.stats()).toMatchObject({ threads: 2, idle: 0, queued: 0, running: 2 });
      // Both have started: each blocks its own thread until the gate opens.
      await untilAtLeast(flag, 0, 2);
    } finally {
      open(flag);
    }
    expect(await Promise.all(both)).toEqual(['a', 'b']);
  });

  it('one task of a millisecond or more ends batching at once; many tiny ones in a row start it again', async () => {
    await using pool = await warmPool();
    expect(await pool.run('busy', 2)).toBe(2);
    const flag = flags();
    let first = pool.run('gate', { flag, value: 'first' });
    let rest = [1, 2, 3].map((i) => pool.run('increment', i));
    try {
      // Nothing is sent ahead: the three wait in the pool's queue until the thread is free.
      expect(pool.stats()).toMatchObject({ queued: 3, running: 1 });
      await untilChanged(flag, 0, 0);
    } finally {
      open(flag);
    }
    expect(await Promise.all([first, ...rest])).toEqual(['first', 2, 3, 4]);

    await Promise.all(Array.from({ length: 200 }, (_, i) => pool.run('increment', i)));
    const again = flags();
    first = pool.run('gate', { flag: again, value: 'first' });
    rest = [1, 2, 3].map((i) => pool.run('increment', i));
    try {
      expect(pool.stats()).toMatchObject({ queued: 0, running: 4 });
      await untilChanged(again, 0, 0);
    } finally {
      open(again);
    }
    expect(await Promise.all([first, ...rest])).toEqual(['first', 2, 3, 4]);
  });

  it('an aborted task that was sent ahead but has not started never runs, and its thread lives on', async () => {
    await using pool = await warmPool();
    const before = await pool.run('threadId');
    await warm(pool); // threadId's own timing does not count
    const flag = flags();
    const counter = flags(1);
    const running = pool.run('gate', { flag, value: 'done' });
    const controller = new AbortController();
    const ahead = pool.run('mark', counter, { signal: controller.signal });
    const after = pool.run('increment', 41);
    const reason = new Error('not needed');
    try {
      expect(pool.stats()).toMatchObject({ queued: 0, running: 3 });
      await untilChanged(flag, 0, 0);
      controller.abort(reason);
      await expect(ahead).rejects.toBe(reason);
    } finally {
      open(flag); // a failed expectation must not leave the thread blocked
    }
    expect(await running).toBe('done');
    expect(await after).toBe(42);
    expect(Atomics.load(counter, 0)).toBe(0);
    expect(await pool.run('threadId')).toBe(before);
    expect(pool.stats()).toMatchObject({ cancelled: 1, running: 0 });
  });

  it('aborting a running task moves the tasks sent behind it to the replacement thread', async () => {
    await using pool = await warmPool();
    const before = await pool.run('threadId');
    await warm(pool); // threadId's own timing does not count
    const flag = flags();
    const controller = new AbortController();
    const spinning = pool.run('spin', flag, { signal: controller.signal });
    const behind = [1, 2, 3].map((i) => pool.run('increment', i));
    try {
      expect(pool.stats()).toMatchObject({ queued: 0, running: 4 });
      await untilChanged(flag, 0, 0);
    } finally {
      controller.abort(new Error('stop spinning')); // also when an expectation failed: never spin on
    }
    await expect(spinning).rejects.toThrow('stop spinning');
    expect(await Promise.all(behind)).toEqual([2, 3, 4]);
    expect(await pool.run('threadId')).not.toBe(before);
  });

  it('a crash in the middle of a batch fails only the crashing task; the ones behind it run elsewhere', async () => {
    await using pool = await warmPool();
    const flag = flags();
    const first = pool.run('gate', { flag, value: 'first' });
    const crash = pool.run('exit', 1).catch((e: Error) => e.name);
    const behind = [1, 2, 3].map((i) => pool.run('increment', i));
    try {
      expect(pool.stats()).toMatchObject({ queued: 0, running: 5 });
      await untilChanged(flag, 0, 0);
    } finally {
      open(flag);
    }
    expect(await first).toBe('first');
    expect(await crash).toBe('WorkerError');
    expect(await Promise.all(behind)).toEqual([2, 3, 4]);
  });
});
