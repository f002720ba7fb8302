/**
 * The executor controls p-queue, bottleneck and piscina users reach for: pause/resume, clear, maxWorkers at
 * runtime, maxQueue, a limiter that paces starts, and onIdle/onEmpty/onSizeLessThan.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, QueueFullError, TimeoutError } from '../../src/core/errors.js';
import { AsyncExecutor } from '../../src/executor/AsyncExecutor.js';
import { RateLimiter } from '../../src/resilience/RateLimiter.js';
import { fakeClock } from '../support/leakCheck.js';
import { type Deferred, deferred, flush, track, until } from '../support/work.js';

/** Work that logs its start and finishes when its gate opens (or rejects with its signal's reason). */
function gates() {
  const started: string[] = [];
  const open = new Map<string, Deferred<void>>();
  const work = (name: string) => {
    const gate = deferred();
    open.set(name, gate);
    return (signal: AbortSignal) => {
      started.push(name);
      return until(gate.promise, signal, name);
    };
  };
  return { started, work, open: (name: string) => open.get(name)!.resolve() };
}

describe('AsyncExecutor controls', () => {
  it('pause() holds queued work while running work goes on; resume() starts it', async () => {
    const executor = new AsyncExecutor(2);
    const g = gates();
    const a = executor.submitAsync(g.work('a'));
    executor.pause();
    expect(executor.isPaused).toBe(true);
    const b = executor.submitAsync(g.work('b'));
    await flush();
    expect(g.started).toEqual(['a']);
    expect(executor.stats()).toMatchObject({ running: 1, queued: 1, paused: true });
    g.open('a');
    expect(await a).toBe('a');
    await flush();
    expect(g.started).toEqual(['a']); // a free slot does not start anything while paused
    executor.resume();
    expect(executor.isPaused).toBe(false);
    await flush();
    expect(g.started).toEqual(['a', 'b']);
    g.open('b');
    expect(await b).toBe('b');
    await executor.shutdown();
  });

  it('clear() cancels the queued tasks with the reason, returns how many, and leaves running work alone', async () => {
    const executor = new AsyncExecutor(1);
    const g = gates();
    const running = executor.submitAsync(g.work('run'));
    const queued = [executor.submitAsync(g.work('q1')), executor.submitAsync(g.work('q2'))];
    queued[0]!.cancel(); // already gone: not counted again
    expect(executor.clear('cleared')).toBe(1);
    await expect(queued[1]).rejects.toBe('cleared');
    expect(queued[1]!.status).toBe('cancelled');
    await expect(queued[0]).rejects.toBeInstanceOf(CancelledError);
    expect(executor.size).toBe(0);
    g.open('run');
    expect(await running).toBe('run');
    expect(g.started).toEqual(['run']);
    expect(executor.clear()).toBe(0);
    await executor.shutdown();
  });

  it('clear() keeps a mapAsync call waiting for a slot in its turn', async () => {
    const executor = new AsyncExecutor(1);
    const g = gates();
    const blocker = executor.submitAsync(g.work('blocker'));
    const map = executor.mapAsync((x: number) => x * 2, [1, 2, 3]);
    await flush();
    expect(executor.clear()).toBe(0);
    g.open('blocker');
    await blocker;
    expect(await map).toEqual([2, 4, 6]);
    await executor.shutdown();
  });

  it('maxWorkers can be raised at runtime and starts queued work at once; lowered, it lets running work finish', async () => {
    const executor = new AsyncExecutor(1);
    const g = gates();
    const tasks = ['a', 'b', 'c', 'd'].map((name) => executor.submitAsync(g.work(name)));
    await flush();
    expect(g.started).toEqual(['a']);
    executor.maxWorkers = 3;
    expect(g.started).toEqual(['a', 'b', 'c']); // at once, in the setter's own call
    executor.maxWorkers = 1;
    g.open('a');
    g.open('b');
    await flush();
    expect(g.started).toEqual(['a', 'b', 'c']); // two finished, but one is still running: no room
    g.open('c');
    await flush();
    expect(g.started).toEqual(['a', 'b', 'c', 'd']);
    g.open('d');
    expect(await Promise.all(tasks)).toEqual(['a', 'b', 'c', 'd']);
    expect(executor.stats().maxWorkers).toBe(1);
    await executor.shutdown();
  });

  it('refuses a bad maxWorkers, maxQueue or onSizeLessThan limit with a typed error naming it', () => {
    const executor = new AsyncExecutor(2);
    expect(() => {
      executor.maxWorkers = 0;
    }).toThrow(new RangeError('AsyncExecutor.maxWorkers must be an integer >= 1 or Infinity, got 0.'));
    expect(() => {
      executor.maxWorkers = undefined as never;
    }).toThrow(TypeError);
    expect(executor.maxWorkers).toBe(2);
    expect(() => new AsyncExecutor({ maxQueue: -1 })).toThrow(
      /maxQueue must be an integer >= 0 or Infinity, got -1/,
    );
    expect(() => new AsyncExecutor({ maxQueue: 1.5 })).toThrow(RangeError);
    expect(() => new AsyncExecutor({ limiter: {} as never })).toThrow(
      /options\.limiter must be an object with acquire/,
    );
    expect(() => executor.onSizeLessThan(0)).toThrow(RangeError);
    expect(() => executor.onSizeLessThan(Number.NaN)).toThrow(RangeError);
    expect(() => executor.onIdle({ timeout: Number.NaN })).toThrow(RangeError);
  });

  it('maxQueue sheds load: a submit that would queue past it comes back rejected with QueueFullError and never runs', async () => {
    const executor = new AsyncExecutor({ maxWorkers: 1, maxQueue: 1 });
    const g = gates();
    const running = executor.submitAsync(g.work('run'));
    const queued = executor.submitAsync(g.work('queued'));
    let ran = false;
    const shed = executor.submitAsync(() => {
      ran = true;
    });
    expect(shed.status).toBe('rejected');
    await expect(shed).rejects.toBeInstanceOf(QueueFullError);
    expect(executor.stats()).toMatchObject({ running: 1, queued: 1, maxQueue: 1 });
    g.open('run');
    await running;
    await flush();
    g.open('queued');
    await queued;
    expect(ran).toBe(false);
    await executor.shutdown();
  });

  it('maxQueue: 0 accepts only work that can start at once', async () => {
    const executor = new AsyncExecutor({ maxWorkers: 1, maxQueue: 0 });
    const g = gates();
    const first = executor.submitAsync(g.work('first'));
    await expect(executor.submitAsync(() => 'second')).rejects.toBeInstanceOf(QueueFullError);
    g.open('first');
    await first;
    expect(await executor.submitAsync(() => 'third')).toBe('third');
    await executor.shutdown();
  });
});

