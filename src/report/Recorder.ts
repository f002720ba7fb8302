import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../core/Clock.js';
import { neverAborts } from '../core/signals.js';
import type { MapLimiter } from '../core/types.js';
import { clockOption, optionsBag, stringOption } from '../core/validate.js';
import type { AsyncExecutor } from '../executor/AsyncExecutor.js';
import type { ResourcePool } from '../pool/ResourcePool.js';
import type { Queue } from '../queue/Queue.js';
import type { MonitorSample } from './monitor.js';
import { type Latency, latencyOf, type TimelineTask } from './stats.js';

/** How a recorded unit of work ended ('queued' and 'running' while it has not). */
export type TaskOutcome = 'queued' | 'running' | 'fulfilled' | 'rejected' | 'cancelled';

/**
 * One event of a run, as a sink receives it. `at` is milliseconds since the recorder was made (its clock).
 * Task events carry the task's `id`, `name` and `scenario`.
 */
export type RecordedEvent =
  | { type: 'queued' | 'started'; at: number; id: number; name: string; scenario: string }
  | {
      type: 'finished' | 'failed' | 'cancelled';
      at: number;
      id: number;
      name: string;
      scenario: string;
      duration: number;
      error?: string;
    }
  | { type: 'retried'; at: number; id?: number; name?: string; attempt: number; delay: number; error: string }
  | { type: 'limiterWait'; at: number; id?: number; tokens: number; waited: number }
  | { type: 'breakerState'; at: number; name: string; from: string; to: string }
  | { type: 'poolAcquire' | 'poolRelease' | 'poolCreate' | 'poolDestroy'; at: number; name: string }
  | { type: 'queuePut' | 'queueGet'; at: number; name: string }
  | { type: 'monitor'; at: number; name: string; sample: MonitorSample };

/** Receives every event a {@link Recorder} records, as it happens (e.g. the OpenTelemetry sink). */
export type RecorderSink = (event: RecordedEvent) => void;

/** Options of {@link Recorder}. */
export interface RecorderOptions {
  /** Where time comes from; inject a `FakeClock` in tests. @default systemClock */
  clock?: Clock | undefined;
}

/** Options of {@link Recorder.track}. */
export interface TrackOptions {
  /** The scenario the items belong to (a report groups and names tasks by it). @default "default" */
  scenario?: string | undefined;
  /**
   * A `RateLimiter` (or anything with `acquire(tokens, { signal })`): each item takes one token inside the
   * wrapper, so its rate-limit wait shows on the timeline. Pass it here instead of the map's `limiter`.
   */
  limiter?: MapLimiter | undefined;
}

interface TaskLike {
  readonly name: string;
  readonly startedAt?: number | undefined;
  readonly finishedAt?: number | undefined;
  readonly submittedAt?: number | undefined;
  readonly error?: unknown;
}

interface Emits {
  on(event: string, listener: (payload: never) => void): () => void;
}

/** A recorded unit of work. Times are ms since the recorder was made. */
interface TaskRecord {
  id: number;
  name: string;
  scenario: string;
  lane: number;
  queuedAt: number;
  waitStart: number | undefined;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  outcome: TaskOutcome;
  error: string | undefined;
  retries: number[];
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Records what a run did, from the events Ferris's primitives emit: every unit of work
 * (queued/started/finished/failed/cancelled/retried, with times and a concurrency lane), rate-limiter waits,
 * breaker state changes, pool acquire/release and queue traffic. `buildReport(recorder)` and `renderHtml`
 * turn it into the run report and its timeline.
 *
 * Nothing is recorded, and nothing costs anything, until you attach it: `attach(executor)`,
 * `track(name, fn)` around a map's item function, `onRetry()` as retry's callback, `attachLimiter`,
 * `attachBreaker`, `attachPool`, `attachQueue`. Every `attach*` returns an unsubscribe function;
 * `close()` detaches everything.
 *
 * @example
 * ```ts
 * import { asyncParallelMap, AsyncExecutor } from 'ferris';
 * import { Recorder, buildReport } from 'ferris/report';
 *
 * const recorder = new Recorder();
 * const executor = new AsyncExecutor(4);
 * recorder.attach(executor, { scenario: 'background' });
 * await asyncParallelMap(recorder.track('fetch', async (n: number) => n * 2), [1, 2, 3], { maxConcurrent: 2 });
 * await executor.shutdown();
 * recorder.close();
 * console.log(recorder.summary().latency.p50);
 * ```
 */
export class Recorder {
  readonly #clock: Clock;
  readonly #origin: number;
  /** Epoch milliseconds at the recorder's time 0 (for exporters that want wall-clock times). */
  readonly epochOrigin: number;
  readonly #tasks: TaskRecord[] = [];
  readonly #events: RecordedEvent[] = [];
  readonly #sinks: RecorderSink[] = [];
  readonly #unsubscribe: (() => void)[] = [];
  readonly #current = new AsyncLocalStorage<TaskRecord>();
  #nextId = 1;

