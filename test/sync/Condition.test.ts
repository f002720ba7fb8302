import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { Condition } from '../../src/sync/Condition.js';
import { Lock } from '../../src/sync/Lock.js';
import { fakeClock } from '../support/leakCheck.js';
import { flush } from '../support/work.js';

/** Starts a task that takes the lock, waits once and records whether it held the lock when the wait settled. */
function waiter(cond: Condition, log: string[], name: string, options?: Parameters<Condition['wait']>[0]) {
  return cond.run(async () => {
    try {
      const value = await cond.wait(options);
      log.push(`${name} woke holding=${cond.locked}`);
      return value;
    } catch (error) {
      log.push(`${name} failed holding=${cond.locked}`);
      throw error;
    }
  });
}

describe('Condition', () => {
  it('releases the lock while waiting and holds it again when wait() resolves to true', async () => {
    const cond = new Condition();
    const log: string[] = [];
    const w = waiter(cond, log, 'w');
    await flush();
    expect(cond.locked).toBe(false);
    await cond.run(() => cond.notify());
    expect(await w).toBe(true);
    expect(log).toEqual(['w woke holding=true']);
    expect(cond.locked).toBe(false);
  });

  it('lets a notified waiter run only after the notifier releases the lock', async () => {
    const cond = new Condition();
    const log: string[] = [];
    const w = waiter(cond, log, 'w');
    await flush();
    expect(cond.tryAcquire()).toBe(true);
    cond.notify();
    await flush();
    expect(log).toEqual([]);
    cond.release();
    await w;
    expect(log).toEqual(['w woke holding=true']);
  });

  it('wakes one waiter per notify() in FIFO order, n with notify(n) and all with notifyAll()', async () => {
    const cond = new Condition();
    const log: string[] = [];
    const waits = ['a', 'b', 'c', 'd', 'e'].map((name) => waiter(cond, log, name));
    await flush();
    const notify = async (fn: () => void) => {
      await cond.run(fn);
      await flush();
    };
    await notify(() => cond.notify());
    expect(log).toEqual(['a woke holding=true']);
    await notify(() => cond.notify(2));
    expect(log.slice(1)).toEqual(['b woke holding=true', 'c woke holding=true']);
    await notify(() => cond.notify(0));
    expect(log).toHaveLength(3);
    await notify(() => cond.notifyAll());
    expect(log.slice(3)).toEqual(['d woke holding=true', 'e woke holding=true']);
    await Promise.all(waits);
  });

  it('resolves waitFor() to the predicate’s value, at once when it already holds', async () => {
    const cond = new Condition();
    const state = { value: 0 };
    await expect(cond.run(() => cond.waitFor(() => 'ready'))).resolves.toBe('ready');
    let checks = 0;
    const w = cond.run(() =>
      cond.waitFor(() => {
        checks++;
        expect(cond.locked).toBe(true);
        return state.value >= 2 && state.value;
      }),
    );
    await flush();
    expect(checks).toBe(1);
    for (const next of [1, 2]) {
      await cond.run(() => {
        state.value = next;
        cond.notify();
      });
      await flush();
    }
    expect(await w).toBe(2);
    expect(checks).toBe(3);
  });

  it('applies waitFor()’s timeout as a deadline for the whole call, across wake-ups', async () => {
    const clock = fakeClock();
    const cond = new Condition(undefined, { clock });
    const w = cond.run(() => cond.waitFor(() => false, { timeout: 100 }));
    const timedOut = expect(w).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(60);
    await cond.run(() => cond.notify());
    await clock.advance(39);
    let settled = false;
    w.catch(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    await clock.advance(1);
    await timedOut;
    expect(cond.locked).toBe(false);
  });

  it('retakes the lock before rejecting a waiter aborted while parked', async () => {
    const cond = new Condition();
    const log: string[] = [];
    const controller = new AbortController();
    const w = waiter(cond, log, 'w', { signal: controller.signal });
    await flush();
    expect(cond.tryAcquire()).toBe(true);
    const reason = new Error('stop waiting');
    controller.abort(reason);
    await flush();
    expect(log).toEqual([]);
    cond.release();
    await expect(w).rejects.toBe(reason);
    expect(log).toEqual(['w failed holding=true']);
  });

  it('rejects a waiter aborted after notify() but before it retook the lock, and passes the wake-up on', async () => {
    const cond = new Condition();
    const log: string[] = [];
    const controller = new AbortController();
    const a = waiter(cond, log, 'a', { signal: controller.signal });
    const b = waiter(cond, log, 'b');
    await flush();
    expect(cond.tryAcquire()).toBe(true);
    cond.notify();
    await flush();
    const reason = new Error('gave up while the lock was busy');
    controller.abort(reason);
    const aFailed = expect(a).rejects.toBe(reason);
    cond.release();
    await aFailed;
    await b;
    expect(log).toEqual(['a failed holding=true', 'b woke holding=true']);
  });

  it('rejects a waiter whose signal aborts in the same tick as its notify(), and passes the wake-up on', async () => {
    const cond = new Condition();
    const log: string[] = [];
    const controller = new AbortController();
    const a = waiter(cond, log, 'a', { signal: controller.signal });
    const b = waiter(cond, log, 'b');
    await flush();
    const reason = new Error('aborted right after the wake-up');
    const aFailed = expect(a).rejects.toBe(reason);
    await cond.run(() => {
      cond.notify();
      controller.abort(reason);
    });
    await aFailed;
    await b;
    expect(log).toEqual(['a failed holding=true', 'b woke holding=true']);
  });

  it('rejects with TimeoutError when the timeout passes while retaking the lock, and passes the wake-up on', async () => {
    const clock = fakeClock();
    const cond = new Condition(undefined, { clock });
    const log: string[] = [];
    const a = waiter(cond, log, 'a', { timeout: 50 });
    const b = waiter(cond, log, 'b');
    await flush();
    expect(cond.tryAcquire()).toBe(true);
    cond.notify();
    const aFailed = expect(a).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    expect(log).toEqual([]);
    cond.release();
    await aFailed;
    await b;
    expect(log).toEqual(['a failed holding=true', 'b woke holding=true']);
  });

  it('rejects an already-aborted wait at once, keeping the lock', async () => {
    const cond = new Condition();
    const reason = new Error('never mind');
    await cond.run(async () => {
      await expect(cond.wait({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(cond.locked).toBe(true);
    });
  });

  it('returns waitFor()’s value at once when the predicate already holds, even without the lock (asyncio)', async () => {
    const cond = new Condition();
    const value = [1, 2, 3];
    await expect(cond.waitFor(() => value)).resolves.toBe(value);
    expect(cond.locked).toBe(false);
    // The lock held by someone else does not delay a predicate that already holds.
    cond.tryAcquire();
    await expect(cond.waitFor(() => 'ready')).resolves.toBe('ready');
    cond.release();
  });

  it('rejects wait() and a waitFor() that would have to wait without the lock, and throws from notify() without it', async () => {
    const cond = new Condition();
    await expect(cond.wait()).rejects.toThrow(/needs the lock/);
    await expect(cond.waitFor(() => false)).rejects.toThrow(/needs the lock/);
    expect(() => cond.notify()).toThrow(/needs the lock/);
    expect(() => cond.notifyAll()).toThrow(Error);
    expect(cond.locked).toBe(false);
  });

  it('wraps the lock it is given, sharing its state', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    const permit = await cond.acquire();
    expect(lock.locked).toBe(true);
    expect(cond.tryAcquire()).toBe(false);
    permit.release();
    expect(lock.locked).toBe(false);
    lock.tryAcquire();
    expect(cond.locked).toBe(true);
    cond.notify();
    cond.release();
    expect(lock.locked).toBe(false);
  });

  it('throws synchronously on bad input', async () => {
    expect(() => new Condition({} as Lock)).toThrow(TypeError);
    expect(() => new Condition(undefined, { clock: 1 as never })).toThrow(TypeError);
    const cond = new Condition();
    expect(() => cond.waitFor('yes' as never)).toThrow(TypeError);
    expect(() => cond.wait({ timeout: Number.NaN })).toThrow(RangeError);
    await cond.run(() => {
      expect(() => cond.notify(-1)).toThrow(RangeError);
      expect(() => cond.notify(1.5)).toThrow(RangeError);
    });
  });
});
