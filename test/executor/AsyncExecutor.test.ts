import { describe, expect, it } from 'vitest';
import { CancelledError, ExecutorShutdownError, TimeoutError } from '../../src/core/errors.js';
import { AsyncExecutor } from '../../src/executor/AsyncExecutor.js';
import { AsyncTask } from '../../src/task/AsyncTask.js';
import { fakeClock } from '../support/leakCheck.js';
import { type Deferred, deferred, flush, neverSettles, until } from '../support/work.js';

/** Work that records when it starts and runs until its gate opens. */
function gated(log: string[], name: string, gates: Map<string, Deferred<void>>) {
  const gate = deferred();
  gates.set(name, gate);
  return (signal: AbortSignal) => {
    log.push(name);
    return until(gate.promise, signal, name);
  };
}

describe('AsyncExecutor', () => {
  it('never runs more than maxWorkers at once and starts waiting work the moment a slot frees', async () => {
    const executor = new AsyncExecutor({ maxWorkers: 2 });
    const log: string[] = [];
    const gates = new Map<string, Deferred<void>>();
    let running = 0;
    let peak = 0;
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((name) => {
      const work = gated(log, name, gates);
      return executor.submitAsync((signal) => {
        running++;
        peak = Math.max(peak, running);
        return work(signal).finally(() => running--);
      });
    });
    expect(log).toEqual(['a', 'b']);
    expect(executor.stats()).toMatchObject({ running: 2, queued: 3 });
    gates.get('b')!.resolve();
    await tasks[1];
    expect(log).toEqual(['a', 'b', 'c']);
    expect(executor.stats()).toMatchObject({ running: 2, queued: 2 });
    gates.get('a')!.resolve();
    gates.get('c')!.resolve();
    await Promise.all([tasks[0], tasks[2]]);
    expect(log).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const g of gates.values()) g.resolve();
    expect(await Promise.all(tasks)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(peak).toBe(2);
    await executor.shutdown();
  });

  it('takes the number of workers as shorthand and defaults to 10', async () => {
    expect(new AsyncExecutor(4).stats().maxWorkers).toBe(4);
    expect(new AsyncExecutor().stats().maxWorkers).toBe(10);
    expect(new AsyncExecutor({ maxWorkers: Number.POSITIVE_INFINITY }).maxWorkers).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(new AsyncExecutor({ name: 'io' }).name).toBe('io');
  });

  it('starts higher priorities first and equal priorities in submission order', async () => {
    const executor = new AsyncExecutor(1);
    const order: string[] = [];
    const gate = deferred();
    const first = executor.submitAsync((signal) => until(gate.promise, signal, 'blocker'));
    const submit = (name: string, priority?: number) =>
      executor.submitAsync(
        () => {
          order.push(name);
        },
        priority === undefined ? undefined : { priority },
      );
    const tasks = [
      submit('low', -1),
      submit('default-1'),
      submit('high-1', 5),
      submit('default-2', 0),
      submit('high-2', 5),
      submit('top', 10),
      submit('low-2', -1),
    ];
    gate.resolve();
    await first;
    await Promise.all(tasks);
    expect(order).toEqual(['top', 'high-1', 'high-2', 'default-1', 'default-2', 'low', 'low-2']);
  });

  it('counts the timeout from submission, queue time included', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    const gate = deferred();
    const blocker = executor.submitAsync((signal) => until(gate.promise, signal, 'blocker'));
    let started = false;
    const waiting = executor.submitAsync(
      (signal) => {
        started = true;
        return neverSettles(signal);
      },
      { timeout: 100 },
    );
    const timedOut = expect(waiting).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(60);
    gate.resolve();
    await blocker;
    expect(started).toBe(true); // started at 60 ms, with 40 ms of its 100 left
    await clock.advance(39);
    expect(waiting.status).toBe('running');
    await clock.advance(1);
    await timedOut;
    expect(waiting.status).toBe('rejected');
    await executor.shutdown();
    expect(executor.stats()).toMatchObject({ completed: 1, failed: 1, running: 0 });
  });

  it('rejects a task that times out in the queue without ever running it', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    const gate = deferred();
    const blocker = executor.submitAsync((signal) => until(gate.promise, signal, 1));
    let calls = 0;
    const queued = executor.submitAsync(
      () => {
        calls++;
      },
      { timeout: 10 },
    );
    const timedOut = expect(queued).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await timedOut;
    expect(executor.stats().queued).toBe(0);
    gate.resolve();
    await blocker;
    await executor.shutdown();
    expect(calls).toBe(0);
    expect(queued.startedAt).toBeUndefined();
  });

  it('never runs a task cancelled in the queue, and the next one takes the slot', async () => {
    const executor = new AsyncExecutor(1);
    const log: string[] = [];
    const gates = new Map<string, Deferred<void>>();
    const a = executor.submitAsync(gated(log, 'a', gates));
    const b = executor.submitAsync(gated(log, 'b', gates));
    const c = executor.submitAsync(gated(log, 'c', gates));
    b.cancel();
    expect(b.status).toBe('cancelled');
    await expect(b).rejects.toBeInstanceOf(CancelledError);
    expect(executor.stats()).toMatchObject({ queued: 1, cancelled: 1 });
    gates.get('a')!.resolve();
    await a;
    expect(log).toEqual(['a', 'c']);
    gates.get('c')!.resolve();
    await c;
    expect(log).toEqual(['a', 'c']);
    await executor.shutdown();
  });

  it('cancels a queued task through its signal option, and never runs one whose signal was already aborted', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    const blocker = executor.submitAsync((signal) => until(gate.promise, signal, 1));
    const c = new AbortController();
    let calls = 0;
    const queued = executor.submitAsync(
      () => {
        calls++;
      },
      { signal: c.signal },
    );
    const dead = executor.submitAsync(
      () => {
        calls++;
      },
      { signal: AbortSignal.abort('before') },
    );
    c.abort('nope');
    await expect(queued).rejects.toBe('nope');
    await expect(dead).rejects.toBe('before');
    expect(executor.stats()).toMatchObject({ queued: 0, cancelled: 2 });
    gate.resolve();
    await blocker;
    await executor.shutdown();
    expect(calls).toBe(0);
  });

  it('keeps the slot of a cancelled running task until its work settles', async () => {
    const executor = new AsyncExecutor(1);
    const workDone = deferred();
    let nextStarted = false;
    const stubborn = executor.submitAsync(() => workDone.promise); // ignores its signal
    const next = executor.submitAsync(() => {
      nextStarted = true;
    });
    stubborn.cancel('stop');
    await expect(stubborn).rejects.toBe('stop');
    await flush();
    expect(nextStarted).toBe(false);
    expect(executor.stats()).toMatchObject({ running: 1, queued: 1 });
    workDone.resolve();
    await next;
    expect(nextStarted).toBe(true);
    await executor.shutdown();
  });

  it('aborts the signal of a running task that is cancelled', async () => {
    const executor = new AsyncExecutor(2);
    let seen: AbortSignal | undefined;
    const task = executor.submitAsync((signal) => {
      seen = signal;
      return neverSettles(signal);
    });
    task.cancel();
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(CancelledError);
    await expect(task).rejects.toBe(seen?.reason);
    await executor.shutdown();
  });

  it('shuts down by default after queued and running work settles, accepting nothing new', async () => {
    const executor = new AsyncExecutor(1);
    const log: string[] = [];
    const gates = new Map<string, Deferred<void>>();
    const a = executor.submitAsync(gated(log, 'a', gates));
    const b = executor.submitAsync(gated(log, 'b', gates));
    let closed = false;
    const closing = executor.shutdown().then(() => {
      closed = true;
    });
    let lateCalls = 0;
    const late = executor.submitAsync(() => {
      lateCalls++;
    });
    expect(late).toBeInstanceOf(AsyncTask);
    expect(late.status).toBe('rejected');
    await expect(late).rejects.toBeInstanceOf(ExecutorShutdownError);
    await expect(executor.mapAsync((x) => x, [1])).rejects.toBeInstanceOf(ExecutorShutdownError);
    gates.get('a')!.resolve();
    await a;
    await flush();
    expect(closed).toBe(false);
    expect(log).toEqual(['a', 'b']);
    gates.get('b')!.resolve();
    await closing;
    expect(await b).toBe('b');
    expect(lateCalls).toBe(0);
    expect(executor.stats()).toMatchObject({ completed: 2, failed: 0, running: 0, queued: 0 });
  });

  it('with cancelPending cancels queued tasks, aborts running ones, and waits for their work', async () => {
    const executor = new AsyncExecutor(1);
    const workDone = deferred();
    let seen: AbortSignal | undefined;
    const running = executor.submitAsync((signal) => {
      seen = signal;
      return workDone.promise; // ignores the abort, settles later
    });
    let queuedCalls = 0;
    const queued = executor.submitAsync(() => {
      queuedCalls++;
    });
    let closed = false;
    const closing = executor.shutdown({ cancelPending: true }).then(() => {
      closed = true;
    });
    expect(seen?.aborted).toBe(true);
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    await expect(queued).rejects.toBeInstanceOf(CancelledError);
    expect(running.status).toBe('cancelled');
    await flush();
    expect(closed).toBe(false);
    workDone.resolve();
    await closing;
    expect(queuedCalls).toBe(0);
    expect(executor.stats()).toMatchObject({ cancelled: 2, running: 0, queued: 0 });
  });

  it('with wait: false resolves at once while work still runs', async () => {
    const executor = new AsyncExecutor(1);
    const gate = deferred();
    const task = executor.submitAsync((signal) => until(gate.promise, signal, 'x'));
    await executor.shutdown({ wait: false });
    expect(task.status).toBe('running');
    gate.resolve();
    expect(await task).toBe('x');
  });

  it('lets a second shutdown cancel what a graceful one waits for', async () => {
    const executor = new AsyncExecutor(1);
    const first = executor.submitAsync((signal) => neverSettles(signal));
    const second = executor.submitAsync((signal) => neverSettles(signal));
    const graceful = executor.shutdown();
    await executor.shutdown({ cancelPending: true });
    await graceful;
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    await expect(second).rejects.toBeInstanceOf(CancelledError);
  });

  it('shuts down with the defaults at the end of an `await using` block', async () => {
    const gate = deferred();
    let task: AsyncTask<string> | undefined;
    let queued: AsyncTask<string> | undefined;
    {
      await using executor = new AsyncExecutor(1);
      task = executor.submitAsync((signal) => until(gate.promise, signal, 'first'));
      queued = executor.submitAsync(() => 'second');
      gate.resolve();
    }
    expect(task.status).toBe('fulfilled');
    expect(queued.status).toBe('fulfilled');
  });

  it('counts each task once: completed, failed (timeouts too) or cancelled', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 4, clock });
    const ok = executor.submitAsync(() => 'ok');
    const bad = executor.submitAsync(() => Promise.reject(new Error('bad')));
    const slow = executor.submitAsync((signal) => neverSettles(signal), { timeout: 5 });
    const gone = executor.submitAsync((signal) => neverSettles(signal));
    gone.cancel();
    gone.cancel(); // a second cancel changes nothing
    const failures = Promise.allSettled([bad, slow, gone]);
    await clock.advance(5);
    await failures;
    await ok;
    const stats = executor.stats();
    expect(stats).toEqual({
      running: 0,
      queued: 0,
      completed: 1,
      failed: 2,
      cancelled: 1,
      maxWorkers: 4,
      maxQueue: Infinity,
      paused: false,
    });
    expect(executor.stats()).not.toBe(stats);
    await executor.shutdown();
  });

  it('emits taskStart and taskSettled for each task and shutdown for each call, until unsubscribed', async () => {
    const executor = new AsyncExecutor(1);
    const events: string[] = [];
    const offStart = executor.on('taskStart', ({ task }) => events.push(`start ${task.name}`));
    const offSettled = executor.on('taskSettled', ({ task, status }) =>
      events.push(`${status} ${task.name}`),
    );
    executor.on('shutdown', ({ cancelPending, wait }) => events.push(`shutdown ${cancelPending} ${wait}`));
    const gate = deferred();
    const a = executor.submitAsync((signal) => until(gate.promise, signal, 1), { name: 'a' });
    const b = executor.submitAsync(() => Promise.reject(new Error('b failed')), { name: 'b' });
    const c = executor.submitAsync(() => 3, { name: 'c' });
    c.cancel();
    gate.resolve();
    await Promise.allSettled([a, b, c]);
    // A slot frees when the work settles, so b starts just before a reports its final status.
    expect(events).toEqual(['start a', 'cancelled c', 'start b', 'fulfilled a', 'rejected b']);
    offStart();
    offSettled();
    offSettled(); // a second call does nothing
    await executor.submitAsync(() => 4);
    await executor.shutdown();
    expect(events.slice(5)).toEqual(['shutdown false true']);
    expect(() => executor.on('taskStart', 'x' as never)).toThrow(TypeError);
  });

  it('runs work that throws synchronously as a rejection, and many synchronous tasks without recursion', async () => {
    const executor = new AsyncExecutor(1);
    const boom = new Error('sync');
    const thrower = executor.submitAsync(() => {
      throw boom;
    });
    await expect(thrower).rejects.toBe(boom);
    const gate = deferred();
    const blocker = executor.submitAsync((signal) => until(gate.promise, signal, 0));
    const many = Array.from({ length: 20_000 }, (_, i) => executor.submitAsync(() => i));
    gate.resolve();
    await blocker;
    const results = await Promise.all(many);
    expect(results[19_999]).toBe(19_999);
    await executor.shutdown();
  });

  it('rejects bad arguments synchronously with TypeError or RangeError', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY])
      expect(() => new AsyncExecutor({ maxWorkers: bad })).toThrow(RangeError);
    expect(() => new AsyncExecutor(0)).toThrow(RangeError);
    expect(() => new AsyncExecutor({ maxWorkers: '4' as never })).toThrow(TypeError);
    expect(() => new AsyncExecutor('4' as never)).toThrow(TypeError);
    expect(() => new AsyncExecutor({ name: 3 as never })).toThrow(TypeError);
    expect(() => new AsyncExecutor({ clock: {} as never })).toThrow(TypeError);
    const executor = new AsyncExecutor(1);
    expect(() => executor.submitAsync('x' as never)).toThrow(TypeError);
    expect(() => executor.submitAsync(() => 1, { priority: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => executor.submitAsync(() => 1, { priority: Number.NaN })).toThrow(RangeError);
    expect(() => executor.submitAsync(() => 1, { priority: '1' as never })).toThrow(TypeError);
    expect(() => executor.submitAsync(() => 1, { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => executor.submitAsync(() => 1, { signal: 'x' as never })).toThrow(TypeError);
    expect(() => executor.submitAsync(() => 1, { name: 1 as never })).toThrow(TypeError);
    expect(() => executor.submitAsync(() => 1, 'opts' as never)).toThrow(TypeError);
    expect(() => executor.mapAsync('x' as never, [])).toThrow(TypeError);
    expect(() => executor.mapAsync((x) => x, 5 as never)).toThrow(TypeError);
    expect(() => executor.mapAsync((x) => x, [], { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => executor.mapAsync((x) => x, [], { stopOnError: 'yes' as never })).toThrow(TypeError);
    expect(() => executor.mapAsync((x) => x, [], { onError: 1 as never })).toThrow(TypeError);
    expect(() => executor.mapAsync((x) => x, [], { limiter: {} as never })).toThrow(TypeError);
    expect(() => executor.shutdown({ cancelPending: 1 as never })).toThrow(TypeError);
    expect(() => executor.shutdown({ wait: 'no' as never })).toThrow(TypeError);
    expect(executor.stats().queued).toBe(0);
  });

  it('still validates arguments after shutdown', async () => {
    const executor = new AsyncExecutor(1);
    await executor.shutdown();
    expect(() => executor.submitAsync(null as never)).toThrow(TypeError);
    expect(() => executor.mapAsync((x) => x, null as never)).toThrow(TypeError);
  });
});

describe('AsyncExecutor submission times', () => {
  it('reads the clock once for the tasks queued in one synchronous run, and again for the next run', async () => {
    const clock = fakeClock();
    let reads = 0;
    const counting = {
      now: () => {
        reads++;
        return clock.now() + reads / 1000; // every reading differs, so shared ones show
      },
      setTimeout: clock.setTimeout.bind(clock),
      clearTimeout: clock.clearTimeout.bind(clock),
    };
    const executor = new AsyncExecutor({ maxWorkers: 1, clock: counting });
    const off = executor.on('taskQueued', () => {});
    const gate = deferred<void>();
    const first = executor.submitAsync(() => gate.promise);
    const burst = [executor.submitAsync(async () => 1), executor.submitAsync(async () => 2)];
    await Promise.resolve();
    const later = executor.submitAsync(async () => 3);
    const [a, b] = burst.map((t) => t.submittedAt);
    expect(a).toBeDefined();
    expect(b).toBe(a); // one reading for the burst
    expect(later.submittedAt).toBeGreaterThan(a as number); // a new run reads again
    expect(first.submittedAt).not.toBe(a); // a task that starts at once has a fresh reading of its own
    gate.resolve();
    await Promise.all([first, ...burst, later]);
    off();
    await executor.shutdown();
  });
});
