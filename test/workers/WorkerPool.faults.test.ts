import { CancelledError } from 'ferris';
import { TimeoutError, WorkerError, WorkerPool } from 'ferris/workers';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { flags, open, TASKS, trackThreads, untilAtLeast, untilChanged } from './threads.js';

trackThreads();

describe('WorkerPool faults', () => {
  it('rejects a task that calls process.exit with WorkerError, and the tasks queued behind it still run', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const exited = pool.run('exit', 7).catch((e: unknown) => e);
    const after = [1, 2, 3].map((i) => pool.run('increment', i));
    const error = await exited;
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ exitCode: 7 });
    expect(await Promise.all(after)).toEqual([2, 3, 4]);
    expect(pool.stats()).toMatchObject({ threads: 1, completed: 3, failed: 1 });
  });

  it('rejects the running task with WorkerError whose cause is the uncaught error of its thread', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const error = await pool.run('crash').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).cause).toMatchObject({ message: 'boom from a timer' });
    expect((error as WorkerError).exitCode).toBe(1);
    expect(await pool.run('increment', 1)).toBe(2);
  });

  it('rejects a task that runs out of memory with WorkerError (ERR_WORKER_OUT_OF_MEMORY) and replaces its thread', async () => {
    await using pool = new WorkerPool({
      filename: TASKS,
      maxThreads: 1,
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    const error = await pool.run('oom').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).cause).toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
    expect((error as WorkerError).message).toMatch(/ran out of memory/);
    expect(await pool.run('increment', 1)).toBe(2);
  });

  it('stops an endless loop at its timeout with TimeoutError and replaces the thread', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const flag = flags();
    const before = await pool.run('threadId');
    const spinning = pool.run('spin', flag, { timeout: 50 });
    await expect(spinning).rejects.toBeInstanceOf(TimeoutError);
    expect(Atomics.load(flag, 0)).toBe(1);
    expect(await pool.run('threadId')).not.toBe(before);
    expect(pool.stats()).toMatchObject({ threads: 1, failed: 1 });
  });

  it('applies taskTimeout to every call without its own timeout', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1, taskTimeout: 50 });
    await expect(pool.run('spin', flags())).rejects.toBeInstanceOf(TimeoutError);
    // The replacement thread's start-up counts against a task's timeout: this call sets its own.
    expect(await pool.run('increment', 1, { timeout: Number.POSITIVE_INFINITY })).toBe(2);
  });

  it('aborting a running task rejects with signal.reason at once and terminates its thread', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const flag = flags();
    const controller = new AbortController();
    const before = await pool.run('threadId');
    const spinning = pool.run('spin', flag, { signal: controller.signal });
    await untilChanged(flag, 0, 0);
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await expect(spinning).rejects.toBe(reason);
    expect(await pool.run('threadId')).not.toBe(before);
    expect(pool.stats()).toMatchObject({ cancelled: 1 });
  });

  it('an aborted queued task never runs', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const flag = flags();
    const counter = flags(1);
    const running = pool.run('gate', { flag, value: 'done' });
    await untilChanged(flag, 0, 0);
    const controller = new AbortController();
    const queued = pool.run('mark', counter, { signal: controller.signal });
    const reason = new CancelledError();
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    open(flag);
    expect(await running).toBe('done');
    expect(await pool.run('increment', 1)).toBe(2); // ran after the aborted one's place in line
    expect(Atomics.load(counter, 0)).toBe(0);
    expect(pool.stats()).toMatchObject({ cancelled: 1, completed: 2 });
  });

  it('rejects at once with an already-aborted signal, without running the task', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const counter = flags(1);
    const reason = new Error('too late');
    await expect(pool.run('mark', counter, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(Atomics.load(counter, 0)).toBe(0);
  });

  it('counts the timeout from the call: a task still queued times out and never runs', async () => {
    const clock = fakeClock();
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1, clock });
    const flag = flags();
    const counter = flags(1);
    const running = pool.run('gate', { flag, value: 'done' });
    await untilChanged(flag, 0, 0);
    const queued = pool.run('mark', counter, { timeout: 100 }).catch((e: unknown) => e);
    await clock.advance(100);
    expect(await queued).toBeInstanceOf(TimeoutError);
    open(flag);
    expect(await running).toBe('done');
    expect(Atomics.load(counter, 0)).toBe(0);
  });

  it('settles each of 1,000 tasks once with the right outcome under 5% crashes, and ends with maxThreads healthy threads', async () => {
    await using pool = new WorkerPool({
      filename: TASKS,
      maxThreads: 2,
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    const kinds = ['exit', 'oom', 'crash'] as const;
    const expected: string[] = [];
    const calls = Array.from({ length: 1000 }, (_, i) => {
      let call: Promise<unknown>;
      if (i % 20 === 7) {
        const kind = kinds[Math.floor(i / 20) % 3] as (typeof kinds)[number];
        expected.push('WorkerError');
        call = pool.run(kind, 1);
      } else if (i % 20 === 13) {
        expected.push('RangeError');
        call = pool.run('fail', { message: `bad ${i}` });
      } else {
        expected.push(`ok ${i + 1}`);
        call = pool.run('increment', i);
      }
      let settled = 0;
      return call.then(
        (value) => {
          settled++;
          return { outcome: `ok ${String(value)}`, settled: () => settled };
        },
        (error: Error) => {
          settled++;
          return { outcome: error.name, settled: () => settled };
        },
      );
    });
    const results = await Promise.all(calls);
    expect(results.map((r) => r.outcome)).toEqual(expected);
    expect(results.every((r) => r.settled() === 1)).toBe(true);
    const stats = pool.stats();
    expect(stats).toMatchObject({ completed: 900, failed: 100, queued: 0, running: 0, threads: 2, idle: 2 });
    // Both threads are healthy: two tasks that wait for each other run at the same time.
    const flag = flags();
    const both = [1, 2].map((value) => pool.run('gate', { flag, value }));
    await untilAtLeast(flag, 0, 2);
    open(flag);
    expect(await Promise.all(both)).toEqual([1, 2]);
  }, 90_000);
});
