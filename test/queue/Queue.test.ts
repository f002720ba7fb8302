import { describe, expect, it } from 'vitest';
import {
  BrokenBarrierError,
  FerrisError,
  QueueEmptyError,
  QueueFullError,
  QueueShutDownError,
  TimeoutError,
} from '../../src/core/errors.js';
import { LifoQueue } from '../../src/queue/LifoQueue.js';
import { PriorityQueue } from '../../src/queue/PriorityQueue.js';
import { Queue } from '../../src/queue/Queue.js';
import type { FakeClock } from '../../src/testing/FakeClock.js';
import { fakeClock } from '../support/leakCheck.js';
import { logSettled } from '../support/record.js';
import { isGetter } from '../support/shape.js';
import { flush } from '../support/work.js';

/** Records whether a promise has settled, without adding an unhandled rejection. */
function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { settled: () => done, promise };
}

describe('Queue', () => {
  it('put waits while the queue is full and resumes when a get frees a slot', async () => {
    const queue = new Queue<number>({ maxsize: 2 });
    await queue.put(1);
    await queue.put(2);
    expect(queue.full).toBe(true);
    const third = track(queue.put(3));
    await flush();
    expect(third.settled()).toBe(false);
    expect(queue.stats().putters).toBe(1);
    expect(await queue.get()).toBe(1);
    await third.promise;
    expect(queue.size).toBe(2);
    expect([queue.getNowait(), queue.getNowait()]).toEqual([2, 3]);
  });

  it('get waits while the queue is empty and receives the next item put', async () => {
    const queue = new Queue<string>();
    const got = track(queue.get());
    await flush();
    expect(got.settled()).toBe(false);
    expect(queue.stats().getters).toBe(1);
    await queue.put('a');
    expect(await got.promise).toBe('a');
    expect(queue.size).toBe(0);
  });

  it('putNowait throws QueueFullError when full and getNowait throws QueueEmptyError when empty', () => {
    const queue = new Queue<number>({ maxsize: 1 });
    expect(() => queue.getNowait()).toThrow(QueueEmptyError);
    queue.putNowait(1);
    expect(() => queue.putNowait(2)).toThrow(QueueFullError);
    expect(queue.size).toBe(1);
    expect(queue.getNowait()).toBe(1);
  });

  it('taskDone called more times than items were put throws RangeError', () => {
    const queue = new Queue<number>();
    expect(() => queue.taskDone()).toThrow(RangeError);
    queue.putNowait(1);
    queue.getNowait();
    queue.taskDone();
    expect(() => queue.taskDone()).toThrow(RangeError);
    expect(queue.stats().unfinished).toBe(0);
  });

  it('join resolves at once when nothing is unfinished', async () => {
    const queue = new Queue<number>();
    const joined = track(queue.join());
    await Promise.resolve();
    expect(joined.settled()).toBe(true);
  });

  it('join waits until taskDone has been called for every item put', async () => {
    const queue = new Queue<number>();
    await queue.put(1);
    await queue.put(2);
    const joined = track(queue.join());
    await queue.get();
    queue.taskDone();
    await flush();
    expect(joined.settled()).toBe(false);
    expect(queue.stats().unfinished).toBe(1);
    await queue.get();
    queue.taskDone();
    await joined.promise;
    expect(queue.stats().unfinished).toBe(0);
  });

  it('an item handed straight to a waiting getter still counts as unfinished until taskDone', async () => {
    const queue = new Queue<number>();
    const got = queue.get();
    await queue.put(7);
    expect(await got).toBe(7);
    expect(queue.stats().unfinished).toBe(1);
    const joined = track(queue.join());
    await flush();
    expect(joined.settled()).toBe(false);
    queue.taskDone();
    await joined.promise;
  });

  it('shutdown lets getters drain the remaining items, then rejects them with QueueShutDownError', async () => {
    const queue = new Queue<number>();
    await queue.put(1);
    await queue.put(2);
    queue.shutdown();
    expect(queue.isShutDown).toBe(true);
    expect(await queue.get()).toBe(1);
    expect(queue.getNowait()).toBe(2);
    await expect(queue.get()).rejects.toBeInstanceOf(QueueShutDownError);
    expect(() => queue.getNowait()).toThrow(QueueShutDownError);
  });

  it('shutdown wakes getters that are waiting on an empty queue and rejects them', async () => {
    const queue = new Queue<number>();
    const a = expect(queue.get()).rejects.toBeInstanceOf(QueueShutDownError);
    const b = expect(queue.get()).rejects.toBeInstanceOf(QueueShutDownError);
    queue.shutdown();
    await a;
    await b;
    expect(queue.stats().getters).toBe(0);
  });

  it('puts after shutdown reject with QueueShutDownError and waiting putters are rejected too', async () => {
    const queue = new Queue<number>({ maxsize: 1 });
    await queue.put(1);
    const waiting = expect(queue.put(2)).rejects.toBeInstanceOf(QueueShutDownError);
    queue.shutdown();
    await waiting;
    await expect(queue.put(3)).rejects.toBeInstanceOf(QueueShutDownError);
    expect(() => queue.putNowait(4)).toThrow(QueueShutDownError);
    expect(queue.stats()).toMatchObject({ size: 1, putters: 0, unfinished: 1 });
    expect(queue.getNowait()).toBe(1);
  });

  it('immediate shutdown drops the queued items, unblocks join and rejects getters at once', async () => {
    const queue = new Queue<number>();
    await queue.put(1);
    await queue.put(2);
    const joined = track(queue.join());
    queue.shutdown({ immediate: true });
    await joined.promise;
    expect(queue.size).toBe(0);
    expect(queue.stats().unfinished).toBe(0);
    await expect(queue.get()).rejects.toBeInstanceOf(QueueShutDownError);
  });

  it('immediate shutdown still waits in join for items already got but not marked done', async () => {
    const queue = new Queue<number>();
    await queue.put(1);
    await queue.put(2);
    await queue.get();
    queue.shutdown({ immediate: true });
    expect(queue.stats().unfinished).toBe(1);
    const joined = track(queue.join());
    await flush();
    expect(joined.settled()).toBe(false);
    queue.taskDone();
    await joined.promise;
  });

  it('a cancelled get loses no item: the item goes to the next getter', async () => {
    const queue = new Queue<string>();
    const c = new AbortController();
    const first = queue.get({ signal: c.signal });
    const second = queue.get();
    const reason = new Error('stop');
    c.abort(reason);
    await expect(first).rejects.toBe(reason);
    await queue.put('x');
    expect(await second).toBe('x');
    expect(queue.size).toBe(0);
  });

  it('an item handed to a getter is delivered even if its signal aborts afterwards', async () => {
    const queue = new Queue<string>();
    const c = new AbortController();
    const got = queue.get({ signal: c.signal });
    await queue.put('mine');
    c.abort();
    expect(await got).toBe('mine');
  });

  it('a cancelled put inserts nothing', async () => {
    const queue = new Queue<string>({ maxsize: 1 });
    await queue.put('kept');
    const c = new AbortController();
    const dropped = queue.put('dropped', { signal: c.signal });
    c.abort('never mind');
    await expect(dropped).rejects.toBe('never mind');
    expect(queue.getNowait()).toBe('kept');
    expect(() => queue.getNowait()).toThrow(QueueEmptyError);
    expect(queue.stats().unfinished).toBe(1);
  });

  it('cancelled and timed-out waiters are removed, so stats shows no getters or putters', async () => {
    const clock = fakeClock();
    const empty = new Queue<number>({ clock });
    const full = new Queue<number>({ maxsize: 1, clock });
    full.putNowait(0);
    const c = new AbortController();
    const getAborted = expect(empty.get({ signal: c.signal })).rejects.toBe('x');
    const putAborted = expect(full.put(1, { signal: c.signal })).rejects.toBe('x');
    const getTimedOut = expect(empty.get({ timeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    const putTimedOut = expect(full.put(2, { timeout: 10 })).rejects.toBeInstanceOf(TimeoutError);
    expect(empty.stats().getters).toBe(2);
    expect(full.stats().putters).toBe(2);
    c.abort('x');
    await clock.advance(10);
    await Promise.all([getAborted, putAborted, getTimedOut, putTimedOut]);
    expect(empty.stats().getters).toBe(0);
    expect(full.stats()).toMatchObject({ putters: 0, size: 1 });
  });

  it('an already-aborted signal rejects get at once without taking an available item', async () => {
    const queue = new Queue<number>();
    queue.putNowait(1);
    await expect(queue.get({ signal: AbortSignal.abort('no') })).rejects.toBe('no');
    await expect(queue.put(2, { signal: AbortSignal.abort('no') })).rejects.toBe('no');
    expect(queue.size).toBe(1);
  });

  it('a put while getters wait hands the item straight to the first getter, in FIFO order', async () => {
    const queue = new Queue<number>({ maxsize: 1 });
    const order: string[] = [];
    const a = queue.get().then((v) => order.push(`a${v}`));
    const b = queue.get().then((v) => order.push(`b${v}`));
    queue.putNowait(1);
    expect(queue.size).toBe(0);
    queue.putNowait(2);
    await Promise.all([a, b]);
    expect(order).toEqual(['a1', 'b2']);
  });

  it('a get from a full queue admits the first waiting putter, in FIFO order', async () => {
    const queue = new Queue<string>({ maxsize: 1 });
    queue.putNowait('0');
    const p1 = queue.put('1');
    const p2 = queue.put('2');
    expect(queue.getNowait()).toBe('0');
    // The freed slot went to the first putter at once; a newcomer cannot barge in.
    expect(queue.full).toBe(true);
    expect(() => queue.putNowait('late')).toThrow(QueueFullError);
    await p1;
    expect(queue.getNowait()).toBe('1');
    await p2;
    expect(queue.getNowait()).toBe('2');
    expect(queue.stats().unfinished).toBe(3);
  });

  it('async iteration yields items until the queue is shut down and drained, then ends without error', async () => {
    const queue = new Queue<number>();
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const item of queue) seen.push(item);
      return 'ended';
    })();
    await queue.put(1);
    await queue.put(2);
    await flush();
    await queue.put(3);
    queue.shutdown();
    expect(await consumer).toBe('ended');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('iterating does not call taskDone', async () => {
    const queue = new Queue<number>();
    queue.putNowait(1);
    queue.putNowait(2);
    queue.shutdown();
    for await (const _ of queue) {
      // Consume without marking done.
    }
    expect(queue.stats().unfinished).toBe(2);
  });

  it('breaking out of iteration takes no further item and leaves no waiting getter', async () => {
    const queue = new Queue<number>();
    queue.putNowait(1);
    queue.putNowait(2);
    for await (const item of queue) {
      expect(item).toBe(1);
      break;
    }
    expect(queue.size).toBe(1);
    expect(queue.stats().getters).toBe(0);
  });

  it('several loops over one queue share its items, each item going to one loop', async () => {
    const queue = new Queue<number>({ maxsize: 2 });
    const seen: number[][] = [[], []];
    const loops = seen.map(async (mine) => {
      for await (const item of queue) {
        mine.push(item);
        await flush();
      }
    });
    for (let i = 0; i < 10; i++) await queue.put(i);
    queue.shutdown();
    await Promise.all(loops);
    expect(seen[0]!.length).toBeGreaterThan(0);
    expect(seen[1]!.length).toBeGreaterThan(0);
    expect([...seen[0]!, ...seen[1]!].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('an iterator that was closed early yields nothing more', async () => {
    const queue = new Queue<number>();
    queue.putNowait(1);
    const it = queue[Symbol.asyncIterator]();
    await it.return?.();
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(queue.size).toBe(1);
  });

  it('exposes maxsize as given, with 0 and Infinity unbounded', () => {
    expect(new Queue().maxsize).toBe(0);
    const unboundedZero = new Queue<number>({ maxsize: 0 });
    const unboundedInf = new Queue<number>({ maxsize: Number.POSITIVE_INFINITY });
    expect(unboundedInf.maxsize).toBe(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 100; i++) {
      unboundedZero.putNowait(i);
      unboundedInf.putNowait(i);
    }
    expect(unboundedZero.full).toBe(false);
    expect(unboundedInf.full).toBe(false);
    expect(new Queue({ maxsize: 3 }).maxsize).toBe(3);
  });

  it('a negative, fractional or NaN maxsize throws RangeError naming the option', () => {
    expect(() => new Queue({ maxsize: -1 })).toThrow(/maxsize.*-1/);
    expect(() => new Queue({ maxsize: -1 })).toThrow(RangeError);
    expect(() => new Queue({ maxsize: 1.5 })).toThrow(RangeError);
    expect(() => new Queue({ maxsize: Number.NaN })).toThrow(RangeError);
    expect(() => new Queue({ maxsize: Number.NEGATIVE_INFINITY })).toThrow(RangeError);
    expect(() => new Queue({ maxsize: '3' as unknown as number })).toThrow(TypeError);
  });

  it('malformed wait options throw synchronously', () => {
    const queue = new Queue<number>();
    expect(() => queue.get({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => queue.put(1, { signal: 'no' as unknown as AbortSignal })).toThrow(TypeError);
    expect(() => queue.join(5 as unknown as object)).toThrow(TypeError);
    expect(() => queue.shutdown({ immediate: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(queue.size).toBe(0);
    expect(queue.isShutDown).toBe(false);
  });

  it('stats returns a fresh plain snapshot of size, maxsize, unfinished, getters and putters', async () => {
    const queue = new Queue<number>({ maxsize: 1 });
    queue.putNowait(1);
    const waiting = queue.put(2);
    const a = queue.stats();
    expect(a).toEqual({ size: 1, maxsize: 1, unfinished: 1, getters: 0, putters: 1 });
    expect(queue.stats()).not.toBe(a);
    queue.getNowait();
    await waiting;
    expect(a.putters).toBe(1);
    expect(queue.stats()).toEqual({ size: 1, maxsize: 1, unfinished: 2, getters: 0, putters: 0 });
  });

  it('empty and full follow the contents', () => {
    const queue = new Queue<number>({ maxsize: 2 });
    expect([queue.empty, queue.full]).toEqual([true, false]);
    queue.putNowait(1);
    expect([queue.empty, queue.full]).toEqual([false, false]);
    queue.putNowait(2);
    expect([queue.empty, queue.full]).toEqual([false, true]);
  });

  it('await using shuts the queue down when the block exits', async () => {
    let escaped: Queue<number> | undefined;
    {
      await using queue = new Queue<number>();
      escaped = queue;
      queue.putNowait(1);
    }
    expect(escaped.isShutDown).toBe(true);
    expect(escaped.getNowait()).toBe(1);
    await expect(escaped.put(2)).rejects.toBeInstanceOf(QueueShutDownError);
  });
});

describe('Queue, as SPEC states it', () => {
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
    logSettled(q.get(), log, 'g1').then((v) => log.push(v));
    logSettled(q.get(), log, 'g2').then((v) => log.push(v));
    await q.put('x');
    await q.put('y');
    await flush();
    expect(log).toEqual(['g1', 'x', 'g2', 'y']);
    q.putNowait('a');
    const pb = logSettled(q.put('b'), log, 'pb');
    const pc = logSettled(q.put('c'), log, 'pc');
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
    const j = logSettled(q.join(), log, 'joined');
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
    const j = logSettled(q.join(), log, 'joined');
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

describe('Queue grants and options, as SPEC states them', () => {
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
});

describe('Queue state, as SPEC states it', () => {
  it('exposes size, empty and full as getters on every queue', () => {
    for (const Q of [Queue, PriorityQueue, LifoQueue])
      for (const name of ['size', 'empty', 'full']) expect(isGetter(Q.prototype, name)).toBe(true);
    const q = new Queue<number>();
    expect([q.size, q.empty, q.full]).toEqual([0, true, false]);
  });

  it('a timeout of 0 or negative on get() still loses to an item already there', async () => {
    const clock = fakeClock();
    const q = new Queue<number>({ clock });
    q.putNowait(1);
    expect(await q.get({ timeout: -1 })).toBe(1);
  });
});
