/**
 * A task's signal belongs to its work for life, and a failure nobody reads is reported, never lost.
 */
import { describe, expect, it } from 'vitest';
import { FerrisWarning } from '../../src/core/errors.js';
import { AsyncExecutor } from '../../src/executor/AsyncExecutor.js';
import { AsyncTask } from '../../src/task/AsyncTask.js';
import { TaskGroup } from '../../src/task/TaskGroup.js';
import {
  DECIDED,
  NO_SIGNAL,
  SignalQuestion,
  takesNoSignal,
  UNOBSERVED_TASK_ERROR,
} from '../../src/task/taskSupport.js';
import { fakeClock, takeUnreadFailures } from '../support/leakCheck.js';
import { deferred, flush, neverSettles } from '../support/work.js';

/** Collects the unread-failure warnings emitted while it listens. */
function unreadWarnings(): { seen: FerrisWarning[]; stop(): void } {
  const seen: FerrisWarning[] = [];
  const listener = (warning: Error): void => {
    if ((warning as FerrisWarning).code === UNOBSERVED_TASK_ERROR) seen.push(warning as FerrisWarning);
  };
  process.on('warning', listener);
  return { seen, stop: () => process.off('warning', listener) };
}

describe('a task signal belongs to its work for life', () => {
  it('a finished submitAsync task keeps a signal that later cancels of other tasks never abort', async () => {
    const executor = new AsyncExecutor(4);
    const kept: AbortSignal[] = [];
    const wrapped: AbortSignal[] = [];
    for (let i = 0; i < 100; i++) {
      await executor.submitAsync(async (signal) => {
        kept.push(signal);
        wrapped.push(AbortSignal.any([signal]));
        return i;
      });
    }
    for (let i = 0; i < 100; i++) {
      const later = executor.submitAsync((signal) => neverSettles(signal));
      await flush();
      later.cancel();
      await expect(later).rejects.toBeDefined();
    }
    expect(kept.some((s) => s.aborted)).toBe(false);
    expect(wrapped.some((s) => s.aborted)).toBe(false);
    expect(new Set(kept).size).toBe(100); // one signal per unit of work, never shared
    await executor.shutdown();
  });

  it('a finished bare AsyncTask keeps a signal that later cancels and timeouts never abort', async () => {
    const clock = fakeClock();
    const kept: AbortSignal[] = [];
    for (let i = 0; i < 20; i++) await new AsyncTask((signal) => kept.push(signal)).execute();
    for (let i = 0; i < 20; i++) {
      const later = new AsyncTask((signal) => neverSettles(signal), { timeout: 5, clock });
      const settled = expect(later.execute()).rejects.toBeDefined();
      if (i % 2 === 0) later.cancel();
      else await clock.advance(5);
      await settled;
    }
    expect(kept.some((s) => s.aborted)).toBe(false);
  });

  it('still aborts the signal of work that is cancelled or times out while it runs', async () => {
    const clock = fakeClock();
    let cancelledSignal: AbortSignal | undefined;
    let timedOutSignal: AbortSignal | undefined;
    const cancelled = new AsyncTask((signal) => {
      cancelledSignal = signal;
      return neverSettles(signal);
    });
    const timedOut = new AsyncTask(
      (signal) => {
        timedOutSignal = signal;
        return neverSettles(signal);
      },
      { timeout: 10, clock },
    );
    const a = expect(cancelled.execute()).rejects.toBeDefined();
    const b = expect(timedOut.execute()).rejects.toBeDefined();
    cancelled.cancel('stop');
    await clock.advance(10);
    await a;
    await b;
    expect(cancelledSignal?.reason).toBe('stop');
    expect(timedOutSignal?.aborted).toBe(true);
    expect(timedOut.status).toBe('rejected');
  });

  it('calls work written as `() => ...` without a signal, and any other work with one', async () => {
    const seen: unknown[][] = [];
    await new AsyncTask(function (this: unknown, ...args: unknown[]) {
      seen.push(args);
    }).execute();
    await new AsyncTask((signal: AbortSignal) => {
      seen.push([signal]);
    }).execute();
    expect(seen[0]?.[0]).toBeInstanceOf(AbortSignal);
    expect(seen[1]?.[0]).toBeInstanceOf(AbortSignal);
    expect(await new AsyncTask(() => 'no signal needed').execute()).toBe('no signal needed');
  });

  it('tells an empty-parameter arrow from work that can read its signal', () => {
    expect(takesNoSignal(() => 1)).toBe(true);
    expect(takesNoSignal(async () => 1)).toBe(true);
    expect(takesNoSignal(async () => 1)).toBe(true);
    expect(takesNoSignal((_s: AbortSignal) => 1)).toBe(false);
    expect(takesNoSignal((...args: unknown[]) => args)).toBe(false);
    expect(takesNoSignal((s = undefined) => s)).toBe(false);
    expect(
      takesNoSignal(function () {
        // biome-ignore lint/complexity/noArguments: the point of the case: `arguments` can read the signal.
        return arguments[0];
      }),
    ).toBe(false);
    expect(takesNoSignal(async function named() {})).toBe(false);
    expect(takesNoSignal({ m() {} }.m)).toBe(false);
    expect(takesNoSignal((() => 1).bind(null))).toBe(false);
  });
});

