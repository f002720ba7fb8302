import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { Lock } from '../../src/sync/Lock.js';
import { fakeClock } from '../support/leakCheck.js';
import { logSettled } from '../support/record.js';
import { isGetter } from '../support/shape.js';
import { deferred, flush } from '../support/work.js';

describe('Lock', () => {
  it('admits one holder at a time, in the order they asked', async () => {
    const lock = new Lock();
    const log: string[] = [];
    const holder = await lock.acquire();
    const waits = ['a', 'b'].map((name) =>
      lock.acquire().then((permit) => {
        log.push(name);
        return permit;
      }),
    );
    await flush();
    expect(log).toEqual([]);
    holder.release();
    await flush();
    expect(log).toEqual(['a']);
    (await waits[0]!).release();
    await flush();
    expect(log).toEqual(['a', 'b']);
    (await waits[1]!).release();
    expect(lock.locked).toBe(false);
  });

  it('throws an Error saying the lock is not held when releasing an unheld lock', async () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(/not held/);
    let caught: unknown;
    try {
      lock.release();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).not.toBeInstanceOf(RangeError);

    const permit = await lock.acquire();
    permit.release();
    permit.release();
    expect(() => lock.release()).toThrow(/not held/);
  });

  it('reports locked while held and not after release', async () => {
    const lock = new Lock();
    expect(lock.locked).toBe(false);
    expect(lock.tryAcquire()).toBe(true);
    expect(lock.locked).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    expect(lock.stats()).toEqual({ locked: true, waiting: 0 });
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('hands the lock to the waiter on release, so tryAcquire from a newcomer fails', async () => {
    const lock = new Lock();
    lock.tryAcquire();
    const waiter = lock.acquire();
    lock.release();
    expect(lock.locked).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    (await waiter).release();
    expect(lock.tryAcquire()).toBe(true);
    lock.release();
  });

  it('keeps critical sections of run() from overlapping and releases after a failure', async () => {
    const lock = new Lock();
    let inside = 0;
    let peak = 0;
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, i) =>
      lock.run(async () => {
        inside++;
        peak = Math.max(peak, inside);
        await gate.promise;
        inside--;
        if (i === 1) throw new Error('second failed');
        return i;
      }),
    );
    const settled = Promise.allSettled(runs);
    for (const gate of gates) {
      await flush();
      expect(inside).toBe(1);
      gate.resolve();
    }
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(peak).toBe(1);
    expect(lock.locked).toBe(false);
  });

  it('releases at the end of a `using` block', async () => {
    const lock = new Lock();
    {
      using _held = await lock.acquire();
      expect(lock.locked).toBe(true);
    }
    expect(lock.locked).toBe(false);
  });

  it('times out a waiter with TimeoutError and leaves the lock with its holder', async () => {
    const clock = fakeClock();
    const lock = new Lock({ clock });
    const holder = await lock.acquire();
    const p = lock.acquire({ timeout: 20 });
    const timedOut = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(20);
    await timedOut;
    expect(lock.stats()).toEqual({ locked: true, waiting: 0 });
    holder.release();
    expect(lock.locked).toBe(false);
  });

  it('throws synchronously on bad options', () => {
    expect(() => new Lock({ clock: 5 as never })).toThrow(TypeError);
    const lock = new Lock();
    expect(() => lock.acquire({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => lock.run(null as never)).toThrow(TypeError);
    expect(lock.locked).toBe(false);
  });
});

describe('Lock, as SPEC states it', () => {
  it('is FIFO with no barging and locked reflects whether acquire() would wait', async () => {
    const lock = new Lock();
    expect(lock.locked).toBe(false);
    const log: string[] = [];
    const first = await lock.acquire();
    expect(lock.locked).toBe(true);
    logSettled(lock.acquire(), log, 'a');
    logSettled(lock.acquire(), log, 'b');
    first.release();
    expect(lock.tryAcquire()).toBe(false);
    await flush();
    expect(log).toEqual(['a']);
    lock.release();
    await flush();
    expect(log).toEqual(['a', 'b']);
    lock.release();
    expect(lock.locked).toBe(false);
  });

  it('releasing an unheld Lock throws an Error saying so', () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(Error);
    expect(() => lock.release()).toThrow(/not held/);
    expect(() => lock.release()).not.toThrow(RangeError);
  });

  it('tryAcquire() returns a boolean and the permit releases once', async () => {
    const lock = new Lock();
    expect(lock.tryAcquire()).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    lock.release();
    const p = await lock.acquire();
    p[Symbol.dispose]();
    p[Symbol.dispose]();
    expect(lock.locked).toBe(false);
    expect(() => lock.release()).toThrow(Error);
  });

  it('removes a timed-out waiter and grants the next one', async () => {
    const clock = fakeClock();
    const lock = new Lock({ clock });
    lock.tryAcquire();
    const t = expect(lock.acquire({ timeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    const next = lock.acquire();
    await clock.advance(10);
    await t;
    lock.release();
    (await next).release();
    expect(lock.locked).toBe(false);
  });
});

describe('Lock state, as SPEC states it', () => {
  it('exposes locked as a getter', () => {
    expect(isGetter(Lock.prototype, 'locked')).toBe(true);
  });
});
