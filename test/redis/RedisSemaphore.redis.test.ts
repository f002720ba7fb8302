import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { CancelledError, RedisSemaphore, TimeoutError } from '../../src/redis/index.js';
import { lineOf, runFixture } from './support/child.js';
import { useRedisServer } from './support/server.js';

const redis = useRedisServer();
let n = 0;
const key = () => `test:sem:${++n}`;

describe('RedisSemaphore', () => {
  it('throws a clear error for a missing key, 0 permits or a bad lease', () => {
    expect(() => new RedisSemaphore({ connection: redis.shared, permits: 1 } as never)).toThrow(
      /options\.key is required/,
    );
    expect(() => new RedisSemaphore({ connection: redis.shared, key: 'k', permits: 0 })).toThrow(
      /options\.permits.*got 0/,
    );
    expect(() => new RedisSemaphore({ connection: redis.shared, key: 'k', permits: 1, lease: 1.5 })).toThrow(
      RangeError,
    );
  });

  it('lets at most `permits` holders in across every semaphore with the same key', async () => {
    const k = key();
    const a = new RedisSemaphore({ connection: redis.shared, key: k, permits: 2 });
    const b = new RedisSemaphore({
      connection: { host: redis.server.host, port: redis.server.port },
      key: k,
      permits: 2,
    });
    const p1 = await a.acquire();
    const p2 = await b.acquire();
    expect(await a.tryAcquire()).toBe(false);
    const waiting = b.acquire();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(b.waiting).toBe(1);
    // A release in one process wakes the waiter of another through the channel, well before any lease ends.
    await p1.release();
    const p3 = await waiting;
    expect(b.held).toBe(2);
    await p2.release();
    await p3.release();
    expect(await a.tryAcquire()).toBe(true);
    await a.release();
    expect(() => a.release()).toThrow(RangeError);
    await a.close();
    await b.close();
  });

  it('wakes waiters through a shared client with a keyPrefix too', async () => {
    const prefixed = new Redis({ host: redis.server.host, port: redis.server.port, keyPrefix: 'app:' });
    const k = key();
    const a = new RedisSemaphore({ connection: prefixed, key: k, permits: 1 });
    const b = new RedisSemaphore({ connection: prefixed, key: k, permits: 1 });
    const held = await a.acquire();
    // Far shorter than the lease: only the release announcement can wake it in time.
    const waiting = b.acquire({ timeout: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await held.release();
    await (await waiting).release();
    await a.close();
    await b.close();
    await prefixed.quit();
  });

  it('serves the waiters of one process first come, first served', async () => {
    const sem = new RedisSemaphore({ connection: redis.shared, key: key(), permits: 1 });
    const first = await sem.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((i) =>
      sem.acquire().then(async (permit) => {
        order.push(i);
        await permit.release();
      }),
    );
    await first.release();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    await sem.close();
  });

  it('rejects an aborted or timed-out waiter and keeps serving the others', async () => {
    const sem = new RedisSemaphore({ connection: redis.shared, key: key(), permits: 1 });
    const held = await sem.acquire();
    const controller = new AbortController();
    const aborted = sem.acquire({ signal: controller.signal });
    const timed = sem.acquire({ timeout: 40 });
    const last = sem.acquire();
    controller.abort('stop');
    await expect(aborted).rejects.toBe('stop');
    await expect(timed).rejects.toBeInstanceOf(TimeoutError);
    await held.release();
    const permit = await last;
    await permit.release();
    await sem.close();
  });

  it('renews a live holder lease, so its permit is not given away', async () => {
    const sem = new RedisSemaphore({ connection: redis.shared, key: key(), permits: 1, lease: 150 });
    const held = await sem.acquire();
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await sem.tryAcquire()).toBe(false);
    expect(held.lost).toBe(false);
    await held.release();
    await sem.close();
  });

  it('runs a function under a permit and releases it when the function throws', async () => {
    const sem = new RedisSemaphore({ connection: redis.shared, key: key(), permits: 1 });
    await expect(
      sem.run(async () => {
        throw new RangeError('boom');
      }),
    ).rejects.toBeInstanceOf(RangeError);
    expect(await sem.run(() => 7)).toBe(7);
    expect(sem.held).toBe(0);
    await sem.close();
  });

  it('close() releases held permits and rejects waiters with CancelledError', async () => {
    const k = key();
    const sem = new RedisSemaphore({ connection: redis.shared, key: k, permits: 1 });
    await sem.acquire();
    const waiting = expect(sem.acquire()).rejects.toBeInstanceOf(CancelledError);
    await sem.close();
    await waiting;
    const other = new RedisSemaphore({ connection: redis.shared, key: k, permits: 1 });
    expect(await other.tryAcquire()).toBe(true);
    await other.close();
  });

  it('gives the permit of a killed holder back after its lease', async () => {
    const k = key();
    const lease = 600;
    const child = runFixture('semaphoreHolder.ts', [redis.server.port, k, 1, lease]);
    await lineOf(child, /^held$/);
    const sem = new RedisSemaphore({ connection: redis.shared, key: k, permits: 1, lease });
    expect(await sem.tryAcquire()).toBe(false);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const killedAt = performance.now();
    const permit = await sem.acquire({ timeout: 5000 });
    const waited = performance.now() - killedAt;
    // Not before the last renewal's lease ran out, and not long after it.
    expect(waited).toBeGreaterThan(lease / 3);
    expect(waited).toBeLessThan(lease + 500);
    await permit.release();
    await sem.close();
  }, 20_000);
});
