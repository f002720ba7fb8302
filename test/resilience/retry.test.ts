import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it, vi } from 'vitest';
import { FerrisError, RetryError } from '../../src/core/errors.js';
import { backoffDelay } from '../../src/resilience/backoff.js';
import { retry } from '../../src/resilience/retry.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles } from '../support/work.js';

/** Work that fails `failures` times, then returns `value`; records each call's attempt number. */
function flaky<T>(failures: number, value: T) {
  const calls: number[] = [];
  const errors: Error[] = [];
  const fn = async (_signal: AbortSignal, attempt: number): Promise<T> => {
    calls.push(attempt);
    if (calls.length <= failures) {
      const error = new Error(`failure ${calls.length}`);
      errors.push(error);
      throw error;
    }
    return value;
  };
  return { fn, calls, errors };
}

const noJitter = { initial: 100, jitter: 'none' } as const;

describe('retry', () => {
  it('resolves with the first success and passes the attempt number to each call', async () => {
    const clock = fakeClock();
    const work = flaky(2, 'ok');
    const p = retry(work.fn, { clock, backoff: noJitter });
    await clock.advance(100);
    expect(work.calls).toEqual([1, 2]);
    await clock.advance(200);
    expect(await p).toBe('ok');
    expect(work.calls).toEqual([1, 2, 3]);
  });

  it('counts attempts as calls, the first included (3 by default)', async () => {
    const clock = fakeClock();
    const work = flaky(10, 'never');
    const p = retry(work.fn, { clock, backoff: noJitter });
    const failed = expect(p).rejects.toBeInstanceOf(RetryError);
    await clock.runAll();
    await failed;
    expect(work.calls).toEqual([1, 2, 3]);

    const once = flaky(10, 'never');
    await expect(retry(once.fn, { attempts: 1, clock })).rejects.toBeInstanceOf(RetryError);
    expect(once.calls).toEqual([1]);
  });

  it('returns a plain value at once when the first call succeeds synchronously', async () => {
    let calls = 0;
    expect(
      await retry(() => {
        calls++;
        return 42;
      }),
    ).toBe(42);
    expect(calls).toBe(1);
  });

  it('rejects with RetryError listing every attempt error in order, the last as cause', async () => {
    const clock = fakeClock();
    const work = flaky(10, 'never');
    const p = retry(work.fn, { attempts: 4, clock, backoff: noJitter });
    const caught = p.catch((e: unknown) => e);
    await clock.runAll();
    const error = (await caught) as RetryError;
    expect(error).toBeInstanceOf(RetryError);
    expect(error.errors).toEqual(work.errors);
    expect(error.errors.map((e) => (e as Error).message)).toEqual([
      'failure 1',
      'failure 2',
      'failure 3',
      'failure 4',
    ]);
    expect(error.cause).toBe(work.errors[3]);
  });

  it('treats a synchronous throw as a failed attempt', async () => {
    const clock = fakeClock();
    let calls = 0;
    const p = retry(
      () => {
        calls++;
        if (calls < 2) throw new Error('sync');
        return 'second';
      },
      { clock, backoff: noJitter },
    );
    await clock.advance(100);
    expect(await p).toBe('second');
  });

  it('waits exactly the backoff delay between attempts', async () => {
    const clock = fakeClock();
    const work = flaky(3, 'ok');
    const p = retry(work.fn, { attempts: 5, clock, backoff: { initial: 100, factor: 3, jitter: 'none' } });
    await clock.advance(99);
    expect(work.calls).toEqual([1]);
    await clock.advance(1);
    expect(work.calls).toEqual([1, 2]);
    await clock.advance(299);
    expect(work.calls).toEqual([1, 2]);
    await clock.advance(1);
    expect(work.calls).toEqual([1, 2, 3]);
    await clock.advance(900);
    expect(await p).toBe('ok');
  });

  it('applies full jitter by default with the injected random', async () => {
    const clock = fakeClock();
    const work = flaky(1, 'ok');
    const delays: number[] = [];
    const p = retry(work.fn, { clock, random: () => 0.25, onRetry: (_e, _a, d) => delays.push(d) });
    await clock.advance(25);
    expect(await p).toBe('ok');
    expect(delays).toEqual([25]);
  });

  it('grows decorrelated delays from the previous delay', async () => {
    const clock = fakeClock();
    const work = flaky(3, 'ok');
    const delays: number[] = [];
    const p = retry(work.fn, {
      attempts: 4,
      clock,
      random: () => 1,
      backoff: { initial: 100, max: 1000, jitter: 'decorrelated' },
      onRetry: (_e, _a, d) => delays.push(d),
    });
    await clock.runAll();
    expect(await p).toBe('ok');
    expect(delays).toEqual([300, 900, 1000]);
  });

  it('calls onRetry with the error, the failed attempt number and the delay ahead', async () => {
    const clock = fakeClock();
    const work = flaky(2, 'ok');
    const seen: [unknown, number, number][] = [];
    const p = retry(work.fn, { clock, backoff: noJitter, onRetry: (e, a, d) => seen.push([e, a, d]) });
    await clock.runAll();
    await p;
    expect(seen).toEqual([
      [work.errors[0], 1, 100],
      [work.errors[1], 2, 200],
    ]);
  });

  it('rethrows an error that retryIf rejects as itself, without further calls', async () => {
    const clock = fakeClock();
    const fatal = new TypeError('fatal');
    const asked: [unknown, number][] = [];
    let calls = 0;
    const p = retry(
      async () => {
        calls++;
        throw calls === 1 ? new Error('transient') : fatal;
      },
      {
        attempts: 5,
        clock,
        retryIf: (e, a) => {
          asked.push([e, a]);
          return !(e instanceof TypeError);
        },
      },
    );
    const failed = expect(p).rejects.toBe(fatal);
    await clock.runAll();
    await failed;
    expect(calls).toBe(2);
    expect(asked.map(([, a]) => a)).toEqual([1, 2]);
  });

  it('rejects with the error thrown by retryIf or onRetry', async () => {
    const clock = fakeClock();
    const bug = new Error('bug in retryIf');
    await expect(
      retry(() => Promise.reject(new Error('x')), {
        clock,
        retryIf: () => {
          throw bug;
        },
      }),
    ).rejects.toBe(bug);
    const bug2 = new Error('bug in onRetry');
    await expect(
      retry(() => Promise.reject(new Error('x')), {
        clock,
        onRetry: () => {
          throw bug2;
        },
      }),
    ).rejects.toBe(bug2);
  });

  it('rejects at once with signal.reason when aborted during the backoff, and makes no further call', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const work = flaky(10, 'never');
    const p = retry(work.fn, { clock, signal: controller.signal, backoff: noJitter });
    await flush();
    expect(clock.pending()).toEqual([{ due: 100 }]);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(clock.pending()).toEqual([]);
    await clock.advance(10_000);
    expect(work.calls).toEqual([1]);
  });

  it('aborts the running call through its signal and rejects at once with the reason', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const p = retry(
      (signal) => {
        seen = signal;
        return neverSettles(signal);
      },
      { clock, signal: controller.signal },
    );
    expect(seen?.aborted).toBe(false);
    controller.abort('why');
    expect(seen?.aborted).toBe(true);
    await expect(p).rejects.toBe('why');
    expect(clock.pending()).toEqual([]);
  });

  it('drops what an abandoned call produces after the abort, without an unhandled rejection', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const gate = deferred<string>();
    let calls = 0;
    const p = retry(
      () => {
        calls++;
        return gate.promise;
      },
      { clock, signal: controller.signal },
    );
    controller.abort('gone');
    await expect(p).rejects.toBe('gone');
    gate.reject(new Error('late failure'));
    await flush();
    expect(calls).toBe(1);
    expect(clock.pending()).toEqual([]);
  });

  it('rejects with the reason without calling fn when the signal is already aborted', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls++;
        },
        { signal: AbortSignal.abort('early') },
      ),
    ).rejects.toBe('early');
    expect(calls).toBe(0);
  });

  it('leaves no timer and no abort listener once it settles', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const work = flaky(1, 'ok');
    const p = retry(work.fn, { clock, signal: controller.signal, backoff: noJitter });
    await clock.advance(100);
    expect(await p).toBe('ok');
    expect(clock.pending()).toEqual([]);
    // The leak check after this test also verifies that the signal has no listener left.
  });

  it('keeps retrying with attempts: Infinity until a call succeeds', async () => {
    const clock = fakeClock();
    const work = flaky(50, 'finally');
    const p = retry(work.fn, { attempts: Number.POSITIVE_INFINITY, clock, backoff: { initial: 0 } });
    await clock.runAll();
    expect(await p).toBe('finally');
    expect(work.calls).toHaveLength(51);
  });

  it("runs later attempts in the caller's AsyncLocalStorage context", async () => {
    const clock = fakeClock();
    const store = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const p = store.run('caller', () =>
      retry(
        async () => {
          seen.push(store.getStore());
          if (seen.length < 2) throw new Error('again');
          return 'ok';
        },
        { clock, backoff: noJitter },
      ),
    );
    await clock.advance(100);
    await p;
    expect(seen).toEqual(['caller', 'caller']);
  });

  it('rejects bad arguments synchronously, naming the option and the value', () => {
    const ok = () => 1;
    expect(() => retry('nope' as never)).toThrow(/retry fn must be a function/);
    expect(() => retry(ok, 5 as never)).toThrow(/retry options must be an object/);
    expect(() => retry(ok, { attempts: 0 })).toThrow(
      /retry options\.attempts must be an integer >= 1 or Infinity, got 0/,
    );
    expect(() => retry(ok, { attempts: 2.5 })).toThrow(RangeError);
    expect(() => retry(ok, { attempts: Number.NaN })).toThrow(RangeError);
    expect(() => retry(ok, { attempts: '3' as never })).toThrow(TypeError);
    expect(() => retry(ok, { backoff: { initial: -1 } })).toThrow(/retry options\.backoff\.initial/);
    expect(() => retry(ok, { backoff: { max: Number.NaN } })).toThrow(/retry options\.backoff\.max/);
    expect(() => retry(ok, { backoff: { factor: 0 } })).toThrow(/retry options\.backoff\.factor/);
    expect(() => retry(ok, { backoff: { jitter: 'x' as never } })).toThrow(/retry options\.backoff\.jitter/);
    expect(() => retry(ok, { retryIf: true as never })).toThrow(/retry options\.retryIf must be a function/);
    expect(() => retry(ok, { onRetry: {} as never })).toThrow(/retry options\.onRetry must be a function/);
    expect(() => retry(ok, { signal: {} as never })).toThrow(/retry options\.signal must be an AbortSignal/);
    expect(() => retry(ok, { clock: {} as never })).toThrow(/retry options\.clock must be a Clock/);
    expect(() => retry(ok, { random: 0.5 as never })).toThrow(/retry options\.random must be a function/);
  });
});

