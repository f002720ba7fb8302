import { type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { neverAborts } from '../core/signals.js';
import { describe, integerOption } from '../core/validate.js';
import type { ConnectionHandle } from './connection.js';
import type { JobHandler, QueueRateLimit } from './DistributedExecutor.js';
import type { RedisRateLimiter } from './RedisRateLimiter.js';
import { assertSerializable, encodeError } from './wire.js';

/** What a `DistributedExecutor`'s worker side needs from its executor. */
export interface JobWorkerSettings {
  readonly redis: ConnectionHandle;
  /** The queue's name. */
  readonly name: string;
  readonly prefix: string;
  readonly concurrency: number;
  /** Milliseconds of a job's lock (BullMQ's `lockDuration` and `stalledInterval`). */
  readonly lease: number;
  readonly limiter: QueueRateLimit | RedisRateLimiter | undefined;
  /** The registered handlers by name, read at each job (handlers added later are found). */
  readonly handlers: ReadonlyMap<string, JobHandler<never, unknown>>;
  /** The pub/sub channel on which producers ask for a running job's cancellation. */
  readonly cancelChannel: string;
}

function ignore(): void {}

/**
 * Reads `DistributedExecutor` options.limiter: undefined, a `RedisRateLimiter`, or `{ max, duration }` (integers >= 1).
 * @throws TypeError or RangeError naming the option and the value otherwise.
 */
export function limiterOption(value: unknown): QueueRateLimit | RedisRateLimiter | undefined {
  if (value === undefined) return undefined;
  if (value !== null && typeof value === 'object') {
    if (typeof (value as RedisRateLimiter).acquire === 'function') return value as RedisRateLimiter;
    const { max, duration } = value as Partial<QueueRateLimit>;
    integerOption('DistributedExecutor options.limiter.max', max, Number.NaN, 1);
    integerOption('DistributedExecutor options.limiter.duration', duration, Number.NaN, 1);
    if (max !== undefined && duration !== undefined) return { max, duration };
  }
  throw new TypeError(
    `DistributedExecutor options.limiter must be { max, duration } or a RedisRateLimiter, got ${describe(value)}.`,
  );
}

/**
 * Starts consuming the queue: a BullMQ Worker running each job's handler (after one token of a shared
 * `RedisRateLimiter`, if any) with results and errors encoded for the wire, and a subscriber of the cancel
 * channel that aborts a running job's signal.
 */
export function startJobWorker(settings: JobWorkerSettings): Worker {
  const { redis, name, handlers, limiter } = settings;
  const shared = limiter !== undefined && 'acquire' in limiter ? limiter : undefined;
  const perQueue = shared === undefined ? (limiter as QueueRateLimit | undefined) : undefined;
  const processor = async (
    job: { name: string; data: unknown },
    _token?: string,
    signal?: AbortSignal,
  ): Promise<unknown> => {
    const fn = handlers.get(job.name);
    const jobSignal = signal ?? neverAborts;
    try {
      if (fn === undefined)
        throw new TypeError(
          `DistributedExecutor "${name}" has no handler named "${job.name}" in this worker: register it with handle("${job.name}", fn) before submitting.`,
        );
      if (shared !== undefined) await shared.acquire(1, { signal: jobSignal });
      const value = await fn(job.data as never, jobSignal);
      assertSerializable(`The result of handler "${job.name}"`, value);
      return { v: value };
    } catch (error) {
      throw encodeError(error);
    }
  };
  const worker = new Worker(name, processor, {
    connection: redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true }),
    prefix: settings.prefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lease,
    stalledInterval: settings.lease,
    maxStalledCount: 1,
    ...(perQueue === undefined ? {} : { limiter: perQueue }),
  });
  worker.on('error', ignore);
  const subscriber = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { id, reason } = JSON.parse(message) as { id: string; reason: string };
      worker.cancelJob(id, reason);
    } catch {
      // Not a message of ours.
    }
  });
  subscriber.subscribe(settings.cancelChannel).catch(ignore);
  return worker;
}

/**
 * A producer's cancellation of job `id`: removes it if it still waits; if it runs, asks its worker on the cancel
 * `channel` (through `client`) to abort its handler's signal with `reason`'s message. Failures are ignored.
 */
export function cancelJob(queue: Queue, client: Redis, channel: string, id: string, reason: unknown): void {
  const why = reason instanceof Error ? reason.message : String(reason);
  queue
    .remove(id)
    .then(async (removed) => {
      if (removed === 1) return;
      await client.publish(channel, JSON.stringify({ id, reason: why }));
    })
    .catch(ignore);
}
