import { randomUUID } from 'node:crypto';
import type { Queue, Worker } from 'bullmq';
import { ExecutorShutdownError } from '../core/errors.js';
import { onAbort } from '../core/signals.js';
import type { Source, WaitOptions } from '../core/types.js';
import {
  assertFunction,
  concurrencyOption,
  describe,
  integerOption,
  optionsBag,
  signalOption,
  stringOption,
  timeoutOption,
} from '../core/validate.js';
import { type AsyncParallelMapOptions, asyncParallelMap } from '../parallel/asyncParallelMap.js';
import { AsyncTask } from '../task/AsyncTask.js';
import { ConnectionHandle, type RedisConnection, unavailable } from './connection.js';
import { openJobQueue, type Pending } from './jobQueue.js';
import { cancelJob, limiterOption, startJobWorker } from './jobWorker.js';
import type { RedisRateLimiter } from './RedisRateLimiter.js';
import { assertSerializable } from './wire.js';

/** BullMQ's own rate limit of a queue: at most `max` jobs start per `duration` ms, across all its workers. */
export interface QueueRateLimit {
  max: number;
  duration: number;
}

/** Options of {@link DistributedExecutor}. */
export interface DistributedExecutorOptions {
  /**
   * An ioredis instance (shared: never closed by Ferris, duplicated for BullMQ's blocking clients), or ioredis
   * options such as `{ host, port }` or a `redis://` URL (Ferris owns those connections). `keyPrefix` is not allowed (BullMQ
   * rejects it): use `prefix`. Required.
   */
  connection: RedisConnection;
  /** The executor's name: one BullMQ queue per name, shared by every producer and worker using it. Required. */
  name: string;
  /** How many jobs the handlers of this process run at once (an integer >= 1). @default 1 */
  concurrency?: number | undefined;
  /**
   * Milliseconds a worker holds a job without renewing its lock (BullMQ's `lockDuration` and
   * `stalledInterval`): a job whose worker died is redelivered within about 2 x lease. @default 30000
   */
  lease?: number | undefined;
  /**
   * Rate limit of the jobs' start: BullMQ's `{ max, duration }` (per queue), or a `RedisRateLimiter` from
   * which every job takes one token before its handler runs (shareable with other work). @default none
   */
  limiter?: QueueRateLimit | RedisRateLimiter | undefined;
  /** The prefix of the queue's Redis keys. @default "ferris" */
  prefix?: string | undefined;
}

/** Options of {@link DistributedExecutor.submitAsync}. */
export interface DistributedSubmitOptions extends WaitOptions {
  /** The task's label. @default the handler's name */
  name?: string | undefined;
}

/** Options of {@link DistributedExecutor.mapAsync}: `asyncParallelMap`'s, where `maxConcurrent` bounds the jobs this call has in the queue at once. */
export type DistributedMapOptions<T> = AsyncParallelMapOptions<T>;

/** A handler of {@link DistributedExecutor.handle}: the job's data and the signal that aborts when the job is cancelled. */
export type JobHandler<D = unknown, R = unknown> = (data: D, signal: AbortSignal) => R | PromiseLike<R>;

const DEFAULTS = { concurrency: 1, lease: 30_000, prefix: 'ferris' } as const;

function ignore(): void {}

/**
 * An executor whose work runs in any process, on any machine, that shares its Redis: producers submit jobs
 * by handler name with JSON data, workers register handlers with `handle()` and run them, at most
 * `concurrency` at a time per process. Built on BullMQ (one queue per `name`), so a job whose worker died is
 * redelivered by BullMQ's stalled-job recovery: delivery is at least once, and a handler may run twice for
 * one job.
 *
 * Producers: `submitAsync()` returns an `AsyncTask` settling with the handler's result or its error, revived
 * with name, message, code and the worker's stack. `mapAsync()` runs on `asyncParallelMap`, with its order
 * and error rules. Cancelling a job still waiting removes it from the queue; cancelling a running one aborts
 * its handler's signal on the worker. A job for a handler the worker lacks rejects with a `TypeError`
 * naming it; one stalled more times than allowed rejects with a `WorkerError`.
 *
 * Redis down: a submission rejects with `RedisUnavailableError` (cause: the client's error), or
 * `TimeoutError` when its `timeout` passes first; jobs waiting for their outcome reject with
 * `RedisUnavailableError` when the connection drops. Workers reconnect and resume on their own.
 *
 * @example
 * ```ts
 * const executor = new DistributedExecutor({ connection: { host: '127.0.0.1', port: 6379 }, name: 'thumbnails', concurrency: 4 });
 * executor.handle('resize', async (data: { url: string }, signal) => ({ url: data.url, size: 128 }));
 * const one = await executor.submitAsync('resize', { url: 'https://example.com/a.png' }, { timeout: 30_000 });
 * const all = await executor.mapAsync('resize', [{ url: 'a' }, { url: 'b' }]);
 * await executor.close();
 * ```
 */