  /** @throws TypeError if `options.clock` is not a Clock. */
  constructor(options?: RecorderOptions) {
    const o = optionsBag('Recorder options', options);
    this.#clock = clockOption('Recorder options.clock', o.clock);
    this.#origin = this.#clock.now();
    this.epochOrigin = Date.now();
  }

  /** Milliseconds since the recorder was made. */
  now(): number {
    return round(this.#clock.now() - this.#origin);
  }

  /** Calls `sink(event)` for every later event; returns an unsubscribe function. */
  subscribe(sink: RecorderSink): () => void {
    if (typeof sink !== 'function')
      throw new TypeError(`Recorder.subscribe sink must be a function, got ${typeof sink}.`);
    this.#sinks.push(sink);
    return () => {
      const i = this.#sinks.indexOf(sink);
      if (i >= 0) this.#sinks.splice(i, 1);
    };
  }

  #emit(event: RecordedEvent): void {
    this.#events.push(event);
    for (const sink of this.#sinks.slice()) sink(event);
  }

  #keep(off: () => void): () => void {
    this.#unsubscribe.push(off);
    return () => {
      const i = this.#unsubscribe.indexOf(off);
      if (i >= 0) this.#unsubscribe.splice(i, 1);
      off();
    };
  }

  #newTask(name: string, scenario: string, queuedAt: number): TaskRecord {
    const record: TaskRecord = {
      id: this.#nextId++,
      name,
      scenario,
      lane: -1,
      queuedAt,
      waitStart: undefined,
      startedAt: undefined,
      finishedAt: undefined,
      outcome: 'queued',
      error: undefined,
      retries: [],
    };
    this.#tasks.push(record);
    this.#emit({ type: 'queued', at: queuedAt, id: record.id, name, scenario });
    return record;
  }

