import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { MapProgress } from 'ferris';
import { PoolClosedError, QueueFullError, WorkerPool } from 'ferris/workers';
import { describe, expect, it } from 'vitest';
import { MISSING, TASKS_URL } from './fixtures/paths.js';
import { flags, open, TASKS, trackThreads, untilChanged } from './threads.js';

trackThreads();

describe('WorkerPool.run', () => {
  it('runs a named export of the task module on another thread and resolves to its result', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    expect(await pool.run('add', { a: 2, b: 3 })).toBe(5);
    expect(await pool.run('later', 21)).toBe(42);
    const id = await pool.run<number>('threadId');
    expect(id).not.toBe(threadId);
  });

  it('accepts the task module as a file: URL', async () => {
    await using pool = new WorkerPool({ filename: TASKS_URL, maxThreads: 1 });
    expect(await pool.run('increment', 1)).toBe(2);
  });

  it('rejects a task that throws with its own error, class, code and cause kept, and the thread lives on', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const before = await pool.run('threadId');
    const error = await pool.run('fail', { message: 'bad row', code: 'E_ROW' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ name: 'RangeError', message: 'bad row', code: 'E_ROW' });
    expect((error as Error).cause).toMatchObject({ message: 'root cause' });
    expect((error as Error).stack).toContain('tasks.mjs');
    const custom = await pool.run('failCustom').catch((e: unknown) => e);
    expect(custom).toBeInstanceOf(Error);
    expect(custom).toMatchObject({ name: 'ParseError', message: 'bad input' });
    expect(await pool.run('threadId')).toBe(before);
    expect(pool.stats()).toMatchObject({ threads: 1, failed: 2, completed: 2 });
  });

  it('rejects an unknown task name with a TypeError naming it, and the pool stays usable', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    await expect(pool.run('nope')).rejects.toThrow(/Task "nope" is not a function exported by .*tasks\.mjs/);
    await expect(pool.run('notAFunction')).rejects.toThrow(TypeError);
    expect(await pool.run('increment', 1)).toBe(2);
  });

  it('rejects an argument or a result that cannot be cloned with a TypeError naming the task', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    await expect(pool.run('increment', () => 1)).rejects.toThrow(
      /argument of task "increment" cannot be sent/,
    );
    await expect(pool.run('makeFunction')).rejects.toThrow(
      /Task "makeFunction" returned a value that cannot be sent/,
    );
    expect(await pool.run('increment', 1)).toBe(2);
  });

  it('names a task module that does not exist, synchronously', () => {
    expect(() => new WorkerPool({ filename: MISSING })).toThrow(/doesNotExist\.mjs does not exist/);
  });

  it('rejects tasks of a module with a syntax error with an error naming the file, and exec still works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferris-workers-'));
    const file = join(dir, 'broken.mjs');
    await writeFile(file, 'export function broken( {\n');
    try {
      await using pool = new WorkerPool({ filename: file, maxThreads: 1 });
      const error = await pool.run('broken').catch((e: unknown) => e);
      expect(error).toMatchObject({
        message: expect.stringMatching(/could not load its task module .*broken\.mjs/),
      });
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
      await expect(pool.run('broken')).rejects.toThrow(/broken\.mjs/);
      expect(await pool.exec((x: number) => x + 1, [1])).toBe(2);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('moves the buffers of transferList instead of copying them', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const buffer = new ArrayBuffer(1024);
    expect(await pool.run('byteLength', buffer, { transferList: [buffer] })).toBe(1024);
    expect(buffer.byteLength).toBe(0); // detached here: it was moved, not copied
  });

  it('rejects a task past maxQueue with QueueFullError while the threads are busy', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1, maxQueue: 1 });
    const flag = flags();
    const running = pool.run('gate', { flag, value: 'a' });
    await untilChanged(flag, 0, 0);
    const queued = pool.run('increment', 1);
    await expect(pool.run('increment', 2)).rejects.toBeInstanceOf(QueueFullError);
    open(flag);
    expect(await Promise.all([running, queued])).toEqual(['a', 2]);
  });

  it('rejects calls after close() with PoolClosedError', async () => {
    const pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    await pool.close();
    await expect(pool.run('increment', 1)).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.exec(() => 1)).rejects.toBeInstanceOf(PoolClosedError);
  });
});

describe('WorkerPool options', () => {
  it('throws on bad options, naming the option and the value', () => {
    expect(() => new WorkerPool({ filename: TASKS, minThreads: 3, maxThreads: 2 })).toThrow(
      /maxThreads \(2\) must be >= options.minThreads \(3\)/,
    );
    expect(() => new WorkerPool({ filename: TASKS, idleTimeout: Number.NaN })).toThrow(
      /idleTimeout must not be NaN/,
    );
    expect(() => new WorkerPool({ filename: TASKS, taskTimeout: -1 })).toThrow(RangeError);
    expect(() => new WorkerPool({ filename: TASKS, maxThreads: 0 })).toThrow(
      /maxThreads must be an integer >= 1/,
    );
    expect(() => new WorkerPool({ filename: 42 as unknown as string })).toThrow(/filename must be a path/);
  });

  it('throws on bad call arguments synchronously', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    expect(() => pool.run('')).toThrow(TypeError);
    expect(() => pool.run('increment', 1, { timeout: Number.NaN })).toThrow(/timeout must not be NaN/);
    expect(() => pool.run('increment', 1, { signal: {} as AbortSignal })).toThrow(
      /signal must be an AbortSignal/,
    );
    expect(() => pool.map('increment', 5 as unknown as number[])).toThrow(/Iterable/);
  });

  it('defaults maxThreads to the available parallelism and minThreads to 0', async () => {
    await using pool = new WorkerPool({ filename: TASKS });
    const { availableParallelism } = await import('node:os');
    expect(pool.stats()).toMatchObject({ threads: 0, minThreads: 0, maxThreads: availableParallelism() });
  });
});