describe('AsyncExecutor limiter', () => {
  it('paces starts: every task takes one token first, and a task waiting for its token counts as queued', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 2, per: 1000, clock });
    const executor = new AsyncExecutor({ maxWorkers: 10, limiter, clock });
    const starts: number[] = [];
    const tasks = [0, 1, 2, 3, 4].map(() => executor.submitAsync(() => starts.push(clock.now())));
    await flush();
    expect(starts).toEqual([0, 0]); // the bucket starts full: burst = rate = 2
    expect(executor.stats()).toMatchObject({ queued: 3, running: 0 });
    await clock.advance(500);
    expect(starts).toEqual([0, 0, 500]);
    await clock.advance(1000);
    expect(starts).toEqual([0, 0, 500, 1000, 1500]);
    await Promise.all(tasks);
    expect(executor.stats()).toMatchObject({ queued: 0, completed: 5 });
    await executor.shutdown();
  });

  it('hands tokens out in queue order (priority, then FIFO), and a task cancelled while waiting passes its turn on', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 1, clock });
    const executor = new AsyncExecutor({ maxWorkers: 4, limiter, clock });
    const order: string[] = [];
    const run = (name: string, priority = 0) =>
      executor.submitAsync(
        () => {
          order.push(name);
        },
        { priority },
      );
    const first = run('first');
    const low = run('low');
    const dropped = run('dropped', 5);
    const high = run('high', 9);
    dropped.cancel();
    await flush();
    await clock.advance(300);
    await Promise.all([first, low, high]);
    await expect(dropped).rejects.toBeInstanceOf(CancelledError);
    expect(order).toEqual(['first', 'high', 'low']);
    await executor.shutdown();
  });

  it('leaves no token request behind when nothing waits any more', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 1000, burst: 1, clock });
    const executor = new AsyncExecutor({ maxWorkers: 4, limiter, clock });
    await executor.submitAsync(() => 'takes the only token');
    const waiting = executor.submitAsync(() => 'never');
    await flush();
    expect(limiter.stats().waiting).toBe(1);
    waiting.cancel();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(limiter.stats().waiting).toBe(0);
    expect(clock.pending()).toEqual([]);
    await executor.shutdown();
  });

  it('paces the items of mapAsync too, one token per item', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 1, clock });
    const executor = new AsyncExecutor({ maxWorkers: 4, limiter, clock });
    const starts: number[] = [];
    const call = executor.mapAsync(
      (x: number) => {
        starts.push(clock.now());
        return x;
      },
      [1, 2, 3],
    );
    for (let t = 0; t < 3; t++) {
      await flush();
      await clock.advance(100);
    }
    expect(await call).toEqual([1, 2, 3]);
    expect(starts).toEqual([0, 100, 200]);
    await executor.shutdown();
  });
});