describe('an executor answering the signal question for repeated work', () => {
  it('gives every run of repeated work the same answer: a signal for work that can read it, none for `() => ...`', async () => {
    const executor = new AsyncExecutor(2);
    const readsArguments = function (this: unknown) {
      // biome-ignore lint/complexity/noArguments: the point of the case: `arguments` can read the signal.
      return arguments[0] as unknown;
    };
    const noParameter = async () => 'none';
    const results: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      results.push(await executor.submitAsync(readsArguments));
      results.push(await executor.submitAsync(noParameter));
    }
    // Interleaved and queued too: the answer for one function never leaks to another.
    const queued = [1, 2, 3, 4].map((i) => executor.submitAsync(i % 2 === 0 ? readsArguments : noParameter));
    results.push(...(await Promise.all(queued)));
    expect(results.map((r) => (r instanceof AbortSignal ? 'signal' : r))).toEqual([
      'signal',
      'none',
      'signal',
      'none',
      'signal',
      'none',
      'none',
      'signal',
      'none',
      'signal',
    ]);
    await executor.shutdown();
  });

  it('answers per function, remembering only the last one it looked at', () => {
    const question = new SignalQuestion();
    const arrow = () => 1;
    // biome-ignore lint/complexity/useArrowFunction: the point of the case: a `function` can read `arguments`.
    const plain = function () {
      return 1;
    };
    expect(question.flags(arrow)).toBe(DECIDED | NO_SIGNAL);
    expect(question.flags(arrow)).toBe(DECIDED | NO_SIGNAL);
    expect(question.flags(plain)).toBe(DECIDED);
    expect(question.flags((_signal: AbortSignal) => 1)).toBe(DECIDED);
    question.forget();
    expect(question.flags(arrow)).toBe(DECIDED | NO_SIGNAL);
  });
});

describe('a failure nobody reads', () => {
  it('is reported once through process.emitWarning as a FerrisWarning carrying the error', async () => {
    const warnings = unreadWarnings();
    const executor = new AsyncExecutor(2);
    const error = new Error('lost?');
    executor.submitAsync(async () => {
      throw error;
    });
    await flush();
    await flush();
    warnings.stop();
    expect(warnings.seen).toHaveLength(1);
    expect(await takeUnreadFailures()).toEqual(warnings.seen); // expected here: not the leak check's concern
    const [warning] = warnings.seen;
    expect(warning).toBeInstanceOf(FerrisWarning);
    expect(warning?.name).toBe('FerrisWarning');
    expect(warning?.code).toBe('FERRIS_UNOBSERVED_TASK_ERROR');
    expect(warning?.cause).toBe(error);
    expect(warning?.message).toContain('lost?');
    expect(executor.stats().failed).toBe(1);
    await executor.shutdown();
  });

  it('is reported for a bare task executed without anyone awaiting it, and never as an unhandled rejection', async () => {
    const warnings = unreadWarnings();
    new AsyncTask(() => {
      throw new RangeError('sync throw');
    }).execute();
    await flush();
    await flush();
    warnings.stop();
    expect(warnings.seen.map((w) => (w.cause as Error).message)).toEqual(['sync throw']);
    expect(await takeUnreadFailures()).toHaveLength(1);
  });

  it('is not reported when the task is awaited, even after it failed, or read in any other way', async () => {
    const warnings = unreadWarnings();
    const executor = new AsyncExecutor(8);
    const fail = async (): Promise<never> => {
      throw new Error('read');
    };
    const awaited = executor.submitAsync(fail);
    const caught = executor.submitAsync(fail);
    const finallied = executor.submitAsync(fail);
    const viaAll = executor.submitAsync(fail);
    const viaError = executor.submitAsync(fail);
    const viaResolve = executor.submitAsync(fail);
    await expect(awaited).rejects.toThrow('read');
    caught.catch(() => {});
    finallied.finally(() => {}).catch(() => {});
    Promise.all([viaAll]).catch(() => {});
    Promise.resolve(viaResolve).catch(() => {});
    await Promise.resolve();
    expect(viaError.error).toBeInstanceOf(Error); // read in the same turn as the failure
    await flush();
    await flush();
    warnings.stop();
    expect(warnings.seen).toEqual([]);
    await executor.shutdown();
  });

  it('is not reported when a taskSettled listener hears it, nor for cancellations', async () => {
    const warnings = unreadWarnings();
    const executor = new AsyncExecutor(2);
    const heard: string[] = [];
    const off = executor.on('taskSettled', ({ status }) => heard.push(status));
    executor.submitAsync(async () => {
      throw new Error('heard');
    });
    await flush();
    off();
    const gate = deferred();
    const cancelled = executor.submitAsync(() => gate.promise);
    cancelled.cancel();
    gate.resolve();
    await flush();
    await flush();
    warnings.stop();
    expect(heard).toEqual(['rejected']);
    expect(warnings.seen).toEqual([]);
    await executor.shutdown();
  });

  it('is not reported for a child of a task group, whose group rejects with it', async () => {
    const warnings = unreadWarnings();
    const group = new TaskGroup();
    group.createTask(async () => {
      throw new Error('child');
    });
    await expect(group[Symbol.asyncDispose]()).rejects.toThrow('child');
    await flush();
    await flush();
    warnings.stop();
    expect(warnings.seen).toEqual([]);
  });
});
