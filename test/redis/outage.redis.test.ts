import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../examples/support/redisServer.js';
import {
  DistributedExecutor,
  RedisRateLimiter,
  RedisSemaphore,
  RedisUnavailableError,
  TimeoutError,
} from '../../src/redis/index.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await server.stop();
});

/** How long a call takes to settle, and how. */
async function settle(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - start };
}

/** Retries `fn` until it succeeds (the clients reconnect in the background), for up to 10 s. */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('when redis-server stops mid-run', () => {
  it('settles every pending call with a typed error within its timeout, and resumes after a restart', async () => {
    const connection = { host: server.host, port: server.port };
    const limiter = new RedisRateLimiter({ connection, key: 'outage:limiter', rate: 1, per: 60_000 });
    const sem = new RedisSemaphore({ connection, key: 'outage:sem', permits: 1 });
    const name = 'outage-exec';
    const producer = new DistributedExecutor({ connection, name });
    const worker = new DistributedExecutor({ connection, name, lease: 1000 });
    let release = (): void => {};
    worker.handle('hold', (id: string) =>
      id === 'block'
        ? new Promise<string>((resolve) => {
            release = () => resolve(id);
          })
        : id,
    );
    worker.handle('echo', (x: number) => x);

    await limiter.acquire();
    const held = await sem.acquire();
    const running = producer.submitAsync('hold', 'block');
    running.catch(() => {});
    await expect.poll(() => producer.pending).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Pending calls: a limiter waiter with a timeout, semaphore waiters with and without one, a running job.
    const limiterWait = settle(limiter.acquire(1, { timeout: 1500 }));
    const semWait = settle(sem.acquire());
    const semTimed = settle(sem.acquire({ timeout: 1500 }));
    const jobWait = settle(running);
    await new Promise((resolve) => setTimeout(resolve, 100));

    await server.stop();

    const limiterResult = await limiterWait;
    expect(limiterResult.error).toBeInstanceOf(TimeoutError);
    expect(limiterResult.ms).toBeLessThan(2500);
    for (const pending of [await semWait, await semTimed, await jobWait]) {
      expect(pending.error).toBeInstanceOf(RedisUnavailableError);
      expect((pending.error as Error).cause).toBeDefined();
      expect(pending.ms).toBeLessThan(1500);
    }
    // New calls fail fast instead of queueing offline.
    for (const call of [
      settle(limiter.tryAcquire()),
      settle(sem.acquire()),
      settle(producer.submitAsync('echo', 1)),
    ]) {
      const { error, ms } = await call;
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect(ms).toBeLessThan(500);
    }

    await server.start();
    release();
    expect(await eventually(() => limiter.tryAcquire())).toBe(true);
    const permit = await eventually(() => sem.acquire({ timeout: 2000 }));
    await permit.release();
    expect(await eventually(() => producer.submitAsync('echo', 7, { timeout: 5000 }))).toBe(7);

    await held.release().catch(() => {});
    await producer.close();
    await worker.close();
    await sem.close();
    await limiter.close();
  }, 30_000);

  it('closes at once while Redis is down, releasing every connection it opened', async () => {
    await server.start();
    const connection = server.url;
    const executor = new DistributedExecutor({ connection, name: 'outage-close' });
    executor.handle('one', () => 1);
    expect(await executor.submitAsync('one', null)).toBe(1);
    const limiter = new RedisRateLimiter({ connection, key: 'outage:close:limiter', rate: 5 });
    await limiter.acquire();
    const sem = new RedisSemaphore({ connection, key: 'outage:close:sem', permits: 1 });
    await sem.acquire();
    await server.stop();
    const { error, ms } = await settle(Promise.all([executor.close(), limiter.close(), sem.close()]));
    expect(error).toBeUndefined();
    expect(ms).toBeLessThan(1000);
  });
});
