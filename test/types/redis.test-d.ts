/**
 * Type-level tests of `ferris/redis`: `npm run typecheck` checks every `expectTypeOf` below.
 */
import type { AsyncTask, MapLimiter } from 'ferris';
import {
  DistributedExecutor,
  type RedisPermit,
  RedisRateLimiter,
  RedisSemaphore,
  RedisUnavailableError,
} from 'ferris/redis';
import type { Redis } from 'ioredis';
import { expectTypeOf } from 'vitest';

declare const shared: Redis;

const limiter = new RedisRateLimiter({ connection: shared, key: 'k', rate: 10 });
expectTypeOf(limiter.acquire()).toEqualTypeOf<Promise<void>>();
expectTypeOf(limiter.tryAcquire(2)).toEqualTypeOf<Promise<boolean>>();
expectTypeOf(limiter.run(async () => 1)).toEqualTypeOf<Promise<number>>();
expectTypeOf(limiter.wrap((s: string) => s.length)).toEqualTypeOf<(s: string) => Promise<number>>();
// Usable wherever a map or an executor takes a limiter.
expectTypeOf(limiter).toMatchTypeOf<MapLimiter>();

const sem = new RedisSemaphore({
  connection: { host: '127.0.0.1', port: 6379 },
  key: 'k',
  permits: 2,
  lease: 5000,
});
expectTypeOf(sem.acquire({ timeout: 100 })).toEqualTypeOf<Promise<RedisPermit>>();
expectTypeOf(sem.tryAcquire()).toEqualTypeOf<Promise<boolean>>();
expectTypeOf(sem.run(() => 'x')).toEqualTypeOf<Promise<string>>();
expectTypeOf<RedisPermit['release']>().returns.toEqualTypeOf<Promise<void>>();
expectTypeOf<RedisPermit>().toMatchTypeOf<AsyncDisposable>();

const executor = new DistributedExecutor({ connection: shared, name: 'q', concurrency: 4, lease: 10_000 });
new DistributedExecutor({ connection: shared, name: 'q', limiter: { max: 10, duration: 1000 } });
new DistributedExecutor({ connection: shared, name: 'q', limiter });
expectTypeOf(executor.submitAsync<number>('h', { a: 1 })).toEqualTypeOf<AsyncTask<number>>();
expectTypeOf(executor.mapAsync<number, string>('h', [1, 2])).toEqualTypeOf<Promise<string[]>>();
executor.handle('h', (data: { a: number }, signal) => {
  expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
  return data.a;
});
// @ts-expect-error the connection is required
new DistributedExecutor({ name: 'q' });
// @ts-expect-error the key is required
new RedisSemaphore({ connection: shared, permits: 1 });
expectTypeOf(new RedisUnavailableError()).toMatchTypeOf<Error>();
