/**
 * Type-level tests of `ferris/workers`: `npm run typecheck` (tsc over test/) checks every `expectTypeOf`.
 */
import {
  createSharedArray,
  type FerrisError,
  type PoolClosedError,
  type SharedArray,
  sharedArray,
  type WorkerError,
  type WorkerPool,
  type WorkerPoolOptions,
  type WorkerPoolStats,
} from 'ferris/workers';
import { expectTypeOf } from 'vitest';

declare const pool: WorkerPool;

// run: the result type is the caller's to state; unknown by default.
expectTypeOf(pool.run('task', 1)).toEqualTypeOf<Promise<unknown>>();
expectTypeOf(pool.run<string>('task', 1, { timeout: 5, signal: AbortSignal.timeout(1) })).toEqualTypeOf<
  Promise<string>
>();
// @ts-expect-error a task name is a string
pool.run(42, 1);

// exec: arguments are checked against the function, and the result is its awaited return type.
expectTypeOf(pool.exec((a: number, b: string) => `${a}${b}`, [1, 'x'])).toEqualTypeOf<Promise<string>>();
expectTypeOf(pool.exec(async (n: number) => n * 2, [2])).toEqualTypeOf<Promise<number>>();
// @ts-expect-error the arguments must match the function's parameters
pool.exec((a: number) => a, ['not a number']);

// map: results in input order, typed by the caller.
expectTypeOf(pool.map<number, number>('square', [1, 2, 3], { maxConcurrent: 2 })).toEqualTypeOf<
  Promise<number[]>
>();

expectTypeOf(pool.stats()).toEqualTypeOf<WorkerPoolStats>();
expectTypeOf(pool.stats().runTime).toEqualTypeOf<{ p50: number; p99: number }>();
expectTypeOf(pool.close()).toEqualTypeOf<Promise<void>>();
expectTypeOf(pool.destroy()).toEqualTypeOf<Promise<void>>();
expectTypeOf(pool[Symbol.asyncDispose]).toBeFunction();

expectTypeOf<WorkerPoolOptions['filename']>().toEqualTypeOf<string | URL | undefined>();

// Errors extend FerrisError.
expectTypeOf<WorkerError>().toExtend<FerrisError>();
expectTypeOf<PoolClosedError>().toExtend<FerrisError>();
expectTypeOf<WorkerError['exitCode']>().toEqualTypeOf<number | undefined>();

// Shared arrays: the TypedArray of the type asked for, with helpers typed by its element.
const ints = createSharedArray('int32', 4);
expectTypeOf(ints).toEqualTypeOf<SharedArray<Int32Array>>();
expectTypeOf(ints).toExtend<Int32Array>();
expectTypeOf(ints.add(0, 1)).toEqualTypeOf<number>();
const bigs = createSharedArray(BigInt64Array, [1n]);
expectTypeOf(bigs.load(0)).toEqualTypeOf<bigint>();
// @ts-expect-error a bigint array takes bigints
bigs.store(0, 1);
expectTypeOf(createSharedArray('float64', [1.5]).wait).toBeFunction();
const bytes = sharedArray(new Uint8Array(new SharedArrayBuffer(1)));
expectTypeOf(bytes).toExtend<Uint8Array>();
expectTypeOf(bytes.add(0, 1)).toEqualTypeOf<number>();
// @ts-expect-error unknown element type name
createSharedArray('int128', 1);
