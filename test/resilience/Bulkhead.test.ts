import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { QueueFullError, TimeoutError } from '../../src/core/errors.js';
import { Bulkhead } from '../../src/resilience/Bulkhead.js';
import { waitableConformance } from '../support/conformance/waitable.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles } from '../support/work.js';

/** A call that holds its slot until the returned deferred settles. */
function hold(bulkhead: Bulkhead, options?: Parameters<Bulkhead['run']>[1]) {
  const gate = deferred<string>();
  let started = false;
  let signal: AbortSignal | undefined;
  const result = bulkhead.run((s) => {
    started = true;
    signal = s;
    return gate.promise;
  }, options);
  return {
    gate,
    result,
    get started() {
      return started;
    },
    get signal() {
      return signal;
    },
  };
}

describe('Bulkhead', () => {
  it('runs up to maxConcurrent calls at once and passes results and errors through', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 2, maxQueue: 5, clock: fakeClock() });
    const a = hold(bulkhead);
    const b = hold(bulkhead);
    const c = hold(bulkhead);
    expect([a.started, b.started, c.started]).toEqual([true, true, false]);
    expect(bulkhead.stats()).toMatchObject({ running: 2, queued: 1 });
    a.gate.resolve('a');
    await expect(a.result).resolves.toBe('a');
    await flush();
    expect(c.started).toBe(true);
    const error = new Error('own error');
    b.gate.reject(error);
    await expect(b.result).rejects.toBe(error);
    c.gate.resolve('c');
    await expect(c.result).resolves.toBe('c');
    expect(bulkhead.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('refuses a call at once with QueueFullError when every slot runs and the queue is full, without calling fn', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, clock: fakeClock() });
    const a = hold(bulkhead);
    const b = hold(bulkhead);
    let called = false;
    const refused = bulkhead.run(() => {
      called = true;
    });
    await expect(refused).rejects.toBeInstanceOf(QueueFullError);
    expect(called).toBe(false);
    expect(bulkhead.stats()).toEqual({ running: 1, queued: 1, rejected: 1, maxConcurrent: 1, maxQueue: 1 });
    a.gate.resolve('a');
    b.gate.resolve('b');
    await expect(Promise.all([a.result, b.result])).resolves.toEqual(['a', 'b']);
  });

  it('queues nothing by default: maxQueue is 0', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    const a = hold(bulkhead);
    await expect(bulkhead.run(() => 'b')).rejects.toThrow(/maxConcurrent/);
    a.gate.resolve('a');
    await a.result;
    await expect(bulkhead.run(() => 'c')).resolves.toBe('c');
  });

  it('serves queued calls in FIFO order as slots free up', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: Number.POSITIVE_INFINITY });
    const first = hold(bulkhead);
    const order: number[] = [];
    const rest = [1, 2, 3].map((i) => bulkhead.run(() => order.push(i)));
    first.gate.resolve('first');
    await Promise.all(rest);
    expect(order).toEqual([1, 2, 3]);
  });

  it('emits rejected with the occupancy when it refuses a call', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    const seen: unknown[] = [];
    const off = bulkhead.on('rejected', (event) => seen.push(event));
    const a = hold(bulkhead);
    await bulkhead.run(() => 1).catch(() => {});
    off();
    await bulkhead.run(() => 1).catch(() => {});
    expect(seen).toEqual([{ running: 1, queued: 0 }]);
    a.gate.resolve('a');
    await a.result;
  });

  it('gives fn a signal that aborts with the caller’s reason, and rejects at once while fn keeps its slot', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const controller = new AbortController();
    const a = hold(bulkhead, { signal: controller.signal });
    const reason = { why: 'user left' };
    controller.abort(reason);
    await expect(a.result).rejects.toBe(reason);
    expect(a.signal?.aborted).toBe(true);
    expect(a.signal?.reason).toBe(reason);
    // The abandoned fn has not settled: it still holds the only slot.
    const next = hold(bulkhead);
    expect(next.started).toBe(false);
    expect(bulkhead.stats()).toMatchObject({ running: 1, queued: 1 });
    a.gate.resolve('late');
    await flush();
    expect(next.started).toBe(true);
    next.gate.resolve('next');
    await expect(next.result).resolves.toBe('next');
  });

  it('times out a running call with TimeoutError and aborts its signal, counting from the call, queue time included', async () => {
    const clock = fakeClock();
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
    const first = hold(bulkhead);
    let signal: AbortSignal | undefined;
    const second = bulkhead.run(
      (s) => {
        signal = s;
        return neverSettles(s);
      },
      { timeout: 100 },
    );
    const timedOut = expect(second).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(60);
    first.gate.resolve('first');
    await first.result;
    await flush();
    expect(signal?.aborted).toBe(false);
    await clock.advance(39);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    await timedOut;
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
    expect(clock.pending()).toEqual([]);
  });

  it('never calls fn when the signal is already aborted, and takes no slot', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    const reason = new Error('gone');
    let called = false;
    await expect(
      bulkhead.run(
        () => {
          called = true;
        },
        { signal: AbortSignal.abort(reason) },
      ),
    ).rejects.toBe(reason);
    expect(called).toBe(false);
    expect(bulkhead.stats().running).toBe(0);
  });

  it('releases the slot when fn throws synchronously', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    const error = new Error('sync');
    await expect(
      bulkhead.run(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    await expect(bulkhead.run(() => 'next')).resolves.toBe('next');
  });

  it('runs a long queue of calls that throw synchronously, each rejecting with its own error', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: Number.POSITIVE_INFINITY });
    const calls = Array.from({ length: 20_000 }, (_, i) =>
      bulkhead.run(() => {
        throw new Error(`call ${i}`);
      }),
    );
    const settled = await Promise.allSettled(calls);
    expect(
      settled.every((s, i) => s.status === 'rejected' && (s.reason as Error).message === `call ${i}`),
    ).toBe(true);
    expect(bulkhead.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('leaves no abort listener on the caller’s signal once a call settles', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1, clock: fakeClock() });
    const controller = new AbortController();
    const a = hold(bulkhead, { signal: controller.signal, timeout: 1000 });
    const b = hold(bulkhead, { signal: controller.signal, timeout: 1000 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    a.gate.resolve('a');
    await a.result;
    await flush();
    b.gate.resolve('b');
    await b.result;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects bad options synchronously, naming the option and the value', () => {
    // @ts-expect-error maxConcurrent is required
    expect(() => new Bulkhead({})).toThrow(/maxConcurrent is required/);
    expect(() => new Bulkhead({ maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => new Bulkhead({ maxConcurrent: 1, maxQueue: -1 })).toThrow(/maxQueue.*-1/);
    expect(() => new Bulkhead({ maxConcurrent: 1, maxQueue: 1.5 })).toThrow(RangeError);
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    // @ts-expect-error fn must be a function
    expect(() => bulkhead.run('nope')).toThrow(TypeError);
    expect(() => bulkhead.run(() => 1, { timeout: Number.NaN })).toThrow(RangeError);
  });
});

waitableConformance({
  name: 'Bulkhead.run of instant calls behind one long call',
  // Each waiting call returns at once once it runs, so freeing the long call's slot lets every queued call
  // through in turn, in FIFO order: one release wakes all.
  wakes: 'all',
  make: ({ clock }) => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: Number.POSITIVE_INFINITY, clock });
    const long = deferred();
    void bulkhead.run(() => long.promise);
    return {
      wait: (options) => bulkhead.run(() => 'ran', options),
      // The long call's slot passes on once its promise settles: wait for the queued calls to get through.
      release: async () => {
        long.resolve();
        await flush();
      },
      waiting: () => bulkhead.stats().queued,
    };
  },
});
