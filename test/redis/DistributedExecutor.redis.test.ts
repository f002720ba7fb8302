import { describe, expect, it } from 'vitest';
import { DistributedExecutor, RedisRateLimiter, TimeoutError } from '../../src/redis/index.js';
import { lineOf, runFixture } from './support/child.js';
import { useRedisServer } from './support/server.js';

const redis = useRedisServer({ maxRetriesPerRequest: null });
let n = 0;
const queueName = () => `test-exec-${++n}`;
const options = () => ({ host: redis.server.host, port: redis.server.port });

class QuotaError extends Error {
  override name = 'QuotaError';
  code = 'E_QUOTA';
}

/** A producer on the shared connection and a worker on its own, both for one queue. */
function pair(extra: { concurrency?: number; lease?: number } = {}) {
  const name = queueName();
  const producer = new DistributedExecutor({ connection: redis.shared, name });
  const worker = new DistributedExecutor({ connection: options(), name, ...extra });
  return {
    producer,
    worker,
    async [Symbol.asyncDispose]() {
      await producer.close();
      await worker.close();
    },
  };
}

describe('DistributedExecutor', () => {
  it('throws a clear error for a missing name, a keyPrefix, a bad handler name or data that JSON cannot carry', async () => {
    expect(() => new DistributedExecutor({ connection: redis.shared } as never)).toThrow(
      /options\.name is required/,
    );
    expect(() => new DistributedExecutor({ connection: { keyPrefix: 'x:' }, name: 'q' })).toThrow(
      /keyPrefix/,
    );
    const executor = new DistributedExecutor({ connection: redis.shared, name: queueName() });
    expect(() => executor.submitAsync('', 1)).toThrow(/handler must be a non-empty string/);
    expect(() => executor.submitAsync('h', { f: () => 1 })).toThrow(
      /not serializable: the value\.f is function/,
    );
    expect(() => executor.submitAsync('h', { big: 1n })).toThrow(/the value\.big is 1n/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => executor.submitAsync('h', cycle)).toThrow(/refers back to itself/);
    expect(() => executor.handle('h', 'nope' as never)).toThrow(TypeError);
    await executor.close();
  });

  it('runs a submitted job on a worker and resolves with its result', async () => {
    await using p = pair();
    p.worker.handle('add', (data: { a: number; b: number }) => ({ sum: data.a + data.b }));
    const task = p.producer.submitAsync<{ sum: number }>('add', { a: 2, b: 3 });
    expect(await task).toEqual({ sum: 5 });
    expect(task.status).toBe('fulfilled');
    expect(p.producer.pending).toBe(0);
  });

  it('revives errors with name, message, code and the remote stack', async () => {
    await using p = pair();
    p.worker.handle('range', function throwsRange() {
      throw Object.assign(new RangeError('too big'), { code: 'E_RANGE' });
    });
    p.worker.handle('quota', function throwsQuota() {
      throw new QuotaError('over quota');
    });
    const range = await p.producer.submitAsync('range', null).catch((e: unknown) => e);
    expect(range).toBeInstanceOf(RangeError);
    expect(range).toMatchObject({ message: 'too big', code: 'E_RANGE' });
    expect((range as Error).stack).toContain('throwsRange');
    const quota = await p.producer.submitAsync('quota', null).catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(Error);
    expect(quota).toMatchObject({ name: 'QuotaError', message: 'over quota', code: 'E_QUOTA' });
  });

  it('rejects a job for a handler the worker lacks with a TypeError naming it', async () => {
    await using p = pair();
    p.worker.handle('known', () => 1);
    await expect(p.producer.submitAsync('unknown', 1)).rejects.toThrow(
      expect.objectContaining({
        name: 'TypeError',
        message: expect.stringContaining('no handler named "unknown"'),
      }),
    );
  });

  it('maps items in input order through the one map engine, and stops at the first error', async () => {
    await using p = pair({ concurrency: 4 });
    p.worker.handle('square', async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, (10 - x) * 3));
      if (x === 7) throw new RangeError('seven');
      return x * x;
    });
    expect(await p.producer.mapAsync('square', [1, 2, 3, 4, 5], { maxConcurrent: 3 })).toEqual([
      1, 4, 9, 16, 25,
    ]);
    await expect(p.producer.mapAsync('square', [5, 6, 7, 8])).rejects.toThrow(RangeError);
    const errors = await p.producer
      .mapAsync('square', [7, 1, 7], { stopOnError: false })
      .catch((e: AggregateError) => e.errors);
    expect(errors).toHaveLength(2);
  });

  it('removes a cancelled job that is still waiting, so it never runs', async () => {
    await using p = pair({ concurrency: 1 });
    const ran: string[] = [];
    let release = (): void => {};
    p.worker.handle('step', async (id: string) => {
      ran.push(id);
      if (id === 'first')
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      return id;
    });
    const first = p.producer.submitAsync('step', 'first');
    await expect.poll(() => ran).toEqual(['first']);
    const controller = new AbortController();
    const second = p.producer.submitAsync('step', 'second', { signal: controller.signal });
    controller.abort('no longer needed');
    await expect(second).rejects.toBe('no longer needed');
    release();
    await first;
    expect(await p.producer.submitAsync('step', 'third')).toBe('third');
    expect(ran).toEqual(['first', 'third']);
  });

  it('aborts the signal of a running job when its caller times out', async () => {
    await using p = pair();
    let aborted = false;
    let started = false;
    p.worker.handle('slow', (_data, signal) => {
      started = true;
      return new Promise((_resolve, reject) => {
        signal.addEventListener(
          'abort',
          () => {
            aborted = true;
            reject(signal.reason);
          },
          { once: true },
        );
      });
    });
    await expect(p.producer.submitAsync('slow', null, { timeout: 300 })).rejects.toBeInstanceOf(TimeoutError);
    expect(started).toBe(true);
    await expect.poll(() => aborted).toBe(true);
  });

  it("rate-limits job starts with BullMQ's { max, duration } or with a shared RedisRateLimiter", async () => {
    const name = queueName();
    const producer = new DistributedExecutor({ connection: redis.shared, name });
    const perQueue = new DistributedExecutor({
      connection: options(),
      name,
      concurrency: 10,
      limiter: { max: 2, duration: 200 },
    });
    perQueue.handle('t', () => performance.now());
    const starts = await producer.mapAsync<number, number>('t', [1, 2, 3, 4, 5, 6]);
    // 2 jobs per 200 ms window: 6 jobs need three windows, so the last starts about 400 ms after the window
    // of the first. The first handler may start late in its window (a loaded machine has been seen at 60 ms
    // and more), so the check is more than one whole window: unlimited, the 6 would start within a few ms.
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(250);
    await perQueue.close();

    const limiter = new RedisRateLimiter({
      connection: redis.shared,
      key: `${name}:rate`,
      rate: 10,
      burst: 2,
    });
    const shared2 = new DistributedExecutor({ connection: options(), name, concurrency: 10, limiter });
    shared2.handle('t', () => performance.now());
    const limited = await producer.mapAsync<number, number>('t', [1, 2, 3, 4, 5, 6]);
    // A burst of 2, then one every 100 ms: 4 refills, about 400 ms; the same allowance for a late first start.
    expect(Math.max(...limited) - Math.min(...limited)).toBeGreaterThanOrEqual(250);
    await shared2.close();
    await producer.close();
  });

  it('leaves a shared connection open after close', async () => {
    const executor = new DistributedExecutor({ connection: redis.shared, name: queueName() });
    executor.handle('one', () => 1);
    expect(await executor.submitAsync('one', null)).toBe(1);
    await executor.close();
    expect(await redis.shared.ping()).toBe('PONG');
  });

  it('redelivers the jobs of a SIGKILLed worker: none of 1,000 is lost', async () => {
    const name = queueName();
    const lease = 1000;
    const workers = [0, 1].map(() =>
      runFixture('executorWorker.ts', [redis.server.port, name, 20, lease, 5]),
    );
    await Promise.all(workers.map((w) => lineOf(w, /^ready$/)));
    const victim = workers[0];
    if (victim === undefined) throw new Error('no worker');
    // Kill the first worker in the middle of its work.
    let victimDone = 0;
    victim.stdout?.on('data', (d: Buffer) => {
      victimDone += d
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('done')).length;
      if (victimDone >= 100 && victim.exitCode === null && victim.signalCode === null) victim.kill('SIGKILL');
    });
    const producer = new DistributedExecutor({ connection: options(), name });
    const items = Array.from({ length: 1000 }, (_, i) => ({ n: i }));
    const results = await producer.mapAsync<{ n: number }, { n: number; pid: number }>('double', items, {
      timeout: 40_000,
    });
    expect(results.map((r) => r.n)).toEqual(items.map((i) => i.n * 2));
    expect(victim.signalCode).toBe('SIGKILL');
    expect(new Set(results.map((r) => r.pid)).size).toBe(2);
    await producer.close();
    const survivor = workers[1];
    if (survivor !== undefined) {
      const exited = new Promise((resolve) => survivor.once('exit', resolve));
      survivor.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