  #start(record: TaskRecord, at: number): void {
    record.startedAt = at;
    record.outcome = 'running';
    const { id, name, scenario } = record;
    this.#emit({ type: 'started', at, id, name, scenario });
  }

  #finish(
    record: TaskRecord,
    outcome: 'fulfilled' | 'rejected' | 'cancelled',
    at: number,
    error?: unknown,
  ): void {
    if (record.outcome !== 'running' && record.outcome !== 'queued') return;
    record.finishedAt = at;
    record.outcome = outcome;
    // A task cancelled in the queue never started: it keeps `startedAt` unset and lasted 0 ms.
    const duration = round(at - (record.startedAt ?? at));
    const { id, name, scenario } = record;
    const type = outcome === 'fulfilled' ? 'finished' : outcome === 'rejected' ? 'failed' : 'cancelled';
    if (outcome === 'fulfilled') this.#emit({ type: 'finished', at, id, name, scenario, duration });
    else {
      record.error = errorText(error);
      this.#emit({ type, at, id, name, scenario, duration, error: record.error });
    }
  }

  /**
   * Records the tasks of an executor (`AsyncExecutor`): each task from `submitAsync` from its queueing
   * (`taskQueued`, or `task.submittedAt` where the executor provides them) to its settlement.
   * @returns An unsubscribe function.
   */
  attach(executor: AsyncExecutor, options?: { scenario?: string | undefined }): () => void {
    const scenario = stringOption('Recorder.attach options.scenario', options?.scenario) ?? 'default';
    const records = new WeakMap<object, TaskRecord>();
    const source = executor as unknown as Emits;
    const toLocal = (clockMs: number | undefined) =>
      clockMs === undefined ? this.now() : round(clockMs - this.#origin);
    const get = (task: TaskLike): TaskRecord => {
      let record = records.get(task);
      if (record === undefined) {
        record = this.#newTask(task.name, scenario, toLocal(task.submittedAt ?? task.startedAt));
        records.set(task, record);
      }
      return record;
    };
    const offs = [
      // Emitted by executors that announce queueing; older ones only start and settle, and then a task's
      // queue wait comes from `task.submittedAt` when it has one.
      source.on('taskQueued', ((p: { task: TaskLike }) => void get(p.task)) as (payload: never) => void),
      source.on('taskStart', ((p: { task: TaskLike }) => {
        this.#start(get(p.task), this.now());
      }) as (payload: never) => void),
      source.on('taskSettled', ((p: { task: TaskLike; status: 'fulfilled' | 'rejected' | 'cancelled' }) => {
        const record = get(p.task);
        this.#finish(record, p.status, this.now(), p.task.error);
      }) as (payload: never) => void),
    ];
    return this.#keep(() => {
      for (const off of offs) off();
    });
  }

  /**
   * Wraps a map's item function (or any async function) so that every call is recorded as a task named
   * `name`: queued when `track` was called (the map's start), started when the call begins (after its
   * rate-limit token with `options.limiter`), finished, failed or cancelled (its signal aborted) when it
   * settles. Errors pass through unchanged.
   * @throws TypeError if `fn` is not a function.
   * @example
   * ```ts
   * await asyncParallelMap(recorder.track('page', (url: string, _i, signal) => fetch(url, { signal })), urls);
   * ```
   */
  track<A extends unknown[], R>(
    name: string,
    fn: (...args: A) => R | PromiseLike<R>,
    options?: TrackOptions,
  ): (...args: A) => Promise<Awaited<R>> {
    if (typeof fn !== 'function')
      throw new TypeError(`Recorder.track fn must be a function, got ${typeof fn}.`);
    const scenario = stringOption('Recorder.track options.scenario', options?.scenario) ?? 'default';
    const limiter = options?.limiter;
    const queuedAt = this.now();
    return async (...args: A): Promise<Awaited<R>> => {
      const record = this.#newTask(name, scenario, queuedAt);
      const signal = args.find((a): a is AbortSignal => a instanceof AbortSignal);
      try {
        if (limiter !== undefined) {
          record.waitStart = this.now();
          await limiter.acquire(1, { signal: signal ?? neverAborts });
        }
        this.#start(record, this.now());
        const value = await this.#current.run(record, () => fn(...args));
        this.#finish(record, 'fulfilled', this.now());
        return value;
      } catch (error) {
        const cancelled = signal?.aborted === true && error === signal.reason;
        this.#finish(record, cancelled ? 'cancelled' : 'rejected', this.now(), error);
        throw error;
      }
    };
  }

  /**
   * A callback for `retry`'s `onRetry` option: records each retry (attempt, delay, error) against the tracked
   * task it happens in, so the timeline marks it.
   * @example
   * ```ts
   * await retry(work, { attempts: 4, onRetry: recorder.onRetry() });
   * ```
   */
  onRetry(name?: string): (error: unknown, attempt: number, delay: number) => void {
    return (error, attempt, delay) => {
      const record = this.#current.getStore();
      const at = this.now();
      record?.retries.push(at);
      const label = name ?? record?.name;
      this.#emit({
        type: 'retried',
        at,
        ...(record ? { id: record.id } : {}),
        ...(label !== undefined ? { name: label } : {}),
        attempt,
        delay,
        error: errorText(error),
      });
    };
  }

  /** Records every grant of a `RateLimiter` (its `acquire` event: tokens and the time waited). */
  attachLimiter(limiter: {
    on(event: 'acquire', fn: (p: { tokens: number; waited: number }) => void): () => void;
  }): () => void {
    return this.#keep(
      limiter.on('acquire', ({ tokens, waited }) => {
        const record = this.#current.getStore();
        this.#emit({
          type: 'limiterWait',
          at: this.now(),
          ...(record ? { id: record.id } : {}),
          tokens,
          waited,
        });
      }),
    );
  }

  /** Records the state changes of a `CircuitBreaker`. */
  attachBreaker(
    breaker: { on(event: 'stateChange', fn: (p: { from: string; to: string }) => void): () => void },
    name = 'breaker',
  ): () => void {
    return this.#keep(
      breaker.on('stateChange', ({ from, to }) =>
        this.#emit({ type: 'breakerState', at: this.now(), name, from, to }),
      ),
    );
  }

  /** Records a `ResourcePool`'s create, acquire, release and destroy events. */
  attachPool<R>(pool: ResourcePool<R>, name = 'pool'): () => void {
    const pairs = [
      ['create', 'poolCreate'],
      ['acquire', 'poolAcquire'],
      ['release', 'poolRelease'],
      ['destroy', 'poolDestroy'],
    ] as const;
    const source = pool as unknown as Emits;
    const offs = pairs.map(([event, type]) =>
      source.on(event, (() => this.#emit({ type, at: this.now(), name })) as (payload: never) => void),
    );
    return this.#keep(() => {
      for (const off of offs) off();
    });
  }

  /** Records a `Queue`'s put and get events. */
  attachQueue<T>(queue: Queue<T>, name = 'queue'): () => void {
    const source = queue as unknown as Emits;
    const offs = [
      source.on('put', (() => this.#emit({ type: 'queuePut', at: this.now(), name })) as (
        payload: never,
      ) => void),
      source.on('get', (() => this.#emit({ type: 'queueGet', at: this.now(), name })) as (
        payload: never,
      ) => void),
    ];
    return this.#keep(() => {
      for (const off of offs) off();
    });
  }

  /** Records one `monitor()` sample (a `Recorder` is a valid `monitor` sink). */
  record(sample: MonitorSample): void {
    this.#emit({ type: 'monitor', at: this.now(), name: sample.name, sample });
  }

  /** Detaches from everything attached; records kept so far stay. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** Every event recorded so far, oldest first (a copy). */
  events(): RecordedEvent[] {
    return this.#events.slice();
  }

  /** Every task recorded so far, in order of queueing, with times in ms since the recorder was made. */
  tasks(scenario?: string): TimelineTask[] {
    this.#assignLanes();
    const out: TimelineTask[] = [];
    for (const t of this.#tasks) {
      if (scenario !== undefined && t.scenario !== scenario) continue;
      out.push({
        id: t.id,
        name: t.name,
        scenario: t.scenario,
        lane: t.lane,
        queued_at: t.queuedAt,
        ...(t.waitStart !== undefined ? { wait_start: t.waitStart } : {}),
        started_at: t.startedAt ?? null,
        finished_at: t.finishedAt ?? null,
        outcome: t.outcome,
        retries: t.retries.slice(),
        ...(t.error !== undefined ? { error: t.error } : {}),
      });
    }
    return out;
  }

  /**
   * Gives every started task the lowest lane free at its start (a lane is free once its last task finished,
   * at that same instant included). Done from the times rather than live, because an executor hands a slot
   * to the next task before it reports the previous one settled.
   */
  #assignLanes(): void {
    const started = this.#tasks.filter((t) => t.startedAt !== undefined);
    started.sort((a, b) => (a.startedAt as number) - (b.startedAt as number) || a.id - b.id);
    const laneEnds: number[] = [];
    for (const t of started) {
      const start = t.startedAt as number;
      let lane = laneEnds.findIndex((end) => end <= start);
      if (lane < 0) lane = laneEnds.length;
      laneEnds[lane] = t.finishedAt ?? Number.POSITIVE_INFINITY;
      t.lane = lane;
    }
  }

  /** Latency percentiles (ms) of the settled tasks, optionally of one scenario. */
  latency(scenario?: string): Latency {
    return latencyOf(this.tasks(scenario));
  }
}
