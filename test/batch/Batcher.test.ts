import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { Batcher, type BatcherOptions } from '../../src/batch/Batcher.js';
import { CancelledError, QueueShutDownError, TimeoutError } from '../../src/core/errors.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles } from '../support/work.js';

/** A batcher that doubles numbers and records every batch it was given. */
function doubler(extra: Partial<BatcherOptions<number, number>> = {}) {
  const clock = fakeClock();
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>({
    handler: (items) => {
      batches.push(items);
      return items.map((n) => n * 2);
    },
    clock,
    ...extra,
  });
  return { batcher, batches, clock };
}

describe('Batcher options', () => {
  it('names the option and the value for a bad handler, maxSize, maxWait or clock', () => {
    const handler = (items: number[]) => items;
    expect(() => new Batcher({} as never)).toThrow(/options\.handler/);
    expect(() => new Batcher(undefined as never)).toThrow(TypeError);
    expect(() => new Batcher({ handler, maxSize: 0 })).toThrow(/options\.maxSize.*0/);
    expect(() => new Batcher({ handler, maxSize: 2.5 })).toThrow(RangeError);
    expect(() => new Batcher({ handler, maxSize: '10' as never })).toThrow(TypeError);
    expect(() => new Batcher({ handler, maxWait: -1 })).toThrow(/options\.maxWait/);
    expect(() => new Batcher({ handler, maxWait: Number.NaN })).toThrow(RangeError);
    expect(() => new Batcher({ handler, clock: Date as never })).toThrow(/options\.clock/);
  });

  it('throws synchronously from add() for bad options', () => {
    const { batcher } = doubler();
    expect(() => batcher.add(1, { timeout: Number.NaN })).toThrow(/add options\.timeout/);
    expect(() => batcher.add(1, { signal: {} as never })).toThrow(/add options\.signal/);
    expect(batcher.stats().pending).toBe(0);
  });
});