/** Work that fails with a fresh error per call and records how many calls it got. */
function failing() {
  const errors: Error[] = [];
  const fn = (): Promise<never> => {
    const error = new Error(`failure ${errors.length + 1}`);
    errors.push(error);
    return Promise.reject(error);
  };
  return { fn, errors };
}

describe('retry, as SPEC states it', () => {
  it('attempts counts calls, the first included, and defaults to 3', async () => {
    const clock = fakeClock();
    const three = failing();
    const p3 = expect(retry(three.fn, { clock })).rejects.toBeInstanceOf(RetryError);
    await clock.runAll();
    await p3;
    expect(three.errors).toHaveLength(3);
    const five = failing();
    const p5 = expect(retry(five.fn, { clock, attempts: 5 })).rejects.toBeInstanceOf(RetryError);
    await clock.runAll();
    await p5;
    expect(five.errors).toHaveLength(5);
    const one = failing();
    await expect(retry(one.fn, { clock, attempts: 1 })).rejects.toBeInstanceOf(RetryError);
    expect(one.errors).toHaveLength(1);
  });

  it('backs off from initial 100 ms by factor 2 up to max 30000 ms by default', () => {
    const none = { jitter: 'none' } as const;
    expect(backoffDelay(1, none)).toBe(100);
    expect(backoffDelay(2, none)).toBe(200);
    expect(backoffDelay(3, none)).toBe(400);
    expect(backoffDelay(9, none)).toBe(25_600);
    expect(backoffDelay(10, none)).toBe(30_000);
    expect(backoffDelay(1000, none)).toBe(30_000);
  });

  it("uses 'full' jitter by default: a uniform delay in [0, exponential)", () => {
    expect(backoffDelay(1, {}, { random: () => 0.5 })).toBe(50);
    expect(backoffDelay(3, {}, { random: () => 0.25 })).toBe(100);
    expect(backoffDelay(3, {}, { random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { jitter: 'full' }, { random: () => 0.25 })).toBe(100);
  });

  it('waits the default backoff between calls on the injected clock', async () => {
    const clock = fakeClock();
    const spy = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const work = failing();
      const p = expect(retry(work.fn, { clock })).rejects.toBeInstanceOf(RetryError);
      await flush();
      expect(work.errors).toHaveLength(1);
      await clock.advance(49);
      expect(work.errors).toHaveLength(1);
      await clock.advance(1); // 0.5 * 100
      expect(work.errors).toHaveLength(2);
      await clock.advance(99);
      expect(work.errors).toHaveLength(2);
      await clock.advance(1); // 0.5 * 200
      expect(work.errors).toHaveLength(3);
      await p;
    } finally {
      spy.mockRestore();
    }
  });

  it('rethrows an error that retryIf rejects as itself, without another call', async () => {
    const clock = fakeClock();
    const error = new TypeError('fatal');
    let calls = 0;
    const seen: unknown[] = [];
    const p = retry(
      () => {
        calls++;
        throw error;
      },
      {
        clock,
        retryIf: (e) => {
          seen.push(e);
          return false;
        },
      },
    );
    await expect(p).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(seen).toEqual([error]);
  });

  it('rejects with a RetryError holding every error in order and the last as cause', async () => {
    const clock = fakeClock();
    const work = failing();
    const p = retry(work.fn, { clock, attempts: 4, backoff: { jitter: 'none' } });
    const caught = p.catch((e: unknown) => e);
    await clock.runAll();
    const error = (await caught) as RetryError;
    expect(error).toBeInstanceOf(RetryError);
    expect(error).toBeInstanceOf(FerrisError);
    expect(error.errors).toEqual(work.errors);
    expect(error.errors[0]).toBe(work.errors[0]);
    expect(error.cause).toBe(work.errors[3]);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('rejects at once with signal.reason when aborted during a backoff, and makes no further call', async () => {
    const clock = fakeClock();
    const work = failing();
    const controller = new AbortController();
    const p = retry(work.fn, { clock, signal: controller.signal, backoff: { jitter: 'none' } });
    await flush();
    expect(work.errors).toHaveLength(1);
    expect(clock.pending()).toHaveLength(1);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(clock.pending()).toHaveLength(0);
    await clock.advance(10_000);
    expect(work.errors).toHaveLength(1);
  });

  it('rejects at once with signal.reason when aborted during a call, without waiting for it', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const p = retry(
      (signal) => {
        seen.push(signal);
        return new Promise<never>(() => {});
      },
      { clock, signal: controller.signal },
    );
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(seen[0]!.aborted).toBe(true);
    expect(clock.pending()).toHaveLength(0);
  });

  it('passes the signal to every call and resolves with the first success', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const p = retry(
      (signal, attempt) => {
        signals.push(signal);
        if (attempt < 2) throw new Error('once');
        return 'ok';
      },
      { clock, signal: controller.signal, backoff: { jitter: 'none' } },
    );
    await clock.advance(100);
    await expect(p).resolves.toBe('ok');
    expect(signals).toEqual([controller.signal, controller.signal]);
  });

  it('throws synchronously for bad arguments, naming the option and value', () => {
    expect(() => retry('nope' as never)).toThrow(TypeError);
    expect(() => retry(() => 1, { attempts: 0 })).toThrow(RangeError);
    expect(() => retry(() => 1, { attempts: 1.5 })).toThrow(/attempts.*1\.5/);
    expect(() => retry(() => 1, { attempts: Number.NaN })).toThrow(RangeError);
    expect(() => retry(() => 1, { backoff: { jitter: 'random' as never } })).toThrow(/jitter/);
    expect(() => retry(() => 1, { backoff: { factor: 0.5 } })).toThrow(RangeError);
  });
});
