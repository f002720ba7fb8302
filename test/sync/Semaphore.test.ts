import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { Semaphore } from '../../src/sync/Semaphore.js';
import { fakeClock } from '../support/leakCheck.js';
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