export class DistributedExecutor {
  readonly #redis: ConnectionHandle;
  readonly #name: string;
  readonly #prefix: string;
  readonly #concurrency: number;
  readonly #lease: number;
  readonly #limiter: QueueRateLimit | RedisRateLimiter | undefined;
  readonly #handlers = new Map<string, JobHandler<never, unknown>>();
  readonly #pending = new Map<string, Pending>();
  #producer: Promise<Queue> | undefined = undefined;
  #worker: Worker | undefined = undefined;
  #closed = false;

  /** @throws TypeError or RangeError for bad options (a missing `name` or `connection`, `keyPrefix` set...), naming the option and value. */
  constructor(options: DistributedExecutorOptions) {
    const o = optionsBag('DistributedExecutor options', options);
    const name = stringOption('DistributedExecutor options.name', o.name);
    if (name === undefined || name === '')
      throw new TypeError(
        `DistributedExecutor options.name is required: a non-empty string naming the queue, got ${describe(o.name)}.`,
      );
    this.#name = name;
    this.#prefix = stringOption('DistributedExecutor options.prefix', o.prefix) ?? DEFAULTS.prefix;
    this.#concurrency = concurrencyOption(
      'DistributedExecutor options.concurrency',
      o.concurrency,
      DEFAULTS.concurrency,
    );
    if (!Number.isFinite(this.#concurrency))
      throw new RangeError(
        'DistributedExecutor options.concurrency must be a finite integer >= 1, got Infinity.',
      );
    this.#lease = integerOption('DistributedExecutor options.lease', o.lease, DEFAULTS.lease, 100);
    this.#limiter = limiterOption(o.limiter);
    const keyPrefix =
      (o.connection as { keyPrefix?: unknown; options?: { keyPrefix?: unknown } } | undefined)?.keyPrefix ??
      (o.connection as { options?: { keyPrefix?: unknown } } | undefined)?.options?.keyPrefix;
    if (keyPrefix !== undefined && keyPrefix !== '')
      throw new TypeError(
        `DistributedExecutor options.connection must not set keyPrefix (got ${describe(keyPrefix)}): BullMQ rejects it; use options.prefix.`,
      );
    this.#redis = new ConnectionHandle('DistributedExecutor', o.connection);
  }

  /** The queue's name. */
  get name(): string {
    return this.#name;
  }

  /** Jobs this process submitted and still waits for. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Queues one job for the handler named `handler` and returns its task, settling with the handler's result.
   * `timeout` counts from submission, queue time included.
   * @throws TypeError (synchronously) if `handler` is not a non-empty string or `data` does not survive JSON
   *   (a function, a bigint, a cycle...). The task rejects with the handler's revived error; with
   *   `signal.reason` on abort and `TimeoutError` after `timeout` ms (either way the job is removed from the
   *   queue, or its handler's signal aborts if it is running); with `RedisUnavailableError` when Redis cannot
   *   be reached; with `ExecutorShutdownError` after `close()`.
   * @example
   * ```ts
   * const task = executor.submitAsync('resize', { url: 'https://example.com/a.png' }, { timeout: 10_000 });
   * const thumbnail = await task;
   * ```
   */
  submitAsync<R = unknown>(handler: string, data: unknown, options?: DistributedSubmitOptions): AsyncTask<R> {
    this.#checkHandlerName('submitAsync', handler);
    assertSerializable(`DistributedExecutor.submitAsync data for "${handler}"`, data);
    const o = optionsBag('DistributedExecutor.submitAsync options', options);
    const taskOptions = {
      name: stringOption('DistributedExecutor.submitAsync options.name', o.name) ?? handler,
      signal: signalOption('DistributedExecutor.submitAsync options.signal', o.signal),
      timeout: timeoutOption('DistributedExecutor.submitAsync options.timeout', o.timeout),
    };
    const task = new AsyncTask<R>((signal) => this.#run(handler, data, signal) as Promise<R>, taskOptions);
    task.execute();
    return task;
  }

  /**
   * Runs the handler named `handler` on every item, as jobs, and resolves to the results in input order, with
   * `asyncParallelMap`'s rules: the first error rejects the map and cancels the other jobs (`stopOnError`,
   * default true), `timeout` is a deadline for the whole call, and `maxConcurrent` bounds the jobs this call
   * keeps in the queue at once (default: unbounded, as the maps).
   * @throws TypeError (synchronously) for a bad handler name or options. Rejects as `asyncParallelMap` does,
   *   each item as `submitAsync` would (an item that does not survive JSON rejects with `TypeError`).
   * @example
   * ```ts
   * const sizes = await executor.mapAsync('resize', urls.map((url) => ({ url })), { maxConcurrent: 100 });
   * ```
   */
  mapAsync<T, R = unknown>(
    handler: string,
    items: Source<T>,
    options?: DistributedMapOptions<T>,
  ): Promise<R[]> {
    this.#checkHandlerName('mapAsync', handler);
    return asyncParallelMap(
      (item, _index, signal) => {
        assertSerializable(`DistributedExecutor.mapAsync item for "${handler}"`, item);
        return this.#run(handler, item, signal) as Promise<R>;
      },
      items,
      options,
    );
  }

  /**
   * Makes this process a worker for `handler`: jobs with that name run `fn(data, signal)`, at most
   * `concurrency` jobs of this executor at a time. The first `handle()` starts consuming. `signal` aborts when
   * the producer cancels the job (or its timeout passes). `fn`'s result must survive JSON.
   * @throws TypeError if `handler` is not a non-empty string, `fn` is not a function, a handler of that name
   *   is already registered, or the executor is closed.
   * @example
   * ```ts
   * executor.handle('add', (data: { a: number; b: number }) => data.a + data.b);
   * ```
   */
  handle<D = unknown, R = unknown>(handler: string, fn: JobHandler<D, R>): void {
    this.#checkHandlerName('handle', handler);
    assertFunction('DistributedExecutor.handle fn', fn);
    if (this.#closed) throw new ExecutorShutdownError(`DistributedExecutor "${this.#name}" is closed.`);
    if (this.#handlers.has(handler))
      throw new TypeError(`DistributedExecutor "${this.#name}" already has a handler named "${handler}".`);
    this.#handlers.set(handler, fn as JobHandler<never, unknown>);
    this.#worker ??= this.#startWorker();
  }

  /**
   * Stops: jobs this process waits for reject with `ExecutorShutdownError` (they stay queued for the
   * workers), the worker stops taking jobs and waits for its running handlers, and every connection Ferris
   * opened is closed (a shared instance stays open). Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending(new ExecutorShutdownError(`DistributedExecutor "${this.#name}" was closed.`));
    const worker = this.#worker;
    const producer = this.#producer;
    // With Redis unreachable a graceful close would wait for a reconnect that may never come: do not wait for
    // running handlers (their outcomes could not be recorded anyway), and drop the connections at once.
    const down = this.#redis.client.status !== 'ready';
    const closing = Promise.all([
      worker?.close(down).catch(ignore),
      producer?.then((queue) => queue.close()).catch(ignore),
    ]);
    if (down) await this.#redis.close();
    await closing;
    await this.#redis.close();
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkHandlerName(method: string, handler: unknown): void {
    if (typeof handler !== 'string' || handler === '')
      throw new TypeError(
        `DistributedExecutor.${method} handler must be a non-empty string naming a handler, got ${describe(handler)}.`,
      );
  }

  /** Adds one job and settles with its outcome; aborting `signal` removes or cancels it. */
  async #run(handler: string, data: unknown, signal: AbortSignal): Promise<unknown> {
    if (this.#closed) throw new ExecutorShutdownError(`DistributedExecutor "${this.#name}" is closed.`);
    if (signal.aborted) throw signal.reason;
    const queue = await this.#startProducer();
    if (signal.aborted) throw signal.reason;
    const id = randomUUID();
    let unlisten = ignore;
    try {
      return await new Promise<unknown>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject });
        unlisten = onAbort(signal, () => {
          this.#pending.delete(id);
          reject(signal.reason);
          cancelJob(queue, this.#redis.client, this.#cancelChannel, id, signal.reason);
        });
        queue
          .add(handler, data, { jobId: id, removeOnComplete: true, removeOnFail: true, attempts: 1 })
          .catch((error: unknown) => {
            if (!this.#pending.delete(id)) return;
            reject(unavailable(error));
          });
      });
    } finally {
      unlisten();
      this.#pending.delete(id);
    }
  }

  get #cancelChannel(): string {
    return `${this.#prefix}:${this.#name}:cancel`;
  }

  #failPending(error: unknown): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.reject(error);
  }

  /** The producer's side ({@link openJobQueue}), made on first use. */
  #startProducer(): Promise<Queue> {
    this.#producer ??= openJobQueue({
      redis: this.#redis,
      name: this.#name,
      prefix: this.#prefix,
      pending: this.#pending,
      closed: () => this.#closed,
      fail: (error) => this.#failPending(error),
    });
    const producer = this.#producer;
    // A failed start (Redis down) is tried again by the next call.
    producer.catch(() => {
      if (this.#producer === producer) this.#producer = undefined;
    });
    return producer.catch((error: unknown) => Promise.reject(unavailable(error)));
  }

  #startWorker(): Worker {
    return startJobWorker({
      redis: this.#redis,
      name: this.#name,
      prefix: this.#prefix,
      concurrency: this.#concurrency,
      lease: this.#lease,
      limiter: this.#limiter,
      handlers: this.#handlers,
      cancelChannel: this.#cancelChannel,
    });
  }
}
