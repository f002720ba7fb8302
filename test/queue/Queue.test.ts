import { describe, expect, it } from 'vitest';
import { QueueEmptyError, QueueFullError, QueueShutDownError, TimeoutError } from '../../src/core/errors.js';
import { Queue } from '../../src/queue/Queue.js';
import { fakeClock } from '../support/leakCheck.js';
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