describe('WorkerPool.map', () => {
  it('resolves to the results in input order', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    let pulled = 0;
    function* items() {
      for (let i = 0; i < 50; i++) {
        pulled++;
        yield i;
      }
    }
    const results = await pool.map<number, number>('later', items(), { maxConcurrent: 3 });
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(pulled).toBe(50);
  });

  it('never holds more than maxConcurrent items in the pool', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    let peak = 0;
    function* items() {
      for (let i = 0; i < 20; i++) {
        const s = pool.stats();
        peak = Math.max(peak, s.queued + s.running);
        yield i;
      }
    }
    await pool.map('increment', items(), { maxConcurrent: 2 });
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('rejects with the first error, as asyncParallelMap does', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    const items = [{ message: 'first', code: 'A' }];
    await expect(pool.map('fail', items)).rejects.toThrow('first');
    const all = await pool
      .map('fail', [{ message: 'x' }, { message: 'y' }], { stopOnError: false })
      .catch((e: unknown) => e);
    expect(all).toBeInstanceOf(AggregateError);
    expect((all as AggregateError).errors.map((e: Error) => e.message)).toEqual(['x', 'y']);
  });

  it('reports progress through onProgress as items settle, with the total once known', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    const heard: MapProgress[] = [];
    const results = await pool.map('increment', [1, 2, 3, 4], { onProgress: (p) => heard.push(p) });
    expect(results).toEqual([2, 3, 4, 5]);
    expect(heard.map((p) => p.done)).toEqual([1, 2, 3, 4]);
    expect(heard.at(-1)).toEqual({ done: 4, failed: 0, total: 4 });

    const failures: MapProgress[] = [];
    await pool
      .map('fail', [{ message: 'x' }], { stopOnError: false, onProgress: (p) => failures.push(p) })
      .catch(() => undefined);
    expect(failures).toEqual([{ done: 1, failed: 1, total: 1 }]);
  });

  it('an error thrown by onProgress rejects the map with that error', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const oops = new Error('progress bar broke');
    await expect(
      pool.map('increment', [1, 2], {
        onProgress: () => {
          throw oops;
        },
      }),
    ).rejects.toBe(oops);
  });

  it('holds at most twice maxThreads items in the pool by default', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    let peak = 0;
    function* items() {
      for (let i = 0; i < 40; i++) {
        const s = pool.stats();
        peak = Math.max(peak, s.queued + s.running);
        yield i;
      }
    }
    await pool.map('increment', items());
    // Pulled while the other items are in the pool: at most 2 x 2 - 1 others are there.
    expect(peak).toBe(3);
  });

  it('refuses a clock of its own and bad options, naming them', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    expect(() => pool.map('increment', [1], { clock: {} } as never)).toThrow(/options\.clock/);
    expect(() => pool.map('increment', [1], { onProgress: 1 as never })).toThrow(
      /WorkerPool\.map options\.onProgress/,
    );
    expect(() => pool.map('increment', [1], { maxConcurrent: 0 })).toThrow(
      /WorkerPool\.map options\.maxConcurrent/,
    );
  });

  it('rejects with signal.reason when its signal aborts', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 1 });
    const controller = new AbortController();
    const flag = flags();
    const mapped = pool.map('gate', [{ flag, value: 1 }], { signal: controller.signal });
    await untilChanged(flag, 0, 0);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(mapped).rejects.toBe(reason);
  });
});

describe('WorkerPool.stats', () => {
  it('returns a fresh snapshot with counts, utilization and run/wait percentiles', async () => {
    await using pool = new WorkerPool({ filename: TASKS, maxThreads: 2 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run('increment', i)));
    await pool.run('fail', { message: 'x' }).catch(() => undefined);
    const stats = pool.stats();
    expect(stats).toMatchObject({ queued: 0, running: 0, completed: 20, failed: 1, cancelled: 0 });
    expect(stats.threads).toBeGreaterThanOrEqual(1);
    expect(stats.idle).toBe(stats.threads);
    expect(stats.utilization).toBeGreaterThanOrEqual(0);
    expect(stats.utilization).toBeLessThanOrEqual(1);
    expect(stats.runTime.p50).toBeGreaterThanOrEqual(0);
    expect(stats.runTime.p99).toBeGreaterThanOrEqual(stats.runTime.p50);
    expect(stats.waitTime.p99).toBeGreaterThanOrEqual(stats.waitTime.p50);
    expect(pool.stats()).not.toBe(stats);
  });
});
