import { describe, expect, it } from 'vitest';
import { FerrisError, TimeoutError } from '../../src/core/errors.js';
import { Semaphore } from '../../src/sync/Semaphore.js';
import { fakeClock } from '../support/leakCheck.js';
import { logSettled } from '../support/record.js';
import { isGetter } from '../support/shape.js';
import { deferred, flush } from '../support/work.js';

/** Records when each acquire settles, for order checks. */
function track<T>(promise: Promise<T>, log: string[], label: string): Promise<T> {
  promise.then(
    () => log.push(label),
    () => log.push(`${label} rejected`),
  );
  return promise;
}

describe('Semaphore', () => {
  it('lets at most `permits` holders in at once and serves waiters first come, first served', async () => {
    const sem = new Semaphore(2);
    const log: string[] = [];
    const a = await sem.acquire();
    const b = await sem.acquire();
    expect(sem.available).toBe(0);
    track(sem.acquire(), log, 'c');
    track(sem.acquire(), log, 'd');
    await flush();
    expect(log).toEqual([]);
    b.release();
    await flush();
    expect(log).toEqual(['c']);
    a.release();
    await flush();
    expect(log).toEqual(['c', 'd']);
    expect(sem.stats()).toEqual({ capacity: 2, held: 2, available: 0, waiting: 0 });
  });

  it('throws RangeError on an over-release, counting permits and anonymous releases together', async () => {
    const sem = new Semaphore(2);
    expect(() => sem.release()).toThrow(RangeError);
    const permit = await sem.acquire();
    sem.release();
    expect(() => permit.release()).toThrow(RangeError);
    expect(sem.available).toBe(2);

    const other = await sem.acquire();
    other.release();
    expect(() => sem.release()).toThrow(/over-release/);
  });

  it('releases a permit once, however many times it is disposed or released', async () => {
    const sem = new Semaphore(2);
    const a = await sem.acquire();
    const b = await sem.acquire();
    expect(a.released).toBe(false);
    a[Symbol.dispose]();
    a[Symbol.dispose]();
    a.release();
    expect(a.released).toBe(true);
    expect(sem.available).toBe(1);
    b.release();
    expect(sem.available).toBe(2);
  });

  it('releases the permit at the end of a `using` block, also when the block throws', async () => {
    const sem = new Semaphore(1);
    const inside = async (fail: boolean) => {
      using permit = await sem.acquire();
      expect(permit.released).toBe(false);
      expect(sem.locked).toBe(true);
      if (fail) throw new Error('boom');
    };
    await inside(false);
    expect(sem.available).toBe(1);
    await expect(inside(true)).rejects.toThrow('boom');
    expect(sem.available).toBe(1);
  });

  it('hands a release to the waiter, so a newcomer cannot barge in', async () => {
    const sem = new Semaphore(1);
    const first = await sem.acquire();
    const log: string[] = [];
    const waiter = track(sem.acquire(), log, 'waiter');
    first.release();
    expect(sem.tryAcquire()).toBe(false);
    const newcomer = track(sem.acquire(), log, 'newcomer');
    (await waiter).release();
    (await newcomer).release();
    expect(log).toEqual(['waiter', 'newcomer']);
  });

  it('reports locked while no permit is free or callers wait, and counts available permits', async () => {
    const sem = new Semaphore(2);
    expect(sem.locked).toBe(false);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.available).toBe(1);
    expect(sem.locked).toBe(false);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.locked).toBe(true);
    expect(sem.tryAcquire()).toBe(false);
    sem.release();
    sem.release();
    expect(sem.locked).toBe(false);
    expect(sem.available).toBe(2);
  });

  it('wakes as many waiters as a raised capacity allows, in order', async () => {
    const sem = new Semaphore(0);
    const log: string[] = [];
    const waits = ['a', 'b', 'c'].map((name) => track(sem.acquire(), log, name));
    expect(sem.locked).toBe(true);
    sem.capacity = 2;
    await flush();
    expect(log).toEqual(['a', 'b']);
    expect(sem.stats()).toEqual({ capacity: 2, held: 2, available: 0, waiting: 1 });
    sem.capacity = 3;
    await flush();
    expect(log).toEqual(['a', 'b', 'c']);
    for (const p of await Promise.all(waits)) p.release();
    expect(sem.available).toBe(3);
  });

  it('makes new acquires wait after the capacity drops below the held count, until enough are released', async () => {
    const sem = new Semaphore(3);
    const permits = [await sem.acquire(), await sem.acquire(), await sem.acquire()];
    sem.capacity = 1;
    expect(sem.available).toBe(0);
    expect(sem.stats().held).toBe(3);
    const log: string[] = [];
    const next = track(sem.acquire(), log, 'next');
    permits[0]!.release();
    permits[1]!.release();
    await flush();
    expect(log).toEqual([]);
    expect(sem.available).toBe(0);
    permits[2]!.release();
    (await next).release();
    expect(log).toEqual(['next']);
    expect(sem.available).toBe(1);
  });

  it('rejects a bad capacity without changing it', () => {
    const sem = new Semaphore(2);
    expect(() => {
      sem.capacity = -1;
    }).toThrow(RangeError);
    expect(() => {
      sem.capacity = 1.5;
    }).toThrow(RangeError);
    expect(() => {
      sem.capacity = '3' as unknown as number;
    }).toThrow(TypeError);
    expect(sem.capacity).toBe(2);
  });

  it('runs fn with the permit held and releases it whether fn returns, throws or rejects', async () => {
    const sem = new Semaphore(1);
    expect(await sem.run(() => (sem.locked ? 'inside' : 'outside'))).toBe('inside');
    expect(sem.available).toBe(1);
    await expect(
      sem.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(sem.available).toBe(1);
    await expect(sem.run(async () => Promise.reject(new Error('async')))).rejects.toThrow('async');
    expect(sem.available).toBe(1);
  });

  it('passes the signal option to run()’s work, and never calls fn when the wait is aborted', async () => {
    const sem = new Semaphore(1);
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const record = (signal: AbortSignal) => {
      seen = signal;
    };
    await sem.run(record, { signal: controller.signal });
    expect(seen).toBe(controller.signal);
    await sem.run(record);
    expect(seen).toBeInstanceOf(AbortSignal);
    expect(seen!.aborted).toBe(false);

    const holder = await sem.acquire();
    let called = false;
    const p = sem.run(
      () => {
        called = true;
      },
      { signal: controller.signal },
    );
    controller.abort('no longer needed');
    await expect(p).rejects.toBe('no longer needed');
    holder.release();
    expect(called).toBe(false);
    expect(sem.available).toBe(1);
  });

  it('keeps run() serialised: a second run starts only after the first settles', async () => {
    const sem = new Semaphore(1);
    const gate = deferred();
    const log: string[] = [];
    const first = sem.run(async () => {
      log.push('first start');
      await gate.promise;
      log.push('first end');
    });
    const second = sem.run(() => void log.push('second'));
    await flush();
    expect(log).toEqual(['first start']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(log).toEqual(['first start', 'first end', 'second']);
  });

  it('rejects an already-aborted acquire even with a permit free, and takes no permit', async () => {
    const sem = new Semaphore(1);
    const reason = new Error('cancelled before asking');
    await expect(sem.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(sem.available).toBe(1);
  });

  it('grants a free permit at once even with a timeout of 0, and times out a waiter with TimeoutError', async () => {
    const clock = fakeClock();
    const sem = new Semaphore(1, { clock });
    const permit = await sem.acquire({ timeout: 0 });
    const p = sem.acquire({ timeout: 0 });
    const timedOut = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(0);
    await timedOut;
    permit.release();
    expect(sem.stats()).toEqual({ capacity: 1, held: 0, available: 1, waiting: 0 });
  });

  it('removes a cancelled waiter so the next release goes to the one behind it', async () => {
    const sem = new Semaphore(1);
    const holder = await sem.acquire();
    const log: string[] = [];
    const controller = new AbortController();
    track(sem.acquire(), log, 'a');
    const b = track(sem.acquire({ signal: controller.signal }), log, 'b');
    track(sem.acquire(), log, 'c');
    controller.abort('b left');
    await expect(b).rejects.toBe('b left');
    expect(sem.stats().waiting).toBe(2);
    holder.release();
    await flush();
    expect(log).toEqual(['b rejected', 'a']);
    sem.release();
    await flush();
    expect(log).toEqual(['b rejected', 'a', 'c']);
    sem.release();
  });

  it('accepts 0 permits (acquire waits, tryAcquire fails, release over-releases) and Infinity (never blocks)', async () => {
    const closed = new Semaphore(0);
    expect(closed.locked).toBe(true);
    expect(closed.tryAcquire()).toBe(false);
    expect(() => closed.release()).toThrow(RangeError);

    const open = new Semaphore(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 100; i++) expect(open.tryAcquire()).toBe(true);
    expect(open.locked).toBe(false);
    expect(open.available).toBe(Number.POSITIVE_INFINITY);
  });

  it('returns a fresh stats() object each time', () => {
    const sem = new Semaphore(3);
    const before = sem.stats();
    sem.tryAcquire();
    expect(before).toEqual({ capacity: 3, held: 0, available: 3, waiting: 0 });
    expect(sem.stats()).toEqual({ capacity: 3, held: 1, available: 2, waiting: 0 });
    expect(sem.stats()).not.toBe(sem.stats());
  });

  it('throws synchronously on bad permits and bad options, naming what was wrong', () => {
    expect(() => new Semaphore(-1)).toThrow(/Semaphore permits.*-1/);
    expect(() => new Semaphore(Number.NaN)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore('2' as unknown as number)).toThrow(TypeError);
    expect(() => new Semaphore(undefined as unknown as number)).toThrow(TypeError);
    expect(() => new Semaphore(1, { clock: {} as never })).toThrow(TypeError);
    const sem = new Semaphore(1);
    expect(() => sem.acquire({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => sem.acquire({ signal: 'soon' as unknown as AbortSignal })).toThrow(TypeError);
    expect(() => sem.run('work' as never)).toThrow(TypeError);
    expect(sem.available).toBe(1);
  });
});

describe('Semaphore, as SPEC states it', () => {
  it('grants FIFO and lets no newcomer barge in ahead of a waiter after a release', async () => {
    const sem = new Semaphore(1);
    const log: string[] = [];
    const first = await sem.acquire();
    logSettled(sem.acquire(), log, 'a');
    logSettled(sem.acquire(), log, 'b');
    first.release();
    expect(sem.tryAcquire()).toBe(false);
    logSettled(sem.acquire(), log, 'c');
    await flush();
    expect(log).toEqual(['a']);
    sem.release();
    await flush();
    sem.release();
    await flush();
    expect(log).toEqual(['a', 'b', 'c']);
    sem.release();
  });

  it('tryAcquire() returns a boolean', () => {
    const sem = new Semaphore(1);
    expect(sem.tryAcquire()).toBe(true);
    expect(sem.tryAcquire()).toBe(false);
    sem.release();
  });

  it('resolves acquire() to a permit whose dispose or release gives back one permit once', async () => {
    const sem = new Semaphore(2);
    const p = await sem.acquire();
    expect(sem.available).toBe(1);
    p[Symbol.dispose]();
    p[Symbol.dispose]();
    p.release();
    expect(sem.available).toBe(2);
    {
      using _permit = await sem.acquire();
      expect(sem.available).toBe(1);
    }
    expect(sem.available).toBe(2);
    expect(() => sem.release()).toThrow(RangeError);
  });

  it('treats sem.release() plus the permit for one acquire as an over-release (RangeError)', async () => {
    const sem = new Semaphore(3);
    const p = await sem.acquire();
    sem.release();
    expect(() => p.release()).toThrow(RangeError);
    expect(sem.available).toBe(3);
  });

  it('throws RangeError on over-release, not a FerrisError', () => {
    const sem = new Semaphore(1);
    let error: unknown;
    try {
      sem.release();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect(error).not.toBeInstanceOf(FerrisError);
  });

  it('accepts new Semaphore(0): acquires wait until capacity is raised', async () => {
    const sem = new Semaphore(0);
    expect(sem.locked).toBe(true);
    expect(sem.tryAcquire()).toBe(false);
    const log: string[] = [];
    const a = logSettled(sem.acquire(), log, 'a');
    await flush();
    expect(log).toEqual([]);
    sem.capacity = 1;
    (await a).release();
    expect(log).toEqual(['a']);
    expect(() => new Semaphore(0).release()).toThrow(RangeError);
  });

  it('capacity setter wakes waiters when raised', async () => {
    const sem = new Semaphore(1);
    const held = await sem.acquire();
    const log: string[] = [];
    logSettled(sem.acquire(), log, 'a');
    logSettled(sem.acquire(), log, 'b');
    sem.capacity = 3;
    await flush();
    expect(log).toEqual(['a', 'b']);
    expect(sem.available).toBe(0);
    held.release();
    sem.release();
    sem.release();
    expect(sem.available).toBe(3);
  });

  it('below the held count, available = max(0, capacity - held) and new acquires wait until enough are released', async () => {
    const sem = new Semaphore(3);
    const permits = [await sem.acquire(), await sem.acquire(), await sem.acquire()];
    sem.capacity = 1;
    expect(sem.capacity).toBe(1);
    expect(sem.available).toBe(0);
    expect(sem.locked).toBe(true);
    const log: string[] = [];
    const w = logSettled(sem.acquire(), log, 'w');
    permits[0]?.release();
    await flush();
    expect(log).toEqual([]);
    expect(sem.available).toBe(0);
    permits[1]?.release();
    await flush();
    expect(log).toEqual([]);
    permits[2]?.release();
    await flush();
    expect(log).toEqual(['w']);
    (await w).release();
    expect(sem.available).toBe(1);
  });

  it('locked is true when acquire() would wait: no permit free, or waiters queued', async () => {
    const sem = new Semaphore(2);
    expect(sem.locked).toBe(false);
    const a = await sem.acquire();
    expect(sem.locked).toBe(false);
    const b = await sem.acquire();
    expect(sem.locked).toBe(true);
    const w = sem.acquire();
    a.release(); // granted straight to w
    expect(sem.locked).toBe(true);
    b.release();
    (await w).release();
    expect(sem.locked).toBe(false);
  });

  it('rejects an aborted acquire with signal.reason unchanged and removes the waiter', async () => {
    const sem = new Semaphore(1);
    const held = await sem.acquire();
    const ac = new AbortController();
    const reason = { why: 'mine' };
    const p = sem.acquire({ signal: ac.signal });
    const log: string[] = [];
    const next = logSettled(sem.acquire(), log, 'next');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    held.release();
    (await next).release();
    expect(sem.stats().waiting).toBe(0);
    const pre = AbortSignal.abort(reason);
    await expect(sem.acquire({ signal: pre })).rejects.toBe(reason);
    expect(sem.available).toBe(1);
  });

  it('rejects with TimeoutError after timeout ms on the injected clock', async () => {
    const clock = fakeClock();
    const sem = new Semaphore(0, { clock });
    const p = expect(sem.acquire({ timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(99);
    expect(sem.stats().waiting).toBe(1);
    await clock.advance(1);
    await p;
    expect(sem.stats().waiting).toBe(0);
  });

  it('resolves a wait whose permit was granted before a later abort (nothing is lost)', async () => {
    const sem = new Semaphore(1);
    const held = await sem.acquire();
    const ac = new AbortController();
    const p = sem.acquire({ signal: ac.signal });
    held.release();
    ac.abort(new Error('late'));
    const permit = await p;
    expect(sem.available).toBe(0);
    permit.release();
    expect(sem.available).toBe(1);
  });

  it('run(fn) holds a permit around fn and releases it on throw', async () => {
    const sem = new Semaphore(1);
    expect(await sem.run(() => (sem.locked ? 'in' : 'out'))).toBe('in');
    await expect(
      sem.run(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(sem.available).toBe(1);
  });

  it('throws synchronously for bad arguments, naming them', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore(Number.NaN)).toThrow(RangeError);
    const sem = new Semaphore(1);
    expect(() => sem.acquire({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => sem.run('x' as never)).toThrow(TypeError);
    expect(() => {
      sem.capacity = -2;
    }).toThrow(/capacity/);
  });
});

describe('Semaphore state and timeouts, as SPEC states them', () => {
  it('exposes locked as a getter', () => {
    expect(isGetter(Semaphore.prototype, 'locked')).toBe(true);
  });

  it('a free permit wins over a 0 timeout, and an Infinity timeout sets no timer', async () => {
    const clock = fakeClock();
    const sem = new Semaphore(1, { clock });
    (await sem.acquire({ timeout: 0 })).release();
    const forever = sem.acquire({ timeout: Number.POSITIVE_INFINITY });
    expect(clock.pending()).toEqual([]);
    (await forever).release();
  });
});
