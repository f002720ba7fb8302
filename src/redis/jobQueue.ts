import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ConnectionHandle, unavailable } from './connection.js';
import { decodeError } from './wire.js';

/** Waiting for one job's outcome, by job id. */
export interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/** What a `DistributedExecutor`'s producer side needs from its executor. */
export interface JobQueueSettings {
  readonly redis: ConnectionHandle;
  /** The queue's name. */
  readonly name: string;
  readonly prefix: string;
  /** The jobs waited for, by id: each outcome read settles and removes its waiter. */
  readonly pending: Map<string, Pending>;
  /** Whether the executor is closed (the reader then stops, and a dropped connection is expected). */
  closed(): boolean;
  /** Rejects every waiter with `error`: the connection that delivers outcomes dropped. */
  fail(error: unknown): void;
}

function ignore(): void {}

/**
 * Opens the producer's side: the queue, and one reader of the queue's events stream that starts from the
 * stream's last id, read before any job is added (starting from '$' would miss the jobs finishing during its
 * first round trip), dispatching each job's outcome to its waiter.
 */
export async function openJobQueue(settings: JobQueueSettings): Promise<Queue> {
  const { redis, name, prefix, pending } = settings;
  const client = await redis.ready();
  const eventsKey = `${prefix}:${name}:events`;
  const last = (await client.xrevrange(eventsKey, '+', '-', 'COUNT', 1)) as [string, string[]][];
  const lastEventId = last[0]?.[0] ?? '0-0';
  const queue = new Queue(name, { connection: client, prefix, streams: { events: { maxLen: 100_000 } } });
  queue.on('error', ignore);
  // Many jobs wait on one queue at once: BullMQ adds a listener per waiting job in some paths.
  queue.setMaxListeners(0);
  const eventsClient = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true }, true);
  // The connection that delivers outcomes dropped: nobody can tell when these jobs finish.
  eventsClient.on('close', () => {
    if (settings.closed()) return;
    settings.fail(
      unavailable(new Error(`The connection to Redis was lost while ${pending.size} job(s) ran.`)),
    );
  });
  readJobEvents(eventsClient, eventsKey, lastEventId, settings).catch(ignore);
  return queue;
}

/**
 * Reads BullMQ's events stream `key` from `from` on a connection of its own (blocking XREAD) and settles the
 * waiter of every job that completed or failed, until the executor closes. Reading the stream directly, rather
 * than through BullMQ's `QueueEvents`, lets `close()` end the read at once even while Redis is unreachable.
 */
async function readJobEvents(
  client: Redis,
  key: string,
  from: string,
  settings: JobQueueSettings,
): Promise<void> {
  const { pending } = settings;
  let id = from;
  while (!settings.closed()) {
    let reply: [string, [string, string[]][]][] | null;
    try {
      reply = (await client.xread('BLOCK', 10_000, 'STREAMS', key, id)) as typeof reply;
    } catch {
      // The connection was closed: by close(), or for good.
      return;
    }
    for (const [entryId, fields] of reply?.[0]?.[1] ?? []) {
      id = entryId;
      const event: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) event[fields[i] as string] = fields[i + 1] as string;
      const jobId = event.jobId;
      const p = jobId === undefined ? undefined : pending.get(jobId);
      if (p === undefined || jobId === undefined) continue;
      if (event.event === 'completed') {
        pending.delete(jobId);
        p.resolve((JSON.parse(event.returnvalue ?? 'null') as { v?: unknown } | null)?.v);
      } else if (event.event === 'failed') {
        pending.delete(jobId);
        p.reject(decodeError(event.failedReason ?? '', settings.name, jobId));
      }
    }
  }
}
