import {
  AsyncExecutor,
  asyncParallelMap,
  CircuitBreaker,
  Queue,
  RateLimiter,
  ResourcePool,
  retry,
  sleep,
} from 'ferris';
import { type RecordedEvent, Recorder } from 'ferris/report';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';

describe('Recorder.track', () => {
  it('records each item of a bounded map with its queue wait, run time and concurrency lane', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const item = recorder.track(
      'item',
      (ms: number, _i: number, signal: AbortSignal) => sleep(ms, { signal, clock }).then(() => ms),
      { scenario: 'map' },
    );
    const done = asyncParallelMap(item, [30, 10, 20], { maxConcurrent: 2 });
    await clock.advance(10);
    await clock.advance(20);
    await clock.advance(10);
    expect(await done).toEqual([30, 10, 20]);
    const tasks = recorder.tasks('map');
    expect(tasks.map((t) => [t.lane, t.queued_at, t.started_at, t.finished_at, t.outcome])).toEqual([
      [0, 0, 0, 30, 'fulfilled'],
      [1, 0, 0, 10, 'fulfilled'],
      [1, 0, 10, 30, 'fulfilled'], // waited 10 ms for a slot, then took the free lane
    ]);
    expect(recorder.latency('map')).toMatchObject({ count: 3, p50: 20, max: 30 });
  });

  it('records a failing item as rejected with its error, and passes the error through unchanged', async () => {
    const recorder = new Recorder({ clock: fakeClock() });
    const boom = new RangeError('bad item');
    const item = recorder.track('item', async (n: number) => {
      if (n === 2) throw boom;
      return n;
    });
    await expect(asyncParallelMap(item, [1, 2, 3], { maxConcurrent: 1 })).rejects.toBe(boom);
    const outcomes = recorder.tasks().map((t) => [t.outcome, t.error]);
    expect(outcomes).toEqual([
      ['fulfilled', undefined],
      ['rejected', 'RangeError: bad item'],
    ]);
  });

  it('records items aborted by a failing sibling as cancelled, not failed', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const item = recorder.track('item', async (n: number, _i: number, signal: AbortSignal) => {
      if (n === 0) {
        await sleep(5, { clock, signal });
        throw new Error('first fails');
      }
      return sleep(1000, { clock, signal });
    });
    const done = asyncParallelMap(item, [0, 1, 2], { maxConcurrent: 3 });
    const settled = done.catch((e: unknown) => e);
    await clock.advance(5);
    expect(await settled).toBeInstanceOf(Error);
    expect(recorder.tasks().map((t) => t.outcome)).toEqual(['rejected', 'cancelled', 'cancelled']);
  });

  it('takes each item a rate-limit token inside the wrapper, so the wait shows before the start', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 1, clock });
    recorder.attachLimiter(limiter);
    const item = recorder.track('page', async (n: number) => n, { limiter });
    const done = asyncParallelMap(item, [1, 2], { maxConcurrent: 2 });
    await clock.advance(100);
    await done;
    const [first, second] = recorder.tasks();
    expect(first).toMatchObject({ wait_start: 0, started_at: 0 });
    expect(second).toMatchObject({ wait_start: 0, started_at: 100 });
    const waits = recorder.events().filter((e) => e.type === 'limiterWait');
    expect(waits.map((e) => (e.type === 'limiterWait' ? e.waited : -1))).toEqual([0, 100]);
    recorder.close();
  });
});

describe('Recorder.onRetry', () => {
  it('marks each retry on the tracked task it happens in, with attempt, delay and error', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    let calls = 0;
    const flaky = recorder.track('flaky', () =>
      retry(
        async () => {
          if (++calls < 3) throw new Error(`attempt ${calls}`);
          return 'ok';
        },
        { attempts: 3, backoff: { initial: 10, jitter: 'none' }, clock, onRetry: recorder.onRetry() },
      ),
    );
    const done = flaky();
    await clock.advance(10);
    await clock.advance(20);
    expect(await done).toBe('ok');
    const [task] = recorder.tasks();
    expect(task?.retries).toEqual([0, 10]);
    const retries = recorder.events().filter((e) => e.type === 'retried');
    expect(retries).toEqual([
      {
        type: 'retried',
        at: 0,
        id: task?.id,
        name: 'flaky',
        attempt: 1,
        delay: 10,
        error: 'Error: attempt 1',
      },
      {
        type: 'retried',
        at: 10,
        id: task?.id,
        name: 'flaky',
        attempt: 2,
        delay: 20,
        error: 'Error: attempt 2',
      },
    ]);
  });
});

