/** Acceptance checks of SPEC §2 and §3 "Synchronization" and "Queues", worded as SPEC words them. */
import {
  Barrier,
  BrokenBarrierError,
  Condition,
  Event,
  FerrisError,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  Semaphore,
  TimeoutError,
} from 'ferris';
import type { FakeClock } from 'ferris/testing';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { flush } from '../support/work.js';

/** Records the settlement of `promise` under `label` in `log`. */
function track<T>(promise: Promise<T>, log: string[], label: string): Promise<T> {
  promise.then(
    () => log.push(label),
    () => log.push(`${label}!`),
  );
  return promise;
}

function isGetter(proto: object, name: string): boolean {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (d !== undefined) return typeof d.get === 'function' && d.value === undefined;
  }
  return false;
}

describe('acceptance: state is a getter, not a method', () => {
  it('exposes size, empty, full as getters on every queue, locked on Lock/Semaphore/Condition, isSet on Event', () => {
    for (const Q of [Queue, PriorityQueue, LifoQueue])
      for (const name of ['size', 'empty', 'full']) expect(isGetter(Q.prototype, name)).toBe(true);
    for (const C of [Lock, Semaphore, Condition]) expect(isGetter(C.prototype, 'locked')).toBe(true);
    expect(isGetter(Event.prototype, 'isSet')).toBe(true);
    expect(isGetter(Barrier.prototype, 'nWaiting')).toBe(true);
    expect(isGetter(Barrier.prototype, 'broken')).toBe(true);
    const q = new Queue<number>();
    expect([q.size, q.empty, q.full]).toEqual([0, true, false]);
    expect(new Event().isSet).toBe(false);
  });
});

