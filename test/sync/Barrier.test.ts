import { describe, expect, it } from 'vitest';
import { BrokenBarrierError, FerrisError, TimeoutError } from '../../src/core/errors.js';
import { Barrier } from '../../src/sync/Barrier.js';
import { fakeClock } from '../support/leakCheck.js';
import { isGetter } from '../support/shape.js';
import { flush } from '../support/work.js';

describe('Barrier', () => {
  it('releases every party at once when the last arrives, each with its arrival index', async () => {
    const barrier = new Barrier(3);
    expect(barrier.parties).toBe(3);
    const done: number[] = [];
    const arrive = () =>
      barrier.wait().then((i) => {
        done.push(i);
        return i;
      });
    const first = arrive();
    const second = arrive();
    await flush();
    expect(done).toEqual([]);
    expect(barrier.nWaiting).toBe(2);
    const third = barrier.wait();
    expect(barrier.nWaiting).toBe(0);
    expect(await Promise.all([first, second, third])).toEqual([0, 1, 2]);
    expect(done).toEqual([0, 1]);
  });

  it('starts a fresh round after releasing one', async () => {
    const barrier = new Barrier(2);
    expect(await Promise.all([barrier.wait(), barrier.wait()])).toEqual([0, 1]);
    expect(await Promise.all([barrier.wait(), barrier.wait()])).toEqual([0, 1]);
    expect(barrier.broken).toBe(false);
  });

  it('passes at once with one party', async () => {
    const barrier = new Barrier(1);
    expect(await barrier.wait()).toBe(0);
    expect(await barrier.wait()).toBe(0);
  });

  it('rejects the waiting parties and every later wait with BrokenBarrierError after abort()', async () => {
    const barrier = new Barrier(3);
    const a = barrier.wait();
    const b = barrier.wait();
    barrier.abort();
    expect(barrier.broken).toBe(true);
    expect(barrier.nWaiting).toBe(0);
    await expect(a).rejects.toBeInstanceOf(BrokenBarrierError);
    await expect(b).rejects.toBeInstanceOf(BrokenBarrierError);
    await expect(barrier.wait()).rejects.toBeInstanceOf(BrokenBarrierError);
  });

  it('rejects the waiting parties on reset() and is usable again afterwards', async () => {
    const barrier = new Barrier(2);
    const a = barrier.wait();
    barrier.reset();
    await expect(a).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(barrier.broken).toBe(false);
    expect(await Promise.all([barrier.wait(), barrier.wait()])).toEqual([0, 1]);

    barrier.abort();
    barrier.reset();
    expect(barrier.broken).toBe(false);
    expect(await Promise.all([barrier.wait(), barrier.wait()])).toEqual([0, 1]);
  });

  it('lets an aborted waiter leave the round without breaking it, as asyncio does', async () => {
    const barrier = new Barrier(3);
    const other = barrier.wait();
    const controller = new AbortController();
    const leaving = barrier.wait({ signal: controller.signal });
    const reason = new Error('this party left');
    controller.abort(reason);
    await expect(leaving).rejects.toBe(reason);
    expect(barrier.broken).toBe(false);
    expect(barrier.nWaiting).toBe(1);
    // The round still needs two more parties; the indices count the parties that stayed, in arrival order.
    expect(await Promise.all([other, barrier.wait(), barrier.wait()])).toEqual([0, 1, 2]);
  });

  it('lets a waiter that times out leave the round without breaking it', async () => {
    const clock = fakeClock();
    const barrier = new Barrier(2, { clock });
    const other = barrier.wait();
    const impatient = barrier.wait({ timeout: 30 });
    expect(await impatient).toBe(1); // the round filled before the timeout: it resolved, no timer left
    expect(await other).toBe(0);
    const alone = barrier.wait({ timeout: 30 });
    const timedOut = expect(alone).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(30);
    await timedOut;
    expect(barrier.broken).toBe(false);
    expect(barrier.nWaiting).toBe(0);
    expect(await Promise.all([barrier.wait(), barrier.wait()])).toEqual([0, 1]);
  });

  it('refuses an already-aborted wait without arriving or breaking the barrier', async () => {
    const barrier = new Barrier(2);
    const first = barrier.wait();
    await expect(barrier.wait({ signal: AbortSignal.abort('not today') })).rejects.toBe('not today');
    expect(barrier.broken).toBe(false);
    expect(barrier.nWaiting).toBe(1);
    expect(await Promise.all([first, barrier.wait()])).toEqual([0, 1]);
  });

  it('ignores aborts that come after the round completed', async () => {
    const barrier = new Barrier(2);
    const controller = new AbortController();
    const a = barrier.wait({ signal: controller.signal });
    const b = barrier.wait();
    controller.abort();
    expect(await Promise.all([a, b])).toEqual([0, 1]);
    expect(barrier.broken).toBe(false);
  });

  it('throws synchronously on bad parties or options', () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(-2)).toThrow(/Barrier parties.*-2/);
    expect(() => new Barrier(1.5)).toThrow(RangeError);
    expect(() => new Barrier(Number.NaN)).toThrow(RangeError);
    expect(() => new Barrier(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => new Barrier('3' as unknown as number)).toThrow(TypeError);
    expect(() => new Barrier(undefined as unknown as number)).toThrow(TypeError);
    const barrier = new Barrier(2);
    expect(() => barrier.wait({ timeout: Number.NaN })).toThrow(RangeError);
    expect(barrier.nWaiting).toBe(0);
  });
});

