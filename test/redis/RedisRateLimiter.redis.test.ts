import { describe, expect, it } from 'vitest';
import { RedisRateLimiter, TimeoutError } from '../../src/redis/index.js';
import { lineOf, outputOf, runFixture } from './support/child.js';
import { useRedisServer } from './support/server.js';

const redis = useRedisServer();
let n = 0;
const key = () => `test:limiter:${++n}`;

describe('RedisRateLimiter', () => {
  it('throws a clear error for a missing key, a rate of 0 or a missing connection', () => {
    expect(() => new RedisRateLimiter({ connection: redis.shared, rate: 1 } as never)).toThrow(
      /options\.key is required/,
    );
    expect(() => new RedisRateLimiter({ connection: redis.shared, key: 'k', rate: 0 })).toThrow(RangeError);
    expect(() => new RedisRateLimiter({ connection: redis.shared, key: 'k', rate: 0 })).toThrow(
      /options\.rate.*got 0/,
    );
    expect(() => new RedisRateLimiter({ key: 'k', rate: 1 } as never)).toThrow(
      /options\.connection is required/,
    );
    const limiter = new RedisRateLimiter({ connection: redis.shared, key: 'k', rate: 2 });
    expect(() => limiter.acquire(3)).toThrow(/exceeds burst/);
  });

  it('starts with a full bucket of burst tokens and refuses the next one', async () => {
    const limiter = new RedisRateLimiter({
      connection: redis.shared,
      key: key(),
      rate: 1,
      per: 60_000,
      burst: 3,
    });
    expect(await limiter.tryAcquire()).toBe(true);
    await limiter.acquire(2);
    expect(await limiter.tryAcquire()).toBe(false);
    expect((await limiter.stats()).tokens).toBeLessThan(1);
  });

  it('shares one bucket between every limiter with the same key, on a shared client or its own', async () => {
    const k = key();
    const a = new RedisRateLimiter({ connection: redis.shared, key: k, rate: 2, per: 60_000 });
    const b = new RedisRateLimiter({
      connection: redis.server.url,
      key: k,
      rate: 2,
      per: 60_000,
    });
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(true);
    expect(await a.tryAcquire()).toBe(false);
    expect(await b.tryAcquire()).toBe(false);
    await b.close();
  });

  it('makes a waiter sleep until the script says its tokens are there', async () => {
    const limiter = new RedisRateLimiter({ connection: redis.shared, key: key(), rate: 20, burst: 1 });
    const start = performance.now();
    for (let i = 0; i < 4; i++) await limiter.acquire();
    // 1 token at once, then 3 refills of 50 ms each.
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
  });

  it('rejects an aborted waiter with the reason and gives its reserved tokens back', async () => {
    const limiter = new RedisRateLimiter({ connection: redis.shared, key: key(), rate: 1, per: 60_000 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(1, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(limiter.waiting).toBe(1);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(limiter.waiting).toBe(0);
    // The refund is on its way: the balance returns to about 0 instead of -1.
    await expect.poll(async () => (await limiter.stats()).tokens).toBeGreaterThan(-0.5);
  });

  it('rejects with TimeoutError when the tokens would come after the timeout', async () => {
    const limiter = new RedisRateLimiter({ connection: redis.shared, key: key(), rate: 1, per: 60_000 });
    await limiter.acquire();
    await expect(limiter.acquire(1, { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('runs and wraps functions after taking a token', async () => {
    const limiter = new RedisRateLimiter({ connection: redis.shared, key: key(), rate: 5 });
    expect(await limiter.run(async () => 'ran')).toBe('ran');
    const double = limiter.wrap((x: number) => x * 2);
    expect(await double(21)).toBe(42);
  });

  it('admits 10/s across 4 processes within 5% over 5 s, and never more than rate x time + burst', async () => {
    const k = key();
    const rate = 10;
    const burst = 10;
    const duration = 5000;
    const children = Array.from({ length: 4 }, () =>
      runFixture('limiterClient.ts', [redis.server.port, k, rate, duration]),
    );
    const done = children.map(outputOf);
    await Promise.all(children.map((child) => lineOf(child, /^ready$/)));
    const startAt = Date.now() + 300;
    for (const child of children) child.stdin?.end(`${startAt}\n`);
    const outputs = (await Promise.all(done)).map((out) => out.slice(out.indexOf('\n') + 1));
    const grants = outputs.flatMap((out) => JSON.parse(out) as number[]).sort((x, y) => x - y);
    for (const out of outputs) expect((JSON.parse(out) as number[]).length).toBeGreaterThan(0);
    // Past the initial burst the grants come at 10/s within 5%, measured from the first of them to the last (a
    // grant due just before the end but woken after it, on a busy machine, does not skew the rate).
    const steady = grants.slice(burst);
    const first = steady[0] as number;
    const last = steady[steady.length - 1] as number;
    const measured = ((steady.length - 1) * 1000) / (last - first);
    expect(measured).toBeGreaterThanOrEqual(rate * 0.95);
    expect(measured).toBeLessThanOrEqual(rate * 1.05);
    expect(grants.length).toBeGreaterThanOrEqual(burst + (rate * duration) / 1000 - 5);
    // Never more than burst + rate x time since the start, at any moment (2 ms of timer granularity allowed).
    grants.forEach((at, i) => {
      expect(i + 1).toBeLessThanOrEqual(burst + Math.floor((rate * (at - startAt + 2)) / 1000));
    });
  }, 30_000);
});