describe('acceptance: Semaphore', () => {
  it('grants FIFO and lets no newcomer barge in ahead of a waiter after a release', async () => {
    const sem = new Semaphore(1);
    const log: string[] = [];
    const first = await sem.acquire();
    track(sem.acquire(), log, 'a');
    track(sem.acquire(), log, 'b');
    first.release();
    expect(sem.tryAcquire()).toBe(false);
    track(sem.acquire(), log, 'c');
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
    const a = track(sem.acquire(), log, 'a');
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
    track(sem.acquire(), log, 'a');
    track(sem.acquire(), log, 'b');
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
    const w = track(sem.acquire(), log, 'w');
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
    const next = track(sem.acquire(), log, 'next');
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

describe('acceptance: Lock', () => {
  it('is FIFO with no barging and locked reflects whether acquire() would wait', async () => {
    const lock = new Lock();
    expect(lock.locked).toBe(false);
    const log: string[] = [];
    const first = await lock.acquire();
    expect(lock.locked).toBe(true);
    track(lock.acquire(), log, 'a');
    track(lock.acquire(), log, 'b');
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

describe('acceptance: Event', () => {
  it('wait() resolves to true; set/clear/isSet behave as asyncio.Event', async () => {
    const ev = new Event();
    const log: string[] = [];
    const w = track(ev.wait(), log, 'w');
    await flush();
    expect(log).toEqual([]);
    ev.set();
    expect(ev.isSet).toBe(true);
    expect(await w).toBe(true);
    expect(await ev.wait()).toBe(true);
    ev.clear();
    expect(ev.isSet).toBe(false);
    track(ev.wait({ signal: AbortSignal.abort('r') }), log, 'aborted');
    await flush();
    expect(log).toEqual(['w', 'aborted!']);
  });

  it('wakes waiters queued before a set() even if clear() follows at once', async () => {
    const ev = new Event();
    const a = ev.wait();
    const b = ev.wait();
    ev.set();
    ev.clear();
    expect(await Promise.all([a, b])).toEqual([true, true]);
    const clock = fakeClock();
    const ev2 = new Event({ clock });
    const late = expect(ev2.wait({ timeout: 5 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(5);
    await late;
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

describe('acceptance: Condition', () => {
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

describe('acceptance: Barrier', () => {
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

describe('acceptance: Queue', () => {
  it('exposes maxsize as given: 0 or Infinity unbounded; negative or non-integer RangeError', () => {
    expect(new Queue().maxsize).toBe(0);
    const inf = new Queue<number>({ maxsize: Number.POSITIVE_INFINITY });
    expect(inf.maxsize).toBe(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 1000; i++) inf.putNowait(i);
    expect(inf.full).toBe(false);
    expect(new Queue({ maxsize: 3 }).maxsize).toBe(3);
    expect(() => new Queue({ maxsize: -1 })).toThrow(RangeError);
    expect(() => new Queue({ maxsize: 1.5 })).toThrow(RangeError);
    expect(() => new PriorityQueue({ maxsize: -1 })).toThrow(RangeError);
    expect(() => new LifoQueue({ maxsize: 0.5 })).toThrow(RangeError);
  });

  it('putNowait/getNowait throw QueueFullError/QueueEmptyError', () => {
    const q = new Queue<number>({ maxsize: 1 });
    expect(() => q.getNowait()).toThrow(QueueEmptyError);
    q.putNowait(1);
    expect(q.full).toBe(true);
    expect(() => q.putNowait(2)).toThrow(QueueFullError);
    expect(q.getNowait()).toBe(1);
    for (const E of [QueueFullError, QueueEmptyError, QueueShutDownError, BrokenBarrierError])
      expect(new E()).toBeInstanceOf(FerrisError);
  });

  it('get/put wait FIFO and hand over directly, without barging', async () => {
    const q = new Queue<string>({ maxsize: 1 });
    const log: string[] = [];
    track(q.get(), log, 'g1').then((v) => log.push(v));
    track(q.get(), log, 'g2').then((v) => log.push(v));
    await q.put('x');
    await q.put('y');
    await flush();
    expect(log).toEqual(['g1', 'x', 'g2', 'y']);
    q.putNowait('a');
    const pb = track(q.put('b'), log, 'pb');
    const pc = track(q.put('c'), log, 'pc');
    expect(q.getNowait()).toBe('a');
    expect(() => q.putNowait('z')).toThrow(QueueFullError);
    expect(await q.get()).toBe('b');
    expect(await q.get()).toBe('c');
    await Promise.all([pb, pc]);
    expect(log.slice(4)).toEqual(['pb', 'pc']);
  });

  it('a cancelled get takes no item and a cancelled put inserts nothing', async () => {
    const clock = fakeClock();
    const q = new Queue<number>({ maxsize: 1, clock });
    const ac = new AbortController();
    const g = q.get({ signal: ac.signal });
    ac.abort('gone');
    await expect(g).rejects.toBe('gone');
    q.putNowait(1);
    const p = expect(q.put(2, { timeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await p;
    expect(q.getNowait()).toBe(1);
    expect(q.empty).toBe(true);
    expect(q.stats()).toEqual({ size: 0, maxsize: 1, unfinished: 1, getters: 0, putters: 0 });
  });

  it('a getter granted its item before a later abort resolves with it', async () => {
    const q = new Queue<number>();
    const ac = new AbortController();
    const g = q.get({ signal: ac.signal });
    q.putNowait(7);
    ac.abort();
    expect(await g).toBe(7);
    expect(q.size).toBe(0);
  });

  it('taskDone() with nothing unfinished throws RangeError; join() resolves when unfinished reaches 0', async () => {
    const q = new Queue<number>();
    expect(() => q.taskDone()).toThrow(RangeError);
    await q.join();
    q.putNowait(1);
    q.putNowait(2);
    const log: string[] = [];
    const j = track(q.join(), log, 'joined');
    q.getNowait();
    q.taskDone();
    await flush();
    expect(log).toEqual([]);
    q.getNowait();
    q.taskDone();
    await j;
    expect(() => q.taskDone()).toThrow(RangeError);
  });

  it('shutdown(): put rejects, putNowait throws, getters drain the rest then reject with QueueShutDownError', async () => {
    const q = new Queue<number>({ maxsize: 2 });
    q.putNowait(1);
    q.putNowait(2);
    const waitingPut = q.put(3);
    q.shutdown();
    expect(q.isShutDown).toBe(true);
    await expect(waitingPut).rejects.toBeInstanceOf(QueueShutDownError);
    await expect(q.put(4)).rejects.toBeInstanceOf(QueueShutDownError);
    expect(() => q.putNowait(4)).toThrow(QueueShutDownError);
    expect(await q.get()).toBe(1);
    expect(q.getNowait()).toBe(2);
    await expect(q.get()).rejects.toBeInstanceOf(QueueShutDownError);
    expect(() => q.getNowait()).toThrow(QueueShutDownError);
    const empty = new Queue<number>();
    const g = empty.get();
    empty.shutdown();
    await expect(g).rejects.toBeInstanceOf(QueueShutDownError);
  });

  it('shutdown({ immediate: true }) removes queued items, counting each done, so join() resolves', async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    q.putNowait(3);
    q.getNowait(); // got, not done
    const log: string[] = [];
    const j = track(q.join(), log, 'joined');
    q.shutdown({ immediate: true });
    expect(q.size).toBe(0);
    expect(q.stats().unfinished).toBe(1);
    await flush();
    expect(log).toEqual([]);
    await expect(q.get()).rejects.toBeInstanceOf(QueueShutDownError);
    q.taskDone();
    await j;
    expect(q.stats().unfinished).toBe(0);
  });

  it('async iteration yields items, ends on shutdown of a drained queue and never calls taskDone()', async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const v of q) seen.push(v);
    })();
    await flush();
    q.putNowait(3);
    await flush();
    expect(q.stats().unfinished).toBe(3);
    q.shutdown();
    await loop;
    expect(seen).toEqual([1, 2, 3]);
    expect(q.stats().unfinished).toBe(3);
  });

  it('stats() returns a fresh plain object with size, maxsize, unfinished, getters, putters', async () => {
    const q = new Queue<number>({ maxsize: 1 });
    q.putNowait(1);
    const p = q.put(2);
    const s1 = q.stats();
    expect(s1).toEqual({ size: 1, maxsize: 1, unfinished: 1, getters: 0, putters: 1 });
    expect(q.stats()).not.toBe(s1);
    expect(Object.getPrototypeOf(s1)).toBe(Object.prototype);
    q.getNowait();
    await p;
    const e = new Queue<number>();
    const g = e.get();
    expect(e.stats().getters).toBe(1);
    e.putNowait(0);
    await g;
  });

  it('every wait takes { signal, timeout } and bad options throw synchronously', async () => {
    const clock: FakeClock = fakeClock();
    const q = new Queue<number>({ clock });
    const pre = AbortSignal.abort('pre');
    await expect(q.get({ signal: pre })).rejects.toBe('pre');
    await expect(q.put(1, { signal: pre })).rejects.toBe('pre');
    expect(q.size).toBe(0);
    q.putNowait(1);
    await expect(q.join({ signal: pre })).rejects.toBe('pre');
    const j = expect(q.join({ timeout: 5 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(5);
    await j;
    expect(() => q.get({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => q.put(1, { signal: 'x' as never })).toThrow(TypeError);
    expect(() => q.join({ timeout: Number.NaN })).toThrow(RangeError);
  });
});

describe('acceptance: PriorityQueue and LifoQueue', () => {
  it('gives the smallest number or string first', () => {
    const nums = new PriorityQueue<number>();
    for (const n of [5, 1, 4, 2, 3]) nums.putNowait(n);
    expect([1, 2, 3, 4, 5].map(() => nums.getNowait())).toEqual([1, 2, 3, 4, 5]);
    const strs = new PriorityQueue<string>();
    for (const s of ['pear', 'apple', 'fig']) strs.putNowait(s);
    expect([0, 1, 2].map(() => strs.getNowait())).toEqual(['apple', 'fig', 'pear']);
  });

  it('orders asyncio [priority, item] arrays element by element, FIFO among equals', () => {
    const q = new PriorityQueue<[number, unknown]>();
    const x = { id: 'x' };
    const y = { id: 'y' };
    q.putNowait([5, 'later']);
    q.putNowait([1, x]);
    q.putNowait([1, y]);
    q.putNowait([0, 'b']);
    q.putNowait([0, 'a']);
    expect([0, 1, 2, 3, 4].map(() => q.getNowait())).toEqual([
      [0, 'a'],
      [0, 'b'],
      [1, x],
      [1, y],
      [5, 'later'],
    ]);
  });

  it('keeps FIFO order among items a custom compare finds equal', () => {
    const q = new PriorityQueue<{ p: number; n: string }>({ compare: (a, b) => a.p - b.p });
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    names.forEach((n, i) => {
      q.putNowait({ p: i % 2, n });
    });
    expect(names.map(() => q.getNowait().n)).toEqual(['a', 'c', 'e', 'g', 'b', 'd', 'f', 'h']);
    expect(() => new PriorityQueue({ compare: 3 as never })).toThrow(TypeError);
  });

  it('LifoQueue gives the item put most recently first and shares Queue semantics', async () => {
    const q = new LifoQueue<number>({ maxsize: 2 });
    q.putNowait(1);
    q.putNowait(2);
    expect(() => q.putNowait(3)).toThrow(QueueFullError);
    expect(q.getNowait()).toBe(2);
    expect(await q.get()).toBe(1);
    q.taskDone();
    q.taskDone();
    expect(() => q.taskDone()).toThrow(RangeError);
  });
});

describe('acceptance: timeouts and grants', () => {
  it('a timeout of 0 or negative fires on the next macrotask, a settled wait wins, Infinity sets no timer', async () => {
    const clock = fakeClock();
    const ev = new Event({ clock });
    const zero = expect(ev.wait({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    const negative = expect(ev.wait({ timeout: -5 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(0);
    await Promise.all([zero, negative]);
    const sem = new Semaphore(1, { clock });
    (await sem.acquire({ timeout: 0 })).release();
    const forever = sem.acquire({ timeout: Number.POSITIVE_INFINITY });
    expect(clock.pending()).toEqual([]);
    (await forever).release();
    ev.set();
    expect(await ev.wait({ timeout: 0 })).toBe(true);
    const q = new Queue<number>({ clock });
    q.putNowait(1);
    expect(await q.get({ timeout: -1 })).toBe(1);
  });

  it('a putter granted its slot before a later abort resolves and its item is queued', async () => {
    const q = new Queue<string>({ maxsize: 1 });
    q.putNowait('a');
    const ac = new AbortController();
    const p = q.put('b', { signal: ac.signal });
    expect(q.getNowait()).toBe('a');
    ac.abort();
    await p;
    expect(q.getNowait()).toBe('b');
    expect(q.stats().unfinished).toBe(2);
  });

  it('rejects a NaN maxsize with RangeError', () => {
    expect(() => new Queue({ maxsize: Number.NaN })).toThrow(RangeError);
  });

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

describe('acceptance: Condition cancellation after notify()', () => {
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