describe('Barrier, as SPEC states it', () => {
  it('resolves wait() to the arrival index and releases everyone when the last party arrives', async () => {
    const barrier = new Barrier(3);
    expect(barrier.parties).toBe(3);
    const a = barrier.wait();
    const b = barrier.wait();
    expect(barrier.nWaiting).toBe(2);
    const c = barrier.wait();
    expect(await Promise.all([a, b, c])).toEqual([0, 1, 2]);
    expect(barrier.nWaiting).toBe(0);
    expect(barrier.broken).toBe(false);
    const again = [barrier.wait(), barrier.wait(), barrier.wait()];
    expect(await Promise.all(again)).toEqual([0, 1, 2]);
  });

  it('abort() rejects waiting parties with BrokenBarrierError and later waits reject until reset()', async () => {
    const barrier = new Barrier(2);
    const a = barrier.wait();
    barrier.abort();
    await expect(a).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(barrier.broken).toBe(true);
    await expect(barrier.wait()).rejects.toBeInstanceOf(BrokenBarrierError);
    barrier.reset();
    expect(barrier.broken).toBe(false);
    expect(await Promise.all([barrier.wait(), barrier.wait()])).toEqual([0, 1]);
  });

  it('reset() rejects the parties still waiting with BrokenBarrierError and leaves it usable', async () => {
    const barrier = new Barrier(3);
    const a = barrier.wait();
    barrier.reset();
    await expect(a).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(barrier.nWaiting).toBe(0);
    expect(new BrokenBarrierError()).toBeInstanceOf(FerrisError);
  });

  it('rejects bad parties', () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(1.5)).toThrow(RangeError);
  });
});

describe('Barrier timeouts, as SPEC states them', () => {
  it('rejects a Barrier wait that times out with TimeoutError and one aborted with signal.reason', async () => {
    const clock = fakeClock();
    const barrier = new Barrier(2, { clock });
    const t = expect(barrier.wait({ timeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await t;
    barrier.reset();
    const ac = new AbortController();
    const a = barrier.wait({ signal: ac.signal });
    ac.abort('bye');
    await expect(a).rejects.toBe('bye');
  });
});

describe('Barrier state, as SPEC states it', () => {
  it('exposes nWaiting and broken as getters', () => {
    expect(isGetter(Barrier.prototype, 'nWaiting')).toBe(true);
    expect(isGetter(Barrier.prototype, 'broken')).toBe(true);
  });
});
