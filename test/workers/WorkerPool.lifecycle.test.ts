import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PoolClosedError, WorkerPool } from 'ferris/workers';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import {
  flags,
  liveThreads,
  open,
  TASKS,
  trackThreads,
  untilAtLeast,
  untilChanged,
  untilLiveAtMost,
} from './threads.js';

trackThreads();

const root = fileURLToPath(new URL('../../', import.meta.url));
const idleChild = fileURLToPath(new URL('./fixtures/idleExits.ts', import.meta.url));

describe('WorkerPool lifecycle', () => {
  it('close() finishes queued and running tasks, rejects new ones, and resolves after every thread exited', async () => {
    const pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    const flag = flags();
    const running = [1, 2].map((value) => pool.run('gate', { flag, value }));
    await untilAtLeast(flag, 0, 2);
    const queued = pool.run('increment', 10);
    const closed = pool.close();
    await expect(pool.run('increment', 1)).rejects.toBeInstanceOf(PoolClosedError);
    expect(pool.close()).toBe(closed);
    open(flag);
    expect(await Promise.all([...running, queued])).toEqual([1, 2, 11]);
    await closed;
    expect(liveThreads()).toBe(0);
  });

  it('destroy() rejects 1,000 pending tasks and the running ones with PoolClosedError at once', async () => {
    const pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    const flag = flags();
    const running = [1, 2].map((value) => pool.run('gate', { flag, value }).catch((e: unknown) => e));
    await untilAtLeast(flag, 0, 2);
    const pending = Array.from({ length: 1000 }, (_, i) => pool.run('increment', i).catch((e: unknown) => e));
    expect(pool.stats()).toMatchObject({ queued: 1000, running: 2 });
    await pool.destroy();
    const outcomes = await Promise.all([...running, ...pending]);
    expect(outcomes.every((e) => e instanceof PoolClosedError)).toBe(true);
    expect(liveThreads()).toBe(0);
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0, failed: 1002, threads: 0 });
    await expect(pool.run('increment', 1)).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('await using closes the pool at the end of the block', async () => {
    {
      await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
      expect(await pool.run('increment', 1)).toBe(2);
      expect(liveThreads()).toBe(1);
    }
    expect(liveThreads()).toBe(0);
  });

  it('shrinks to minThreads after idleTimeout and keeps minThreads alive', async () => {
    const clock = fakeClock();
    await using pool = new WorkerPool({
      filename: TASKS,
      minThreads: 1,
      maxThreads: 3,
      idleTimeout: 1000,
      clock,
    });
    expect(pool.stats().threads).toBe(1);
    const flag = flags();
    const tasks = [1, 2, 3].map((value) => pool.run('gate', { flag, value }));
    await untilAtLeast(flag, 0, 3);
    expect(pool.stats()).toMatchObject({ threads: 3, idle: 0 });
    open(flag);
    await Promise.all(tasks);
    await clock.advance(999);
    expect(pool.stats().threads).toBe(3);
    await clock.advance(1);
    expect(pool.stats().threads).toBe(1);
    await untilLiveAtMost(1);
    expect(liveThreads()).toBe(1);
    await clock.advance(10_000);
    expect(pool.stats()).toMatchObject({ threads: 1, idle: 1 });
    expect(await pool.run('increment', 1)).toBe(2);
  });

  it('starts threads on demand up to maxThreads and queues the rest', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    expect(pool.stats().threads).toBe(0);
    const flag = flags();
    const tasks = [1, 2, 3].map((value) => pool.run('gate', { flag, value }));
    await untilAtLeast(flag, 0, 2);
    expect(pool.stats()).toMatchObject({ threads: 2, running: 2, queued: 1 });
    open(flag);
    expect(await Promise.all(tasks)).toEqual([1, 2, 3]);
  });

  it('idle threads do not keep the process alive (child process exits on its own)', async () => {
    // A ref'd idle thread or idle timer would keep the child alive: execFile kills it after 15 s and this fails.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', idleChild],
        { cwd: root, timeout: 15_000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      );
    });
    expect(JSON.parse(stdout.trim())).toEqual({ result: 42, threads: 2, exec: 9 });
  });

  it('counts a thread with a task as busy until the task settles', async () => {
    const flag = flags();
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const task = pool.run('gate', { flag, value: 'held' });
    await untilChanged(flag, 0, 0);
    expect(pool.stats()).toMatchObject({ running: 1, idle: 0 });
    open(flag);
    expect(await task).toBe('held');
  });
});