describe('Batcher', () => {
  it('resolves each add() with its own result from one handler call', async () => {
    const { batcher, batches, clock } = doubler();
    const results = Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    await clock.advance(10);
    expect(await results).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends a batch as soon as maxSize items are pending, without waiting for the timer', async () => {
    const { batcher, batches, clock } = doubler({ maxSize: 2 });
    const a = batcher.add(1);
    const b = batcher.add(2);
    expect(batches).toEqual([[1, 2]]);
    expect(clock.pending()).toEqual([]);
    const c = batcher.add(3);
    expect(await Promise.all([a, b])).toEqual([2, 4]);
    expect(batcher.stats().pending).toBe(1);
    await clock.advance(10);
    expect(await c).toBe(6);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('sends a partial batch maxWait ms after its first item, not a tick earlier', async () => {
    const { batcher, batches, clock } = doubler({ maxWait: 50 });
    const a = batcher.add(1);
    await clock.advance(30);
    const b = batcher.add(2);
    await clock.advance(19);
    expect(batches).toEqual([]);
    await clock.advance(1);
    expect(batches).toEqual([[1, 2]]);
    expect(await Promise.all([a, b])).toEqual([2, 4]);
    expect(clock.pending()).toEqual([]);
  });

  it('flush() sends the pending batch now and resolves once its results are delivered', async () => {
    const { batcher, batches, clock } = doubler({ maxWait: Number.POSITIVE_INFINITY });
    const a = batcher.add(5);
    expect(clock.pending()).toEqual([]);
    await clock.advance(1_000_000);
    expect(batches).toEqual([]);
    let got: number | undefined;
    void a.then((v) => (got = v));
    await batcher.flush();
    await Promise.resolve();
    expect(got).toBe(10);
    await expect(batcher.flush()).resolves.toBeUndefined();
    expect(batches).toEqual([[5]]);
  });

  it('rejects every add() of a batch when the handler throws or rejects', async () => {
    const boom = new Error('bulk insert failed');
    const { batcher, clock } = doubler({
      handler: async () => {
        throw boom;
      },
    });
    const a = expect(batcher.add(1)).rejects.toBe(boom);
    const b = expect(batcher.add(2)).rejects.toBe(boom);
    await clock.advance(10);
    await a;
    await b;
    const sync = new Batcher<number, number>({
      handler: () => {
        throw boom;
      },
      maxSize: 1,
    });
    await expect(sync.add(1)).rejects.toBe(boom);
  });

  it('rejects the whole batch with TypeError when the handler returns another length or no array', async () => {
    const { batcher } = doubler({ handler: (items) => items.slice(1), maxSize: 2 });
    const a = batcher.add(1);
    const b = batcher.add(2);
    await expect(a).rejects.toThrow(TypeError);
    await expect(b).rejects.toThrow(/one result per item \(2\)/);
    const { batcher: other } = doubler({ handler: () => 'nope' as never, maxSize: 1 });
    await expect(other.add(1)).rejects.toThrow(TypeError);
  });

  it('rejects only add i when the handler puts an Error at position i', async () => {
    const missing = new Error('no user 2');
    const { batcher } = doubler({
      handler: (items) => items.map((n) => (n === 2 ? missing : n * 2)),
      maxSize: 3,
    });
    const [a, b, c] = await Promise.allSettled([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(a).toEqual({ status: 'fulfilled', value: 2 });
    expect(b).toEqual({ status: 'rejected', reason: missing });
    expect(c).toEqual({ status: 'fulfilled', value: 6 });
  });

  it('drops an aborted add() from the pending batch and stops the timer once nothing is pending', async () => {
    const { batcher, batches, clock } = doubler();
    const controller = new AbortController();
    const reason = { why: 'user left' };
    const a = batcher.add(1, { signal: controller.signal });
    expect(clock.pending()).toHaveLength(1);
    controller.abort(reason);
    await expect(a).rejects.toBe(reason);
    expect(batcher.stats().pending).toBe(0);
    expect(clock.pending()).toEqual([]);
    const b = batcher.add(2);
    await clock.advance(10);
    expect(await b).toBe(4);
    expect(batches).toEqual([[2]]);
    await expect(batcher.add(3, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
    expect(batcher.stats().pending).toBe(0);
  });

  it('rejects an add() with TimeoutError after its timeout, even once its batch was sent', async () => {
    const gate = deferred<number[]>();
    const clock = fakeClock();
    const batcher = new Batcher<number, number>({ handler: () => gate.promise, maxSize: 2, clock });
    const a = batcher.add(1, { timeout: 100 });
    const b = batcher.add(2);
    const timedOut = expect(a).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(100);
    await timedOut;
    gate.resolve([10, 20]);
    expect(await b).toBe(20);
    expect(clock.pending()).toEqual([]);
  });

  it("aborts the handler's signal once every caller of the batch has given up", async () => {
    const signals: AbortSignal[] = [];
    const batcher = new Batcher<number, number>({
      handler: (_items, signal) => {
        signals.push(signal);
        return neverSettles(signal);
      },
      maxSize: 2,
    });
    const c1 = new AbortController();
    const c2 = new AbortController();
    const a = batcher.add(1, { signal: c1.signal });
    const b = batcher.add(2, { signal: c2.signal });
    c1.abort('first left');
    await expect(a).rejects.toBe('first left');
    expect(signals[0]!.aborted).toBe(false);
    c2.abort('second left');
    await expect(b).rejects.toBe('second left');
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(CancelledError);
    await batcher.close();
    expect(getEventListeners(c1.signal, 'abort')).toHaveLength(0);
  });

  it('close() sends the pending batch, waits for running ones, and later adds reject with QueueShutDownError', async () => {
    const gate = deferred();
    const { batcher, batches, clock } = doubler({
      handler: async (items) => {
        batches.push(items);
        await gate.promise;
        return items;
      },
    });
    const a = batcher.add(1);
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    expect(batches).toEqual([[1]]);
    expect(clock.pending()).toEqual([]);
    await expect(batcher.add(2)).rejects.toBeInstanceOf(QueueShutDownError);
    await flush();
    expect(closed).toBe(false);
    expect(batcher.stats()).toEqual({ pending: 0, running: 1, batches: 1, items: 1 });
    gate.resolve();
    await closing;
    expect(await a).toBe(1);
    expect(batcher.close()).toBe(batcher.close());
    await batcher[Symbol.asyncDispose]();
    expect(batcher.stats()).toEqual({ pending: 0, running: 0, batches: 1, items: 1 });
  });

  it('sends on the next macrotask with maxWait 0, and per item with maxSize 1', async () => {
    const { batcher, batches, clock } = doubler({ maxWait: 0 });
    const a = batcher.add(1);
    const b = batcher.add(2);
    expect(batches).toEqual([]);
    await clock.advance(0);
    expect(await Promise.all([a, b])).toEqual([2, 4]);
    const { batcher: single, batches: singles } = doubler({ maxSize: 1 });
    await Promise.all([single.add(1), single.add(2)]);
    expect(singles).toEqual([[1], [2]]);
  });
});

describe('Batcher, as SPEC states it', () => {
  it('sends a batch at once when maxSize (default 100) items are pending', async () => {
    const clock = fakeClock();
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>({
      clock,
      handler: (items) => {
        sizes.push(items.length);
        return items;
      },
    });
    const adds = Array.from({ length: 99 }, (_, i) => batcher.add(i));
    await flush();
    expect(sizes).toEqual([]);
    adds.push(batcher.add(99));
    await flush();
    expect(sizes).toEqual([100]);
    expect(await Promise.all(adds)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await batcher.close();
  });

  it('sends the pending batch maxWait (default 10) ms after its first item', async () => {
    const clock = fakeClock();
    const batches: string[][] = [];
    const batcher = new Batcher<string, string>({
      clock,
      handler: (items) => {
        batches.push(items);
        return items.map((s) => s.toUpperCase());
      },
    });
    const a = batcher.add('a');
    await clock.advance(5);
    const b = batcher.add('b');
    await clock.advance(4);
    expect(batches).toEqual([]);
    await clock.advance(1);
    expect(batches).toEqual([['a', 'b']]);
    expect(await Promise.all([a, b])).toEqual(['A', 'B']);
    await batcher.close();
  });

  it('flush() sends the pending batch now', async () => {
    const clock = fakeClock();
    const handler = vi.fn((items: number[]) => items.map((n) => n * 2));
    const batcher = new Batcher({ clock, maxWait: 1000, handler });
    const p = batcher.add(21);
    await batcher.flush();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(await p).toBe(42);
    expect(clock.pending()).toHaveLength(0);
    await batcher.close();
  });

  it('close() flushes the pending batch and stops the timer', async () => {
    const clock = fakeClock();
    const handler = vi.fn((items: number[]) => items);
    const batcher = new Batcher({ clock, maxWait: 1000, handler });
    const p = batcher.add(7);
    expect(clock.pending()).toHaveLength(1);
    const closed = batcher.close();
    expect(clock.pending()).toHaveLength(0);
    await closed;
    expect(handler).toHaveBeenCalledWith([7], expect.any(AbortSignal));
    expect(await p).toBe(7);
    await expect(batcher.add(8)).rejects.toBeInstanceOf(Error);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('calls handler(items, signal) with the items in add order', async () => {
    const clock = fakeClock();
    const calls: [number[], AbortSignal][] = [];
    const batcher = new Batcher<number, number>({
      clock,
      maxSize: 3,
      handler: (items, signal) => {
        calls.push([items, signal]);
        return items;
      },
    });
    await Promise.all([batcher.add(3), batcher.add(1), batcher.add(2)]);
    expect(calls[0]![0]).toEqual([3, 1, 2]);
    expect(calls[0]![1]).toBeInstanceOf(AbortSignal);
    await batcher.close();
  });

  it('rejects every add of a batch with TypeError when the result has another length', async () => {
    const clock = fakeClock();
    const batcher = new Batcher<number, number>({ clock, maxSize: 2, handler: () => [1] });
    const [a, b] = [batcher.add(1), batcher.add(2)];
    await expect(a).rejects.toBeInstanceOf(TypeError);
    await expect(b).rejects.toBeInstanceOf(TypeError);
    await batcher.close();
  });

  it('rejects every add of a batch with the error the handler throws or rejects with', async () => {
    const clock = fakeClock();
    const error = new Error('backend down');
    for (const handler of [
      () => {
        throw error;
      },
      () => Promise.reject(error),
    ]) {
      const batcher = new Batcher<number, number>({ clock, maxSize: 2, handler });
      const [a, b] = [batcher.add(1), batcher.add(2)];
      await expect(a).rejects.toBe(error);
      await expect(b).rejects.toBe(error);
      await batcher.close();
    }
  });

  it('rejects only add i when the result at position i is an Error', async () => {
    const clock = fakeClock();
    const error = new RangeError('no such id');
    const batcher = new Batcher<number, string>({
      clock,
      maxSize: 3,
      handler: (items) => items.map((n) => (n === 2 ? error : `#${n}`)),
    });
    const [a, b, c] = [batcher.add(1), batcher.add(2), batcher.add(3)];
    await expect(a).resolves.toBe('#1');
    await expect(b).rejects.toBe(error);
    await expect(c).resolves.toBe('#3');
    await batcher.close();
  });

  it('rejects an add with signal.reason on abort and leaves it out of the batch', async () => {
    const clock = fakeClock();
    const handler = vi.fn((items: number[]) => items);
    const batcher = new Batcher({ clock, handler });
    const controller = new AbortController();
    const gone = batcher.add(1, { signal: controller.signal });
    const kept = batcher.add(2);
    const reason = new Error('not needed');
    controller.abort(reason);
    await expect(gone).rejects.toBe(reason);
    await clock.advance(10);
    expect(await kept).toBe(2);
    expect(handler).toHaveBeenCalledWith([2], expect.any(AbortSignal));
    expect(() => batcher.add(3, { timeout: Number.NaN })).toThrow(RangeError);
    await batcher.close();
  });

  it('throws for bad options, naming the option', () => {
    const handler = (items: unknown[]) => items;
    expect(() => new Batcher({ handler, maxSize: 0 })).toThrow(/maxSize/);
    expect(() => new Batcher({ handler, maxSize: 1.5 })).toThrow(RangeError);
    expect(() => new Batcher({ handler, maxWait: Number.NaN })).toThrow(RangeError);
    expect(() => new Batcher({} as never)).toThrow(/handler/);
  });
});
