import type { ResourcePool } from '../pool/ResourcePool.js';
import type { Queue } from '../queue/Queue.js';
import type { RecordedEvent } from './RecordedEvent.js';

/**
 * How a Recorder listens to a primitive's events (pool, queue, executor: their typed `on` methods all fit this
 * loose shape once the payload types are erased).
 */
export interface Emits {
  on(event: string, listener: (payload: never) => void): () => void;
}

/** What the functions below record into: the Recorder's time, the tracked task the code runs in, its log. */
export interface EventLog {
  /** Milliseconds since the recorder was made. */
  now(): number;
  /** The id of the tracked task the current code runs in, if any. */
  currentId(): number | undefined;
  /** Keeps the event for the report and hands it to the sinks. */
  emit(event: RecordedEvent): void;
}

/** The `acquire` event of a `RateLimiter`, as the Recorder reads it. */
export interface LimiterEvents {
  on(event: 'acquire', fn: (p: { tokens: number; waited: number }) => void): () => void;
}

/** The `stateChange` event of a `CircuitBreaker`, as the Recorder reads it. */
export interface BreakerEvents {
  on(event: 'stateChange', fn: (p: { from: string; to: string }) => void): () => void;
}

/** Records every grant of a limiter as `limiterWait`; returns the unsubscribe function. */
export function recordLimiter(limiter: LimiterEvents, log: EventLog): () => void {
  return limiter.on('acquire', ({ tokens, waited }) => {
    const id = log.currentId();
    log.emit({ type: 'limiterWait', at: log.now(), ...(id !== undefined ? { id } : {}), tokens, waited });
  });
}

/** Records every state change of a breaker as `breakerState`; returns the unsubscribe function. */
export function recordBreaker(breaker: BreakerEvents, name: string, log: EventLog): () => void {
  return breaker.on('stateChange', ({ from, to }) =>
    log.emit({ type: 'breakerState', at: log.now(), name, from, to }),
  );
}

/** The event types that carry nothing but the primitive's name. */
type NamedType = 'poolCreate' | 'poolAcquire' | 'poolRelease' | 'poolDestroy' | 'queuePut' | 'queueGet';

/** Subscribes to each `event` of `source`, recording it as its `type`; returns one unsubscribe function. */
function recordEach(
  source: Emits,
  pairs: readonly (readonly [event: string, type: NamedType])[],
  name: string,
  log: EventLog,
): () => void {
  const offs = pairs.map(([event, type]) =>
    source.on(event, (() => log.emit({ type, at: log.now(), name })) as (payload: never) => void),
  );
  return () => {
    for (const off of offs) off();
  };
}

const POOL_EVENTS = [
  ['create', 'poolCreate'],
  ['acquire', 'poolAcquire'],
  ['release', 'poolRelease'],
  ['destroy', 'poolDestroy'],
] as const;

const QUEUE_EVENTS = [
  ['put', 'queuePut'],
  ['get', 'queueGet'],
] as const;

/** Records a pool's create, acquire, release and destroy events; returns one unsubscribe function. */
export function recordPool<R>(pool: ResourcePool<R>, name: string, log: EventLog): () => void {
  return recordEach(pool as unknown as Emits, POOL_EVENTS, name, log);
}

/** Records a queue's put and get events; returns one unsubscribe function. */
export function recordQueue<T>(queue: Queue<T>, name: string, log: EventLog): () => void {
  return recordEach(queue as unknown as Emits, QUEUE_EVENTS, name, log);
}
