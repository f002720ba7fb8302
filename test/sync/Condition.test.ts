import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { Condition } from '../../src/sync/Condition.js';
import { Lock } from '../../src/sync/Lock.js';
import { fakeClock } from '../support/leakCheck.js';
import { isGetter } from '../support/shape.js';
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

/** Takes the condition's lock, waits once and records whether it holds the lock when the wait settles. */
function condWaiter(cond: Condition, log: string[], name: string, signal?: AbortSignal): Promise<unknown> {
  return cond.run(async () => {
    try {
      const v = await cond.wait(signal === undefined ? undefined : { signal });
      log.push(`${name}:${v}:${cond.locked}`);
      return v;
    } catch (error) {
      log.push(`${name}!:${cond.locked}`);
      throw error;
    }
  });
}

describe('Condition, as SPEC states it', () => {
  it('offers the lock methods and wraps a given lock', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    expect(cond.tryAcquire()).toBe(true);
    expect(lock.locked).toBe(true);
    expect(cond.locked).toBe(true);
    cond.release();
    expect(lock.locked).toBe(false);
    (await cond.acquire()).release();
    expect(await cond.run(() => lock.locked)).toBe(true);
    expect(() => cond.release()).toThrow(Error);
  });

  it('wait() resolves to true holding the lock; notify(n) wakes n in FIFO order; notifyAll() the rest', async () => {
    const cond = new Condition();
    const log: string[] = [];
    const ws = ['a', 'b', 'c', 'd'].map((n) => condWaiter(cond, log, n));
    await flush();
    await cond.run(() => cond.notify());
    await flush();
    expect(log).toEqual(['a:true:true']);
    await cond.run(() => cond.notify(2));
    await flush();
    expect(log).toEqual(['a:true:true', 'b:true:true', 'c:true:true']);
    await cond.run(() => cond.notifyAll());
    await Promise.all(ws);
    expect(log.at(-1)).toBe('d:true:true');
  });

  it('waitFor() resolves to the predicate value', async () => {
    const cond = new Condition();
    let state = 0;
    const w = cond.run(() => cond.waitFor(() => (state >= 2 ? `state=${state}` : 0)));
    await flush();
    await cond.run(() => {
      state = 1;
      cond.notifyAll();
    });
    await flush();
    await cond.run(() => {
      state = 2;
      cond.notifyAll();
    });
    expect(await w).toBe('state=2');
  });

  it('wait() and a waitFor() that must wait reject without the lock; notify() without it throws', async () => {
    const cond = new Condition();
    const p = cond.wait();
    expect(p).toBeInstanceOf(Promise);
    await expect(p).rejects.toBeInstanceOf(Error);
    await expect(cond.waitFor(() => false)).rejects.toBeInstanceOf(Error);
    expect(() => cond.notify()).toThrow(Error);
    expect(() => cond.notifyAll()).toThrow(Error);
  });

  it('an abort after notify() rejects with signal.reason, retakes the lock and passes the wake-up on', async () => {
    const cond = new Condition();
    const log: string[] = [];
    const ac = new AbortController();
    const reason = new Error('stop');
    const a = condWaiter(cond, log, 'a', ac.signal);
    const b = condWaiter(cond, log, 'b');
    await flush();
    await cond.acquire();
    cond.notify();
    ac.abort(reason);
    cond.release();
    await expect(a).rejects.toBe(reason);
    await b;
    expect(log).toEqual(['a!:true', 'b:true:true']);
    expect(cond.locked).toBe(false);
  });

  it('a timeout rejects with TimeoutError after retaking the lock', async () => {
    const clock = fakeClock();
    const cond = new Condition(undefined, { clock });
    let heldAtFailure: boolean | undefined;
    const w = cond.run(async () => {
      try {
        await cond.wait({ timeout: 50 });
      } catch (e) {
        heldAtFailure = cond.locked;
        throw e;
      }
    });
    const p = expect(w).rejects.toBeInstanceOf(TimeoutError);
    await flush();
    expect(cond.locked).toBe(false);
    await clock.advance(50);
    await p;
    expect(heldAtFailure).toBe(true);
  });
});

describe('Condition cancellation after notify(), as SPEC states it', () => {
  it('a timeout after notify() rejects with TimeoutError holding the lock and passes the wake-up on', async () => {
    const clock = fakeClock();
    const cond = new Condition(undefined, { clock });
    const log: string[] = [];
    const a = cond.run(async () => {
      try {
        await cond.wait({ timeout: 20 });
      } catch (e) {
        log.push(`a!:${cond.locked}`);
        throw e;
      }
    });
    const failed = expect(a).rejects.toBeInstanceOf(TimeoutError);
    const b = condWaiter(cond, log, 'b');
    await flush();
    await cond.acquire();
    cond.notify();
    await clock.advance(20);
    expect(log).toEqual([]);
    cond.release();
    await failed;
    await b;
    expect(log).toEqual(['a!:true', 'b:true:true']);
  });

  it('waitFor() rejects with signal.reason holding the lock when aborted', async () => {
    const cond = new Condition();
    const ac = new AbortController();
    let held: boolean | undefined;
    const w = cond.run(async () => {
      try {
        return await cond.waitFor(() => false, { signal: ac.signal });
      } finally {
        held = cond.locked;
      }
    });
    await flush();
    ac.abort('halt');
    await expect(w).rejects.toBe('halt');
    expect(held).toBe(true);
    expect(cond.locked).toBe(false);
  });
});

describe('Condition state, as SPEC states it', () => {
  it('exposes locked as a getter', () => {
    expect(isGetter(Condition.prototype, 'locked')).toBe(true);
  });
});
