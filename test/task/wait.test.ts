import { describe, expect, expectTypeOf, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import { AsyncTask } from '../../src/task/AsyncTask.js';
import { wait } from '../../src/task/wait.js';
import { sleep } from '../../src/time/sleep.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, track } from '../support/work.js';

describe('wait', () => {
  it('waits for every task by default and returns them all as done, in input order', async () => {
    const clock = fakeClock();
    const run = wait(
      [(signal) => sleep(20, { clock, signal }).then(() => 'a'), (signal) => sleep(10, { clock, signal })],
      { clock },
    );
    await clock.advance(10);
    let settled = false;
    void run.then(() => {
      settled = true;
    });
    await flush();
    expect(settled).toBe(false);
    await clock.advance(10);
    const { done, pending } = await run;
    expectTypeOf(done).toEqualTypeOf<AsyncTask<string | void>[]>();
    expect(pending).toEqual([]);
    expect(done).toHaveLength(2);
    expect(done[0]!.result).toBe('a');
    expect(done.every((t) => t.status === 'fulfilled')).toBe(true);
  });

  it('resolves at the first completion with FIRST_COMPLETED, leaving the rest running', async () => {
    const clock = fakeClock();
    const slow = new AsyncTask((signal) => sleep(50, { clock, signal }).then(() => 'slow'), { clock });
    const run = wait([slow, (signal: AbortSignal) => sleep(10, { clock, signal }).then(() => 'fast')], {
      returnWhen: 'FIRST_COMPLETED',
      clock,
    });
    await clock.advance(10);
    const { done, pending } = await run;
    expect(done.map((t) => t.result)).toEqual(['fast']);
    expect(pending).toEqual([slow]);
    expect(slow.status).toBe('running');
    await clock.advance(40);
    expect(await slow).toBe('slow');
  });

  it('resolves at the first rejection with FIRST_EXCEPTION, but not at a plain completion', async () => {
    const clock = fakeClock();
    const boom = new Error('boom');
    const run = wait(
      [
        () => 'quick',
        (signal: AbortSignal) => sleep(10, { clock, signal }).then(() => Promise.reject(boom)),
        (signal: AbortSignal) => sleep(100, { clock, signal }),
      ],
      { returnWhen: 'FIRST_EXCEPTION', clock },
    );
    let settled = false;
    void run.then(() => {
      settled = true;
    });
    await flush();
    expect(settled).toBe(false);
    await clock.advance(10);
    const { done, pending } = await run;
    expect(done.map((t) => t.status)).toEqual(['fulfilled', 'rejected']);
    expect(done[1]!.error).toBe(boom);
    expect(pending).toHaveLength(1);
    pending[0]!.cancel();
  });

  it('behaves as ALL_COMPLETED under FIRST_EXCEPTION when nothing fails', async () => {
    const run = wait([() => 1, async () => 2], { returnWhen: 'FIRST_EXCEPTION' });
    const { done, pending } = await run;
    expect(done.map((t) => t.result)).toEqual([1, 2]);
    expect(pending).toEqual([]);
  });

  it('does not count a cancellation as an exception under FIRST_EXCEPTION', async () => {
    const cancelled = new AsyncTask<void>(async (signal) => {
      await neverSettles(signal);
    });
    const gate = deferred();
    const run = wait([cancelled, () => gate.promise], { returnWhen: 'FIRST_EXCEPTION' });
    await flush();
    cancelled.cancel();
    await flush();
    let settled = false;
    void run.then(() => {
      settled = true;
    });
    await flush();
    expect(settled).toBe(false);
    gate.resolve();
    const { done } = await run;
    expect(done.map((t) => t.status)).toEqual(['cancelled', 'fulfilled']);
  });

  it('resolves with { done, pending } on timeout instead of rejecting, and leaves no timer', async () => {
    const clock = fakeClock();
    const run = wait([() => 'now', (signal: AbortSignal) => sleep(500, { clock, signal })], {
      timeout: 100,
      clock,
    });
    await clock.advance(100);
    const { done, pending } = await run;
    expect(done.map((t) => t.result)).toEqual(['now']);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.status).toBe('running');
    expect(clock.pending()).toHaveLength(1); // only the pending task's own sleep
    pending[0]!.cancel();
    expect(clock.pending()).toEqual([]);
  });

  it('clears its timer when the tasks finish before the timeout', async () => {
    const clock = fakeClock();
    const { done } = await wait([async () => 1], { timeout: 1000, clock });
    expect(done).toHaveLength(1);
    expect(clock.pending()).toEqual([]);
  });

  it('cancels the pending tasks and rejects at once with the signal reason when aborted', async () => {
    const controller = new AbortController();
    const stubborn = deferred();
    const finished = new AsyncTask(() => 'done');
    await finished;
    const ignoring = new AsyncTask(() => stubborn.promise);
    const run = wait([finished, ignoring], { signal: controller.signal });
    await flush();
    controller.abort('enough');
    await expect(run).rejects.toBe('enough'); // does not wait for the work that ignores its signal
    expect(ignoring.status).toBe('cancelled');
    expect(ignoring.error).toBe('enough');
    expect(finished.status).toBe('fulfilled');
    stubborn.resolve();
  });

  it('rejects with the reason and runs nothing when the signal is already aborted', async () => {
    let ran = false;
    const run = wait(
      [
        () => {
          ran = true;
        },
      ],
      { signal: AbortSignal.abort('before') },
    );
    await expect(run).rejects.toBe('before');
    expect(ran).toBe(false);
  });

  it('starts the AsyncTasks it is given that have not started yet', async () => {
    const task = new AsyncTask(() => 'started');
    expect(task.status).toBe('pending');
    const { done } = await wait([task]);
    expect(done).toEqual([task]);
    expect(task.result).toBe('started');
  });

  it('resolves at once with empty arrays for no tasks', async () => {
    await expect(wait([])).resolves.toEqual({ done: [], pending: [] });
  });

  it('does not reject when a task fails: the error stays on the task', async () => {
    const boom = new Error('boom');
    const { done } = await wait([() => Promise.reject(boom)]);
    expect(done[0]!.status).toBe('rejected');
    expect(done[0]!.error).toBe(boom);
  });

  it('throws synchronously on bad input', () => {
    expect(() => wait([() => 1, 'x' as never])).toThrow(/wait tasks\[1\] must be a function or an AsyncTask/);
    expect(() => wait(null as never)).toThrow(TypeError);
    expect(() => wait([], { returnWhen: 'SOMETIMES' as never })).toThrow(RangeError);
    expect(() => wait([], { returnWhen: 1 as never })).toThrow(TypeError);
    expect(() => wait([], { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => wait([], { signal: 'no' as never })).toThrow(TypeError);
  });

  it('clears its timer when the signal aborts before the timeout', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const run = wait([async (signal: AbortSignal) => neverSettles(signal)], {
      signal: controller.signal,
      timeout: 50,
      clock,
    });
    controller.abort(new CancelledError('stop'));
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    await expect(run).rejects.not.toBeInstanceOf(TimeoutError);
    expect(clock.pending()).toEqual([]);
  });
});

/** Work that ignores its signal and settles only when `gate` resolves (the caller must not wait on it). */
function stubborn<T>(gate: Promise<unknown>, value: T): () => Promise<T> {
  return () => gate.then(() => value);
}

describe('wait, as SPEC states it', () => {
  it('defaults to ALL_COMPLETED and resolves { done, pending } as arrays of AsyncTask, accepting functions and AsyncTasks', async () => {
    const clock = fakeClock();
    const bare = new AsyncTask(() => 'bare');
    const p = wait([() => sleep(10, { clock }).then(() => 'f'), bare], { clock });
    const state = track(p);
    await flush();
    expect(state.settled).toBe(false);
    expect(bare.status).toBe('fulfilled'); // wait started the bare task
    await clock.advance(10);
    const { done, pending } = await p;
    expect(pending).toEqual([]);
    expect(done).toHaveLength(2);
    expect(done.every((t) => t instanceof AsyncTask)).toBe(true);
    expect(done.map((t) => t.result)).toEqual(['f', 'bare']);
    expect(done[1]).toBe(bare);
  });

  it('FIRST_COMPLETED resolves on the first done task; pending tasks keep running until the caller cancels them', async () => {
    const clock = fakeClock();
    let slowSignal: AbortSignal | undefined;
    const { done, pending } = await wait(
      [
        () => 'fast',
        (signal: AbortSignal) => {
          slowSignal = signal;
          return neverSettles(signal);
        },
      ],
      { returnWhen: 'FIRST_COMPLETED', clock },
    );
    expect(done.map((t) => t.result)).toEqual(['fast']);
    expect(pending).toHaveLength(1);
    await flush();
    expect(slowSignal?.aborted).toBe(false);
    expect(pending[0]!.status).toBe('running');
    pending[0]!.cancel();
    await expect(pending[0]).rejects.toBeInstanceOf(CancelledError);
  });

  it('FIRST_EXCEPTION resolves when a task is rejected, and does not reject itself', async () => {
    const boom = new Error('boom');
    const { done, pending } = await wait(
      [
        async () => {
          throw boom;
        },
        (signal: AbortSignal) => neverSettles(signal),
      ],
      { returnWhen: 'FIRST_EXCEPTION' },
    );
    expect(done[0]!.error).toBe(boom);
    expect(pending).toHaveLength(1);
    pending[0]!.cancel();
    await expect(pending[0]).rejects.toBeInstanceOf(CancelledError);
  });

  it('resolves with { done, pending } on timeout, as asyncio does', async () => {
    const clock = fakeClock();
    const p = wait([() => 'a', (signal: AbortSignal) => neverSettles(signal)], { timeout: 100, clock });
    await clock.advance(100);
    const { done, pending } = await p;
    expect(done).toHaveLength(1);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.status).toBe('running');
    pending[0]!.cancel();
    await expect(pending[0]).rejects.toBeInstanceOf(CancelledError);
  });

  it('aborting its signal rejects with signal.reason unchanged at once and cancels the pending tasks', async () => {
    const controller = new AbortController();
    const gate = deferred();
    const task = new AsyncTask(stubborn(gate.promise, 1));
    const p = wait([task], { signal: controller.signal });
    controller.abort('abandon');
    await expect(p).rejects.toBe('abandon');
    expect(task.status).toBe('cancelled');
    expect(task.error).toBe('abandon');
    gate.resolve();
  });

  it('throws RangeError for an unknown returnWhen or a NaN timeout, synchronously', () => {
    expect(() => wait([() => 1], { returnWhen: 'ANY' as never })).toThrow(RangeError);
    expect(() => wait([() => 1], { timeout: Number.NaN })).toThrow(RangeError);
  });
});
