import { existsSync } from 'node:fs';
import os from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import type { Clock } from '../core/Clock.js';
import { clockOption, describe, durationOption, integerOption, optionsBag } from '../core/validate.js';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /**
   * The task module: a path (relative paths resolve against the current directory) or a `file:` URL of a
   * module whose named exports are the task functions, each called as `fn(arg)`. A `.js`/`.mjs` module always
   * works; a `.ts` one works when the parent runs under a TypeScript loader such as tsx (threads inherit the
   * parent's `execArgv`). Optional for a pool used only with `exec`. @default none
   */
  filename?: string | URL | undefined;
  /** Threads kept alive even when idle (started on demand). @default 0 */
  minThreads?: number | undefined;
  /** Most threads at once, an integer >= 1 and >= `minThreads`. @default os.availableParallelism() */
  maxThreads?: number | undefined;
  /** Milliseconds a thread above `minThreads` may stay idle before it exits; `Infinity` keeps it. @default 30000 */
  idleTimeout?: number | undefined;
  /**
   * Milliseconds each task may take, counted from the call (queue time included), unless the call passes its
   * own `timeout`; then it rejects with `TimeoutError` and a running task's thread is replaced.
   * @default Infinity (none)
   */
  taskTimeout?: number | undefined;
  /** Memory limits of each thread (Node's `resourceLimits`, in MB); a thread past them fails its task with `WorkerError`. @default Node's */
  resourceLimits?: ResourceLimits | undefined;
  /** Most tasks waiting for a thread; a call past it rejects with `QueueFullError`. @default Infinity */
  maxQueue?: number | undefined;
  /** Where time comes from for `taskTimeout`, per-call timeouts and `idleTimeout`. @default systemClock */
  clock?: Clock | undefined;
}

/** Defaults of {@link WorkerPoolOptions}. */
export const WORKER_POOL_DEFAULTS = {
  minThreads: 0,
  /** `os.availableParallelism()`, read when the pool is built. */
  maxThreads: undefined,
  idleTimeout: 30_000,
  taskTimeout: Number.POSITIVE_INFINITY,
  maxQueue: Number.POSITIVE_INFINITY,
  /**
   * `WorkerPool.map`'s default `maxConcurrent` is this many items per thread (`maxThreads`): each thread has a
   * next item waiting in the pool while it runs one, and a long or endless input is pulled a few items at a
   * time.
   */
  mapItemsPerThread: 2,
} as const;

/** The checked options of one pool. @internal */
export interface PoolConfig {
  moduleUrl: string | null;
  minThreads: number;
  maxThreads: number;
  idleTimeout: number;
  taskTimeout: number;
  resourceLimits: ResourceLimits | undefined;
  maxQueue: number;
  clock: Clock;
}

function moduleUrlOf(value: unknown): string | null {
  if (value === undefined) return null;
  let url: URL;
  if (value instanceof URL) url = value;
  else if (typeof value === 'string' && value.startsWith('file:')) url = new URL(value);
  else if (typeof value === 'string' && value !== '')
    url = pathToFileURL(isAbsolute(value) ? value : resolve(value));
  else
    throw new TypeError(`WorkerPool options.filename must be a path or a file: URL, got ${describe(value)}.`);
  if (url.protocol !== 'file:')
    throw new TypeError(`WorkerPool options.filename must be a file: URL, got ${url.href}.`);
  if (!existsSync(url))
    throw new TypeError(`WorkerPool options.filename: the task module ${url.href} does not exist.`);
  return url.href;
}

/** Checks a pool's options once, synchronously. @internal */
export function readPoolOptions(options: WorkerPoolOptions | undefined): PoolConfig {
  const o = optionsBag('WorkerPool options', options);
  const minThreads = integerOption('WorkerPool options.minThreads', o.minThreads, 0, 0);
  const maxThreads = integerOption(
    'WorkerPool options.maxThreads',
    o.maxThreads,
    Math.max(os.availableParallelism(), minThreads, 1),
    1,
  );
  if (maxThreads < minThreads)
    throw new RangeError(
      `WorkerPool options.maxThreads (${maxThreads}) must be >= options.minThreads (${minThreads}).`,
    );
  const limits = o.resourceLimits;
  if (limits !== undefined && (limits === null || typeof limits !== 'object'))
    throw new TypeError(`WorkerPool options.resourceLimits must be an object, got ${describe(limits)}.`);
  return {
    moduleUrl: moduleUrlOf(o.filename),
    minThreads,
    maxThreads,
    idleTimeout: durationOption(
      'WorkerPool options.idleTimeout',
      o.idleTimeout,
      WORKER_POOL_DEFAULTS.idleTimeout,
    ),
    taskTimeout: durationOption(
      'WorkerPool options.taskTimeout',
      o.taskTimeout,
      WORKER_POOL_DEFAULTS.taskTimeout,
    ),
    resourceLimits: limits,
    maxQueue: integerOption('WorkerPool options.maxQueue', o.maxQueue, Number.POSITIVE_INFINITY, 0, true),
    clock: clockOption('WorkerPool options.clock', o.clock),
  };
}
