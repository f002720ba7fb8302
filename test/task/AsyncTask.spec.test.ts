/** What SPEC says of AsyncTask, sentence by sentence, tested through the public `ferris` entry (moved from test/acceptance/). */
import { AsyncTask, CancelledError, sleep, TimeoutError } from 'ferris';
import { describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles } from '../support/work.js';

describe('AsyncTask, as SPEC states it', () => {
  it('execute() runs the work once and repeat calls return the same promise', async () => {
    const fn = vi.fn(() => 7);
    const task = new AsyncTask(fn);
    const p1 = task.execute();
    const p2 = task.execute();
    expect(p1).toBe(p2);
    expect(await p1).toBe(7);
    await task;
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a bare task does not start until execute() or await', async () => {
    const fn = vi.fn(() => 'v');
    const task = new AsyncTask(fn, { name: 'job' });
    await flush();
    expect(fn).not.toHaveBeenCalled();
    expect(task.status).toBe('pending');
    expect(task.name).toBe('job');
    expect(await task).toBe('v');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('has a default name "Task-<n>"', () => {
    expect(new AsyncTask(() => 1).name).toMatch(/^Task-\d+$/);
  });

  it('moves pending -> running -> fulfilled with result, isDone and clock-millisecond timings', async () => {
    const clock = fakeClock({ start: 1000 });
    const task = new AsyncTask(() => sleep(25, { clock }).then(() => 'ok'), { clock });
    expect(task.status).toBe('pending');
    expect(task.result).toBeUndefined();
    expect(task.error).toBeUndefined();
    expect(task.startedAt).toBeUndefined();
    const p = task.execute();
    expect(task.status).toBe('running');
    expect(task.isDone).toBe(false);
    expect(task.result).toBeUndefined();
    expect(task.startedAt).toBe(1000);
    await clock.advance(25);
    expect(await p).toBe('ok');
    expect(task.status).toBe('fulfilled');
    expect(task.isDone).toBe(true);
    expect(task.result).toBe('ok');
    expect(task.finishedAt).toBe(1025);
    expect(task.duration).toBe(25);
  });

  it('a failing task is rejected with error set to the thrown value', async () => {
    const boom = new Error('boom');
    const task = new AsyncTask(async () => {
      throw boom;
    });
    await expect(task.execute()).rejects.toBe(boom);
    expect(task.status).toBe('rejected');
    expect(task.error).toBe(boom);
    expect(task.result).toBeUndefined();
  });

  it('cancel(reason) rejects at once with reason itself; a task cancelled while running is cancelled and its signal aborts', async () => {
    let seen: AbortSignal | undefined;
    const gate = deferred();
    const task = new AsyncTask((signal) => {
      seen = signal;
      return gate.promise; // ignores the signal: the task must not wait for it
    });
    const p = task.execute();
    const reason = 'stop now';
    task.cancel(reason);
    await expect(p).rejects.toBe(reason);
    expect(task.status).toBe('cancelled');
    expect(task.error).toBe(reason);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    gate.resolve();
  });

  it('cancel() without a reason rejects with a new CancelledError', async () => {
    const task = new AsyncTask((signal) => neverSettles(signal));
    task.execute();
    task.cancel();
    await expect(task).rejects.toBeInstanceOf(CancelledError);
  });

  it('a task cancelled before it starts never runs and is cancelled', async () => {
    const fn = vi.fn();
    const task = new AsyncTask(fn);
    task.cancel();
    expect(task.status).toBe('cancelled');
    await expect(task.execute()).rejects.toBeInstanceOf(CancelledError);
    expect(fn).not.toHaveBeenCalled();
  });

  it("AsyncTask's timeout counts from execute(); a timed-out task is 'rejected' with TimeoutError", async () => {
    const clock = fakeClock();
    let seen: AbortSignal | undefined;
    const task = new AsyncTask(
      (signal) => {
        seen = signal;
        return neverSettles(signal);
      },
      { timeout: 50, clock },
    );
    await clock.advance(100);
    expect(task.status).toBe('pending');
    const p = expect(task.execute()).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(49);
    expect(task.isDone).toBe(false);
    await clock.advance(1);
    await p;
    expect(task.status).toBe('rejected');
    expect(task.error).toBeInstanceOf(TimeoutError);
    expect(seen?.reason).toBe(task.error);
  });

  it('a timeout of 0 or negative fires on the next macrotask, and work already settled wins', async () => {
    for (const timeout of [0, -5]) {
      const quick = new AsyncTask(() => 'sync', { timeout });
      expect(await quick).toBe('sync');
      const micro = new AsyncTask(() => Promise.resolve('micro'), { timeout });
      expect(await micro).toBe('micro');
      const slow = new AsyncTask((signal) => neverSettles(signal), { timeout });
      await expect(slow).rejects.toBeInstanceOf(TimeoutError);
      expect(slow.status).toBe('rejected');
    }
  });

  it('a timeout of Infinity means none and NaN throws RangeError synchronously', async () => {
    const clock = fakeClock();
    const task = new AsyncTask(() => sleep(1e9, { clock }).then(() => 'x'), {
      timeout: Number.POSITIVE_INFINITY,
      clock,
    });
    const p = task.execute();
    await clock.advance(1e9);
    expect(await p).toBe('x');
    expect(() => new AsyncTask(() => 1, { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => new AsyncTask('nope' as never)).toThrow(TypeError);
  });

  it('the signal option cancels the task with signal.reason unchanged', async () => {
    const controller = new AbortController();
    const task = new AsyncTask((signal) => neverSettles(signal), { signal: controller.signal });
    const p = task.execute();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(task.status).toBe('cancelled');
  });
});
