/**
 * Type-level tests of the public surface: `npm run typecheck` (tsc over test/) checks every `expectTypeOf`
 * below, so a change that loosens or breaks a public type fails the build.
 */
import {
  AsyncExecutor,
  AsyncTask,
  asCompleted,
  asyncParallelFilter,
  asyncParallelMap,
  asyncParallelMapStream,
  Batcher,
  type CancelledError,
  chunk,
  type FerrisError,
  FerrisWarning,
  gather,
  type MapAsyncOptions,
  type MapProgress,
  Queue,
  RateLimiter,
  ResourcePool,
  retry,
  Semaphore,
  type TaskStatus,
  type TimeoutError,
  taskGroup,
  wait,
  withTimeout,
} from 'ferris';
import { FakeClock } from 'ferris/testing';
import { expectTypeOf } from 'vitest';

// Maps keep the callback's result type and the input order's element type.
expectTypeOf(asyncParallelMap(async (x: number) => String(x), [1, 2])).toEqualTypeOf<Promise<string[]>>();
expectTypeOf(asyncParallelFilter(async (x: string) => x.length > 1, ['a'])).toEqualTypeOf<
  Promise<string[]>
>();
asyncParallelMap(
  (item: number, index, signal) => {
    expectTypeOf(index).toEqualTypeOf<number>();
    expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
    return item;
  },
  [1],
);
expectTypeOf(asyncParallelMapStream(async (x: number) => x * 2, [1])).toMatchTypeOf<AsyncIterable<number>>();

// A task is awaitable and carries its value type; it is covariant in it.
const task = new AsyncTask(async () => 42);
expectTypeOf(task.execute()).resolves.toEqualTypeOf<number>();
expectTypeOf<Awaited<typeof task>>().toEqualTypeOf<number>();
expectTypeOf(task.status).toEqualTypeOf<TaskStatus>();
expectTypeOf(task).toMatchTypeOf<AsyncTask<unknown>>();

const executor = new AsyncExecutor({ maxWorkers: 2 });
expectTypeOf(executor.submitAsync(() => 'x')).toEqualTypeOf<AsyncTask<string>>();
expectTypeOf(executor.mapAsync(async (x: number) => x > 1, [1])).toEqualTypeOf<Promise<boolean[]>>();
// The executor controls.
expectTypeOf(executor.onIdle({ timeout: 1 })).toEqualTypeOf<Promise<void>>();
expectTypeOf(executor.onEmpty()).toEqualTypeOf<Promise<void>>();
expectTypeOf(executor.onSizeLessThan(3, { signal: AbortSignal.abort() })).toEqualTypeOf<Promise<void>>();
expectTypeOf(executor.clear()).toEqualTypeOf<number>();
expectTypeOf(executor.isPaused).toEqualTypeOf<boolean>();
expectTypeOf(executor.maxWorkers).toEqualTypeOf<number>();
expectTypeOf(executor.stats().paused).toEqualTypeOf<boolean>();
expectTypeOf(
  new AsyncExecutor({ maxQueue: 5, limiter: new RateLimiter({ rate: 1 }) }),
).toEqualTypeOf<AsyncExecutor>();
expectTypeOf(task.submittedAt).toEqualTypeOf<number | undefined>();
// mapAsync takes the map options except maxConcurrent; every map takes onProgress.
expectTypeOf<MapAsyncOptions<number>>().not.toHaveProperty('maxConcurrent');
expectTypeOf<MapAsyncOptions<number>>().toHaveProperty('onProgress');
expectTypeOf(
  asyncParallelMap(async (x: number) => x, [1], { onProgress: (p: MapProgress) => p.total }),
).toEqualTypeOf<Promise<number[]>>();
expectTypeOf(new FerrisWarning('m', 'CODE').code).toEqualTypeOf<string>();

// gather of a tuple keeps each position's type.
expectTypeOf(gather([async () => 1, async () => 'a'])).resolves.toEqualTypeOf<[number, string]>();
expectTypeOf(taskGroup(async () => 'done')).toEqualTypeOf<Promise<string>>();
expectTypeOf(withTimeout(async () => 1, 10)).toEqualTypeOf<Promise<number>>();
expectTypeOf(withTimeout(async () => 1, 10, { fallback: 'none' as const })).toEqualTypeOf<
  Promise<number | 'none'>
>();
expectTypeOf(retry(async () => true)).toEqualTypeOf<Promise<boolean>>();
void wait;
void asCompleted;

// Sync, queue, resilience, pool and batch primitives.
expectTypeOf(new Semaphore(2).tryAcquire()).toEqualTypeOf<boolean>();
expectTypeOf(new Queue<number>().get()).toEqualTypeOf<Promise<number>>();
expectTypeOf(new RateLimiter({ rate: 5 }).tryAcquire()).toEqualTypeOf<boolean>();
const pool = new ResourcePool({ create: async () => ({ id: 1 }), destroy: async () => {}, max: 1 });
expectTypeOf(pool.acquire()).toEqualTypeOf<Promise<{ id: number }>>();
const batcher = new Batcher({ handler: async (items: number[]) => items.map(String) });
expectTypeOf(batcher.add(1)).toEqualTypeOf<Promise<string>>();
expectTypeOf(chunk([1, 2, 3], 2)).toMatchTypeOf<Iterable<number[]>>();

// Every error is a FerrisError.
expectTypeOf<TimeoutError>().toMatchTypeOf<FerrisError>();
expectTypeOf<CancelledError>().toMatchTypeOf<FerrisError>();
expectTypeOf(new FakeClock().advance(1)).toEqualTypeOf<Promise<void>>();