describe('Recorder.attach (executor)', () => {
  it('records every submitted task from queueing to settlement, cancelled ones included', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    recorder.attach(executor, { scenario: 'bg' });
    const a = executor.submitAsync((signal) => sleep(50, { signal, clock }), { name: 'a' });
    const b = executor.submitAsync(async () => 'b', { name: 'b' });
    const c = executor.submitAsync(async () => 'c', { name: 'c' });
    c.cancel();
    await clock.advance(50);
    await a;
    await b;
    await expect(c).rejects.toThrow();
    await executor.shutdown();
    const tasks = recorder.tasks('bg');
    const byName = Object.fromEntries(tasks.map((t) => [t.name, t]));
    expect(byName.a).toMatchObject({ outcome: 'fulfilled', started_at: 0, finished_at: 50, lane: 0 });
    expect(byName.b).toMatchObject({ outcome: 'fulfilled', started_at: 50, finished_at: 50, lane: 0 });
    expect(byName.c).toMatchObject({ outcome: 'cancelled', started_at: null, lane: -1 });
    // With `taskQueued` / `task.submittedAt` (newer executors) b's queue wait starts at 0; before, at its start.
    expect([0, 50]).toContain(byName.b?.queued_at);
    recorder.close();
  });

  it('writes a task once it settles while no sink listens: names, times, outcomes and errors, in order of queueing', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    recorder.attach(executor, { scenario: 'quiet' });
    const slow = executor.submitAsync((signal) => sleep(30, { signal, clock }), { name: 'slow' });
    const failing = executor.submitAsync(async () => {
      throw new RangeError('bad input');
    });
    const dropped = executor.submitAsync(async () => 'never');
    await clock.advance(10);
    // Nothing settled yet: nothing is written while no sink listens.
    expect(recorder.tasks()).toEqual([]);
    dropped.cancel(new Error('not needed'));
    await clock.advance(20);
    await slow;
    await expect(failing).rejects.toThrow('bad input');
    await expect(dropped).rejects.toThrow('not needed');
    await executor.shutdown();
    const rows = recorder.tasks('quiet');
    // Ordered by queueing time; tasks queued at the same instant come in the order they were written.
    expect(rows.map((t) => [t.name, t.queued_at, t.started_at, t.finished_at, t.outcome, t.error])).toEqual([
      [dropped.name, 0, null, 10, 'cancelled', 'Error: not needed'],
      ['slow', 0, 0, 30, 'fulfilled', undefined],
      [failing.name, 0, 30, 30, 'rejected', 'RangeError: bad input'],
    ]);
    expect(failing.name).toMatch(/^Task-\d+$/);
    expect(new Set(rows.map((t) => t.id)).size).toBe(3);
    recorder.close();
  });

  it('hands a sink every step of the tasks it sees queued, and all steps of an earlier task when it settles', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    recorder.attach(executor);
    const early = executor.submitAsync((signal) => sleep(20, { signal, clock }), { name: 'early' });
    const seen: string[] = [];
    const off = recorder.subscribe((e) => {
      if ('name' in e) seen.push(`${e.type} ${e.name}@${e.at}`);
    });
    const late = executor.submitAsync(async () => 'late', { name: 'late' });
    await clock.advance(20);
    await early;
    await late;
    off();
    await executor.shutdown();
    // `late` is heard step by step (its slot frees, so it starts, before `early` is reported settled);
    // `early`, queued before the sink came, is heard whole when it settles.
    expect(seen).toEqual([
      'queued late@0',
      'started late@20',
      'queued early@0',
      'started early@0',
      'finished early@20',
      'finished late@20',
    ]);
    expect(recorder.tasks().map((t) => t.name)).toEqual(['late', 'early']);
    recorder.close();
  });

  it('keeps the start of a task queued while a sink listened and started after the sink left', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    recorder.attach(executor);
    const off = recorder.subscribe(() => {});
    const first = executor.submitAsync((signal) => sleep(15, { signal, clock }), { name: 'first' });
    const second = executor.submitAsync(async () => 2, { name: 'second' });
    off();
    await clock.advance(15);
    await first;
    await second;
    await executor.shutdown();
    const second$ = recorder.tasks().find((t) => t.name === 'second');
    expect(second$).toMatchObject({ queued_at: 0, started_at: 15, finished_at: 15, outcome: 'fulfilled' });
    recorder.close();
  });

  it('stops recording once closed', async () => {
    const recorder = new Recorder({ clock: fakeClock() });
    const executor = new AsyncExecutor(2);
    recorder.attach(executor);
    await executor.submitAsync(async () => 1);
    recorder.close();
    await executor.submitAsync(async () => 2);
    await executor.shutdown();
    expect(recorder.tasks()).toHaveLength(1);
  });
});

describe('Recorder.attach* (limiter, breaker, pool, queue)', () => {
  it('records breaker state changes, pool traffic and queue traffic', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    const pool = new ResourcePool({ create: () => ({}), destroy: () => {}, max: 1 });
    const queue = new Queue<number>();
    recorder.attachBreaker(breaker, 'api');
    recorder.attachPool(pool, 'db');
    recorder.attachQueue(queue, 'jobs');

    await breaker.run(() => Promise.reject(new Error('down'))).catch(() => {});
    await clock.advance(100);
    await breaker.run(async () => 'up');
    await pool.use(async () => 'row');
    await pool.close();
    await queue.put(1);
    await queue.get();

    const kinds = recorder
      .events()
      .map((e) => (e.type === 'breakerState' ? `${e.from}->${e.to}@${e.at}` : e.type));
    expect(kinds).toEqual([
      'closed->open@0',
      'open->half-open@100',
      'half-open->closed@100',
      'poolCreate',
      'poolAcquire',
      'poolRelease',
      'poolDestroy',
      'queuePut',
      'queueGet',
    ]);
    recorder.close();
    await queue.put(2);
    expect(recorder.events()).toHaveLength(9);
  });

  it('hands every event to its sinks as it happens, until unsubscribed', async () => {
    const recorder = new Recorder({ clock: fakeClock() });
    const seen: RecordedEvent['type'][] = [];
    const off = recorder.subscribe((e) => seen.push(e.type));
    await recorder.track('x', async () => 1)();
    off();
    await recorder.track('y', async () => 1)();
    expect(seen).toEqual(['queued', 'started', 'finished']);
  });

  it('reuses the lane a finished task freed, so lanes never exceed the concurrency', async () => {
    const clock = fakeClock();
    const recorder = new Recorder({ clock });
    const item = recorder.track('t', (ms: number, _i: number, signal: AbortSignal) =>
      sleep(ms, { clock, signal }),
    );
    const done = asyncParallelMap(item, [5, 10, 5, 10, 5, 10], { maxConcurrent: 3 });
    await clock.runAll();
    await done;
    const lanes = recorder.tasks().map((t) => t.lane);
    expect(Math.max(...lanes)).toBe(2);
  });
});