describe('AsyncExecutor waits', () => {
  it('onEmpty() resolves once nothing is queued, onIdle() once nothing runs either', async () => {
    const executor = new AsyncExecutor(1);
    const g = gates();
    await executor.onIdle(); // at once when idle
    const a = executor.submitAsync(g.work('a'));
    const b = executor.submitAsync(g.work('b'));
    const empty = track(executor.onEmpty());
    const idle = track(executor.onIdle());
    await flush();
    expect([empty.settled, idle.settled]).toEqual([false, false]);
    g.open('a');
    await a;
    await flush();
    expect([empty.settled, idle.settled]).toEqual([true, false]);
    g.open('b');
    await b;
    await flush();
    expect(idle.settled).toBe(true);
    await executor.shutdown();
  });

  it('onSizeLessThan(n) resolves once fewer than n tasks wait', async () => {
    const executor = new AsyncExecutor(1);
    const g = gates();
    const tasks = ['a', 'b', 'c', 'd'].map((name) => executor.submitAsync(g.work(name)));
    const belowThree = track(executor.onSizeLessThan(3));
    const belowTwo = track(executor.onSizeLessThan(2));
    await flush();
    expect(executor.size).toBe(3);
    expect([belowThree.settled, belowTwo.settled]).toEqual([false, false]);
    g.open('a');
    await flush();
    expect([belowThree.settled, belowTwo.settled]).toEqual([true, false]);
    for (const name of ['b', 'c', 'd']) {
      g.open(name);
      await flush();
    }
    expect(belowTwo.settled).toBe(true);
    await Promise.all(tasks);
    await executor.shutdown();
  });

  it('each wait takes { signal, timeout }: abort rejects with the reason, a timeout with TimeoutError', async () => {
    const clock = fakeClock();
    const executor = new AsyncExecutor({ maxWorkers: 1, clock });
    const g = gates();
    const task = executor.submitAsync(g.work('a'));
    const queued = executor.submitAsync(g.work('b'));
    const controller = new AbortController();
    const aborted = executor.onIdle({ signal: controller.signal });
    const timedOut = executor.onEmpty({ timeout: 50 });
    const sizeWait = executor.onSizeLessThan(1, { timeout: 10 });
    const timeouts = [
      expect(timedOut).rejects.toBeInstanceOf(TimeoutError),
      expect(sizeWait).rejects.toBeInstanceOf(TimeoutError),
    ];
    controller.abort('stop');
    await expect(aborted).rejects.toBe('stop');
    await clock.advance(50);
    await Promise.all(timeouts);
    await expect(executor.onIdle({ signal: AbortSignal.abort('early') })).rejects.toBe('early');
    g.open('a');
    await task;
    await flush();
    g.open('b');
    await queued;
    await executor.shutdown();
  });

  it('shutdown() of a paused executor resumes it, so its queued work still runs', async () => {
    const executor = new AsyncExecutor(1);
    executor.pause();
    const task = executor.submitAsync(() => 'ran');
    await executor.shutdown();
    expect(await task).toBe('ran');
    expect(executor.isPaused).toBe(false);
  });
});
