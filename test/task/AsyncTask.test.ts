import { describe, expect, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import { AsyncTask } from '../../src/task/AsyncTask.js';
import { fakeClock, takeUnreadFailures } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, until } from '../support/work.js';

describe('AsyncTask', () => {
  it('runs its work once however often execute() is called, and returns the same promise', async () => {
    let calls = 0;
    const task = new AsyncTask(() => {
      calls++;
      return 'done';
    });
    const first = task.execute();
    const second = task.execute();
    expect(second).toBe(first);
    expect(await first).toBe('done');
    expect(await task.execute()).toBe('done');
    expect(calls).toBe(1);
  });

  it('does not start until asked, and `await task` starts it', async () => {
    let calls = 0;
    const task = new AsyncTask(async () => {
      calls++;
      return 7;
    });
    await flush();
    expect(calls).toBe(0);
    expect(task.status).toBe('pending');
    expect(await task).toBe(7);
    expect(calls).toBe(1);
    expect(task.status).toBe('fulfilled');
  });

  it('starts when adopted by then(), Promise.resolve() or Promise.all()', async () => {
    const byThen = new AsyncTask(() => 1);
    const byResolve = new AsyncTask(() => 2);
    const byAll = new AsyncTask(() => 3);
    expect(await byThen.then((v) => v * 10)).toBe(10);
    expect(await Promise.resolve(byResolve)).toBe(2);
    expect(await Promise.all([byAll])).toEqual([3]);
  });

  it('starts when returned from an async function, but not when merely inspected', async () => {
    let calls = 0;
    const task = new AsyncTask(() => ++calls);
    void task.constructor;
    void String(task);
    void Object.prototype.toString.call(task);
    await flush();
    expect(calls).toBe(0);
    const adopted = async () => task;
    expect(await adopted()).toBe(1);
    expect(calls).toBe(1);
  });

  it('never runs when cancelled before it starts, and is cancelled with a CancelledError', async () => {
    let calls = 0;
    const task = new AsyncTask(() => {
      calls++;
    });
    task.cancel();
    expect(task.status).toBe('cancelled');
    expect(task.isDone).toBe(true);
    await expect(task.execute()).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(0);
    expect(task.startedAt).toBeUndefined();
  });

  it('aborts the running work and rejects at once with the reason itself', async () => {
    let seen: AbortSignal | undefined;
    const gate = deferred();
    // Work that ignores its signal and settles only when the gate opens.
    const task = new AsyncTask((signal) => {
      seen = signal;
      return gate.promise.then(() => 'late');
    });
    const p = task.execute();
    const reason = { why: 'stop' };
    task.cancel(reason);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    // The work is still pending (it waits for the gate), yet the task has already rejected.
    await expect(p).rejects.toBe(reason);
    expect(task.status).toBe('cancelled');
    expect(task.error).toBe(reason);
    gate.resolve();
    await flush();
    expect(task.status).toBe('cancelled');
    expect(task.result).toBeUndefined();
  });

  it('uses a new CancelledError as the default reason of a running cancel', async () => {
    let seen: AbortSignal | undefined;
    const task = new AsyncTask((signal) => {
      seen = signal;
      return neverSettles(signal);
    });
    const p = task.execute();
    task.cancel();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(seen?.reason).toBe(task.error);
  });

  it('changes nothing when cancelled after it completed', async () => {
    const task = new AsyncTask(() => 'value');
    await task;
    task.cancel(new Error('too late'));
    expect(task.status).toBe('fulfilled');
    expect(task.result).toBe('value');
    expect(task.error).toBeUndefined();
    expect(await task).toBe('value');
  });

  it('times out counting from execute(), rejecting with TimeoutError, status rejected, signal aborted', async () => {
    const clock = fakeClock();
    let seen: AbortSignal | undefined;
    const task = new AsyncTask(
      (signal) => {
        seen = signal;
        return neverSettles(signal);
      },
      { timeout: 100, clock },
    );
    await clock.advance(500); // not started yet: the timeout has not begun
    expect(task.status).toBe('pending');
    const rejected = expect(task.execute()).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(99);
    expect(task.status).toBe('running');
    await clock.advance(1);
    await rejected;
    expect(task.status).toBe('rejected');
    expect(task.error).toBeInstanceOf(TimeoutError);
    expect((task.error as TimeoutError).timeout).toBe(100);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(task.error);
  });

  it('fires a timeout of 0 or less on the next macrotask', async () => {
    for (const timeout of [0, -5]) {
      const clock = fakeClock();
      const task = new AsyncTask((signal) => neverSettles(signal), { timeout, clock });
      const rejected = expect(task.execute()).rejects.toBeInstanceOf(TimeoutError);
      expect(task.status).toBe('running');
      await clock.advance(0);
      await rejected;
    }
  });

  it('lets work that settled before the next macrotask win over a timeout of 0', async () => {
    const clock = fakeClock();
    const sync = new AsyncTask(() => 'sync', { timeout: 0, clock });
    const micro = new AsyncTask(async () => 'micro', { timeout: 0, clock });
    expect(await sync).toBe('sync');
    expect(await micro).toBe('micro');
    expect(clock.pending()).toEqual([]);
  });

  it('treats an Infinity timeout as none and rejects a NaN timeout with RangeError', () => {
    const clock = fakeClock();
    const task = new AsyncTask(() => 1, { timeout: Number.POSITIVE_INFINITY, clock });
    expect(clock.pending()).toEqual([]);
    expect(task.status).toBe('pending');
    expect(() => new AsyncTask(() => 1, { timeout: Number.NaN })).toThrow(RangeError);
  });

  it('leaves no timer behind when the work finishes early', async () => {
    const clock = fakeClock();
    const gate = deferred<string>();
    const task = new AsyncTask(() => gate.promise, { timeout: 1000, clock });
    const p = task.execute();
    expect(clock.pending()).toHaveLength(1);
    gate.resolve('early');
    expect(await p).toBe('early');
    expect(clock.pending()).toEqual([]);
  });

  it('keeps result and error undefined until it settles', async () => {
    const gate = deferred<string>();
    const ok = new AsyncTask(() => gate.promise);
    const p = ok.execute();
    expect(ok.result).toBeUndefined();
    expect(ok.error).toBeUndefined();
    gate.resolve('v');
    await p;
    expect(ok.result).toBe('v');
    expect(ok.error).toBeUndefined();

    const boom = new Error('boom');
    const failing = new AsyncTask(() => Promise.reject(boom));
    expect(failing.error).toBeUndefined();
    await expect(failing.execute()).rejects.toBe(boom);
    expect(failing.error).toBe(boom);
    expect(failing.result).toBeUndefined();
    expect(failing.status).toBe('rejected');
  });

  it('rejects with what the work throws synchronously', async () => {
    const boom = new TypeError('sync boom');
    const task = new AsyncTask(() => {
      throw boom;
    });
    await expect(task.execute()).rejects.toBe(boom);
    expect(task.status).toBe('rejected');
  });

  it('reads startedAt, finishedAt and duration from its clock', async () => {
    const clock = fakeClock({ start: 1000 });
    const gate = deferred();
    const task = new AsyncTask((signal) => until(gate.promise, signal, 'x'), { clock });
    expect(task.startedAt).toBeUndefined();
    expect(task.duration).toBeUndefined();
    const p = task.execute();
    expect(task.startedAt).toBe(1000);
    await clock.advance(250);
    gate.resolve();
    await p;
    expect(task.finishedAt).toBe(1250);
    expect(task.duration).toBe(250);
  });

  it('is cancelled by its signal option with the reason unchanged', async () => {
    const c = new AbortController();
    let seen: AbortSignal | undefined;
    const task = new AsyncTask(
      (signal) => {
        seen = signal;
        return neverSettles(signal);
      },
      { signal: c.signal },
    );
    const p = task.execute();
    c.abort('halt');
    await expect(p).rejects.toBe('halt');
    expect(task.status).toBe('cancelled');
    expect(seen?.reason).toBe('halt');
  });

  it('never runs when its signal was already aborted', async () => {
    let calls = 0;
    const task = new AsyncTask(
      () => {
        calls++;
      },
      { signal: AbortSignal.abort('already') },
    );
    await expect(task.execute()).rejects.toBe('already');
    expect(calls).toBe(0);
    expect(task.status).toBe('cancelled');
  });

  it('is no unhandled rejection when it rejects and nobody awaits it', async () => {
    const task = new AsyncTask(() => Promise.reject(new Error('ignored')));
    task.execute();
    const never = new AsyncTask(() => 1);
    never.cancel();
    await flush();
    expect(task.status).toBe('rejected');
    // Nobody read it: it is reported once as a failure nobody read, and never as an unhandled rejection (the
    // leak check after this test fails it on any).
    expect((await takeUnreadFailures()).map((w) => w.message)).toEqual([
      expect.stringContaining('Error: ignored'),
    ]);
  });

  it('carries a default or given name and is an AsyncTask and a Promise', () => {
    const named = new AsyncTask(() => 1, { name: 'fetch-user' });
    const anonymous = new AsyncTask(() => 1);
    expect(named.name).toBe('fetch-user');
    expect(anonymous.name).toMatch(/^Task-\d+$/);
    expect(anonymous.name).toBe(anonymous.name);
    expect(named).toBeInstanceOf(AsyncTask);
    expect(named).toBeInstanceOf(Promise);
    expect(Object.prototype.toString.call(named)).toBe('[object AsyncTask]');
  });

  it('returns plain promises from then() that do not start new tasks', async () => {
    let calls = 0;
    const task = new AsyncTask(() => ++calls);
    const derived = task.then((v) => v + 1);
    expect(derived).not.toBeInstanceOf(AsyncTask);
    expect(await derived).toBe(2);
    expect(await task.finally(() => undefined)).toBe(1);
    expect(calls).toBe(1);
  });

  it('throws TypeError for a non-function or options of the wrong type', () => {
    expect(() => new AsyncTask(42 as never)).toThrow(TypeError);
    expect(() => new AsyncTask(() => 1, 'x' as never)).toThrow(TypeError);
    expect(() => new AsyncTask(() => 1, { name: 5 as never })).toThrow(TypeError);
    expect(() => new AsyncTask(() => 1, { timeout: '5' as never })).toThrow(TypeError);
    expect(() => new AsyncTask(() => 1, { signal: {} as never })).toThrow(TypeError);
    expect(() => new AsyncTask(() => 1, { clock: {} as never })).toThrow(TypeError);
  });
});
