import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../core/Clock.js';
import { neverAborts } from '../core/signals.js';
import type { MapLimiter } from '../core/types.js';
import { clockOption, optionsBag, stringOption } from '../core/validate.js';
import { AsyncExecutor } from '../executor/AsyncExecutor.js';
import type { ResourcePool } from '../pool/ResourcePool.js';
import type { Queue } from '../queue/Queue.js';
import { type ExecutorRecords, recordExecutor, type TaskEnd, type TaskLog } from './executorRecords.js';
import type { MonitorSample } from './monitor.js';
import {
  type Emits,
  type EventLog,
  recordBreaker,
  recordLimiter,
  recordPool,
  recordQueue,
} from './primitiveEvents.js';
import type { RecordedEvent, RecorderSink } from './RecordedEvent.js';
import { type Latency, latencyOf, round3, type TimelineTask } from './stats.js';
import { CANCELLED, FULFILLED, REJECTED, TaskTable } from './TaskTable.js';

export type { RecordedEvent, RecorderSink } from './RecordedEvent.js';
export type { TaskOutcome } from './TaskTable.js';

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

const codeOf = (outcome: TaskEnd) =>
  outcome === 'fulfilled' ? FULFILLED : outcome === 'rejected' ? REJECTED : CANCELLED;

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

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
 * console.log(recorder.latency().p50);
 * ```
 */
export class Recorder {
  readonly #clock: Clock;
  readonly #origin: number;
  /** Epoch milliseconds at the recorder's time 0 (for exporters that want wall-clock times). */
  readonly epochOrigin: number;
  readonly #tasks = new TaskTable();
  readonly #events: RecordedEvent[] = [];
  readonly #sinks: RecorderSink[] = [];
  readonly #unsubscribe: (() => void)[] = [];
  /** The attached executors, switched to live recording while a sink listens. */
  readonly #executors: ExecutorRecords[] = [];
  /** The row of the tracked task the current code runs in (for onRetry and limiter grants). */
  readonly #current = new AsyncLocalStorage<number>();
  /** What the primitives' events are recorded into (see primitiveEvents.ts). */
  readonly #log: EventLog = {
    now: () => this.now(),
    currentId: () => {
      const record = this.#current.getStore();
      return record === undefined ? undefined : record + 1;
    },
    emit: (event) => this.#emit(event),
  };

  /** @throws TypeError if `options.clock` is not a Clock. */
  constructor(options?: RecorderOptions) {
    const o = optionsBag('Recorder options', options);
    this.#clock = clockOption('Recorder options.clock', o.clock);
    this.#origin = this.#clock.now();
    this.epochOrigin = Date.now();
  }

  /** Milliseconds since the recorder was made. */
  now(): number {
    return round3(this.#clock.now() - this.#origin);
  }

  /** Calls `sink(event)` for every later event; returns an unsubscribe function. */
  subscribe(sink: RecorderSink): () => void {
    if (typeof sink !== 'function')
      throw new TypeError(`Recorder.subscribe sink must be a function, got ${typeof sink}.`);
    this.#sinks.push(sink);
    if (this.#sinks.length === 1) for (const records of this.#executors) records.live(true);
    return () => {
      const i = this.#sinks.indexOf(sink);
      if (i < 0) return;
      this.#sinks.splice(i, 1);
      if (this.#sinks.length === 0) for (const records of this.#executors) records.live(false);
    };
  }

  /** Keeps `event` for the report and hands it to the sinks. */
  #emit(event: RecordedEvent): void {
    this.#events.push(event);
    this.#notify(event);
  }

  /** Hands `event` to the sinks only: task events live in their records, not in `#events`. */
  #notify(event: RecordedEvent): void {
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

  /** Adds a queued task; returns its row (its id is row + 1). `label`: see {@link TaskTable.add}. */
  #newTask(label: string | number, scenario: string, queuedAt: number): number {
    const row = this.#tasks.add(label, scenario, queuedAt);
    if (this.#sinks.length > 0)
      this.#notify({ type: 'queued', at: queuedAt, id: row + 1, name: this.#tasks.name(row), scenario });
    return row;
  }

  #start(row: number, at: number): void {
    this.#tasks.start(row, at);
    if (this.#sinks.length === 0) return;
    const t = this.#tasks;
    this.#notify({ type: 'started', at, id: row + 1, name: t.name(row), scenario: t.scenario(row) });
  }

  #finish(row: number, outcome: TaskEnd, at: number, error?: unknown): void {
    const code = codeOf(outcome);
    const text = outcome === 'fulfilled' ? undefined : errorText(error);
    if (!this.#tasks.finish(row, code, at, text) || this.#sinks.length === 0) return;
    const t = this.#tasks;
    // A task cancelled in the queue never started: it lasted 0 ms.
    const started = t.startedAt(row);
    const duration = round3(at - (Number.isNaN(started) ? at : started));
    const base = { at, id: row + 1, name: t.name(row), scenario: t.scenario(row), duration };
    if (text === undefined) this.#notify({ type: 'finished', ...base });
    else this.#notify({ type: outcome === 'rejected' ? 'failed' : 'cancelled', ...base, error: text });
  }

  /**
   * Records the tasks of an executor (`AsyncExecutor`): each task from `submitAsync`, with its queueing, start
   * and settlement times. While no sink is subscribed, a task is written once, when it settles, from the
   * times it carries (the cheap way: about 250 ns per task in the benchmark, see docs/report.md), so a task still in
   * flight is not in {@link tasks} yet; while a sink listens, each step is recorded and handed to the sinks as
   * it happens. Give the Recorder the executor's clock.
   * @returns An unsubscribe function.
   */
  attach(executor: AsyncExecutor, options?: { scenario?: string | undefined }): () => void {
    const scenario = stringOption('Recorder.attach options.scenario', options?.scenario) ?? 'default';
    const records = recordExecutor(executor as unknown as Emits, scenario, this.#taskLog);
    if (this.#sinks.length > 0) records.live(true);
    this.#executors.push(records);
    return this.#keep(() => {
      this.#executors.splice(this.#executors.indexOf(records), 1);
      records.off();
    });
  }

  /** What executor attachments write into (see executorRecords.ts). */
  readonly #taskLog: TaskLog = {
    heard: () => this.#sinks.length > 0,
    // The task's own clock readings (its executor's clock: give the Recorder the same one).
    local: (clockMs) => (clockMs === undefined ? this.now() : round3(clockMs - this.#origin)),
    offset: (clockMs) => clockMs - this.#origin,
    queued: (label, scenario, at) => this.#newTask(label, scenario, at),
    started: (row, at) => this.#start(row, at),
    finished: (row, outcome, startedAt, at, error) => {
      if (startedAt !== undefined && Number.isNaN(this.#tasks.startedAt(row))) this.#start(row, startedAt);
      this.#finish(row, outcome, at, error);
    },
    settled: (label, scenario, queued, started, finished, outcome, error) => {
      const text = outcome === 'fulfilled' ? undefined : errorText(error);
      this.#tasks.addSettled(label, scenario, queued, started, finished, codeOf(outcome), text);
    },
  };

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
          this.#tasks.setWait(record, this.now());
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
      if (record !== undefined) this.#tasks.addRetry(record, at);
      const label = name ?? (record === undefined ? undefined : this.#tasks.name(record));
      this.#emit({
        type: 'retried',
        at,
        ...(record !== undefined ? { id: record + 1 } : {}),
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
    return this.#keep(recordLimiter(limiter, this.#log));
  }

  /** Records the state changes of a `CircuitBreaker`. */
  attachBreaker(
    breaker: { on(event: 'stateChange', fn: (p: { from: string; to: string }) => void): () => void },
    name = 'breaker',
  ): () => void {
    return this.#keep(recordBreaker(breaker, name, this.#log));
  }

  /** Records a `ResourcePool`'s create, acquire, release and destroy events. */
  attachPool<R>(pool: ResourcePool<R>, name = 'pool'): () => void {
    return this.#keep(recordPool(pool, name, this.#log));
  }

  /** Records a `Queue`'s put and get events. */
  attachQueue<T>(queue: Queue<T>, name = 'queue'): () => void {
    return this.#keep(recordQueue(queue, name, this.#log));
  }

  /** Records one `monitor()` sample (a `Recorder` is a valid `monitor` sink). */
  record(sample: MonitorSample): void {
    this.#emit({ type: 'monitor', at: this.now(), name: sample.name, sample });
  }

  /** Detaches from everything attached; records kept so far stay. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /**
   * The events recorded so far besides the tasks' own lifecycle (retries, limiter grants, breaker changes,
   * pool and queue traffic, monitor samples), oldest first (a copy). Tasks are in {@link tasks}; sinks see both.
   */
  events(): RecordedEvent[] {
    return this.#events.slice();
  }

  /**
   * Every task recorded so far, in order of queueing, with times in ms since the recorder was made and the
   * lowest lane free at each task's start.
   */
  tasks(scenario?: string): TimelineTask[] {
    return this.#tasks.rows(scenario);
  }

  /** A recorder on an executor, kept for as long as the class lives, so a full GC keeps its hidden classes. */
  static readonly #kept: unknown[] = [];
  static {
    const recorder = new Recorder();
    const executor = new AsyncExecutor({ maxWorkers: 1, name: 'ferris.shapes' });
    recorder.attach(executor, { scenario: 'shape' });
    Recorder.#kept.push(
      recorder,
      executor,
      executor.submitAsync(async () => 0, { name: 'shape' }),
    );
  }

  /** Latency percentiles (ms) of the settled tasks, optionally of one scenario. */
  latency(scenario?: string): Latency {
    return latencyOf(this.tasks(scenario));
  }
}
