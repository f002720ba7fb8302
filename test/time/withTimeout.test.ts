import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it, vi } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { sleep } from '../../src/time/sleep.js';
import { withTimeout } from '../../src/time/withTimeout.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, until } from '../support/work.js';

describe('withTimeout', () => {
  it('resolves with the value of work that finishes in time', async () => {
    const clock = fakeClock();
    const gate = deferred();
    const p = withTimeout((signal) => until(gate.promise, signal, 'ok'), 100, { clock });
    await clock.advance(50);
    gate.resolve();
    expect(await p).toBe('ok');
  });

  it('rejects with TimeoutError at once without waiting for work that ignores its signal', async () => {
    const clock = fakeClock();
    const gate = deferred<string>();
    let seen: AbortSignal | undefined;
    const p = withTimeout(
      (signal) => {
        seen = signal;
        return gate.promise; // never looks at the signal
      },
      100,
      { clock },
    );
    const rejected = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(99);
    expect(seen?.aborted).toBe(false);
    await clock.advance(1);
    await rejected;
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
    expect((seen!.reason as TimeoutError).timeout).toBe(100);
    gate.resolve('too late');
    await flush();
  });

  it('drops a late rejection of the work without an unhandled rejection', async () => {
    const clock = fakeClock();
    const gate = deferred<never>();
    const p = withTimeout(() => gate.promise, 10, { clock });
    const rejected = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await rejected;
    gate.reject(new Error('late failure'));
    await flush();
    // The leak check fails this test if the late rejection went unhandled.
  });

  it('resolves to the fallback instead of rejecting when the timeout fires', async () => {
    const clock = fakeClock();
    let seen: AbortSignal | undefined;
    const p = withTimeout(
      (signal) => {
        seen = signal;
        return neverSettles(signal);
      },
      20,
      { clock, fallback: 'stale' },
    );
    await clock.advance(20);
    expect(await p).toBe('stale');
    expect(seen?.aborted).toBe(true);
  });

  it('uses a fallback of undefined when the key is present', async () => {
    const clock = fakeClock();
    const p = withTimeout((signal) => neverSettles(signal), 5, { clock, fallback: undefined });
    await clock.advance(5);
    await expect(p).resolves.toBeUndefined();
  });

  it('still rejects with the work error when a fallback is given', async () => {
    const clock = fakeClock();
    const boom = new Error('boom');
    await expect(withTimeout(() => Promise.reject(boom), 100, { clock, fallback: 0 })).rejects.toBe(boom);
    await expect(
      withTimeout(
        () => {
          throw boom;
        },
        100,
        { clock, fallback: 0 },
      ),
    ).rejects.toBe(boom);
    expect(clock.pending()).toEqual([]);
  });

  it('rejects with the signal reason unchanged on abort, even with a fallback, and aborts the work', async () => {
    const clock = fakeClock();
    const c = new AbortController();
    let seen: AbortSignal | undefined;
    const p = withTimeout(
      (signal) => {
        seen = signal;
        return neverSettles(signal);
      },
      1000,
      { clock, signal: c.signal, fallback: 'unused' },
    );
    const reason = { why: 'user' };
    c.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(seen?.reason).toBe(reason);
    expect(clock.pending()).toEqual([]);
  });

  it('rejects with the reason of an already aborted signal without calling the work', async () => {
    let calls = 0;
    const p = withTimeout(
      () => {
        calls++;
      },
      100,
      { signal: AbortSignal.abort('gone') },
    );
    await expect(p).rejects.toBe('gone');
    expect(calls).toBe(0);
  });

  it('leaves no timer and no listener when the work finishes early', async () => {
    const clock = fakeClock();
    const c = new AbortController();
    const p = withTimeout(async () => 'fast', 1000, { clock, signal: c.signal });
    expect(await p).toBe('fast');
    expect(clock.pending()).toEqual([]);
    // The leak check fails this test if the listener on c.signal was left behind.
  });

  it('fires a timeout of 0 or less on the next macrotask, still calling the work', async () => {
    for (const ms of [0, -1]) {
      const clock = fakeClock();
      let calls = 0;
      const p = withTimeout(
        (signal) => {
          calls++;
          return neverSettles(signal);
        },
        ms,
        { clock },
      );
      expect(calls).toBe(1);
      const rejected = expect(p).rejects.toBeInstanceOf(TimeoutError);
      await clock.advance(0);
      await rejected;
    }
  });

  it('lets work that settled before the next macrotask win over a timeout of 0', async () => {
    const clock = fakeClock();
    expect(await withTimeout(() => 'sync', 0, { clock })).toBe('sync');
    expect(await withTimeout(async () => 'micro', 0, { clock })).toBe('micro');
    expect(clock.pending()).toEqual([]);
  });

  it('schedules nothing for an Infinity timeout', async () => {
    const clock = fakeClock();
    const gate = deferred();
    const p = withTimeout((signal) => until(gate.promise, signal, 1), Number.POSITIVE_INFINITY, { clock });
    expect(clock.pending()).toEqual([]);
    gate.resolve();
    expect(await p).toBe(1);
  });

  it('throws synchronously: RangeError for NaN, TypeError for bad input', () => {
    expect(() => withTimeout(() => 1, Number.NaN)).toThrow(RangeError);
    expect(() => withTimeout(() => 1, '5' as never)).toThrow(TypeError);
    expect(() => withTimeout('fn' as never, 5)).toThrow(TypeError);
    expect(() => withTimeout(() => 1, 5, { signal: 'x' as never })).toThrow(TypeError);
    expect(() => withTimeout(() => 1, 5, 'opts' as never)).toThrow(TypeError);
  });
});

describe('withTimeout, as SPEC states it', () => {
  it('resolves with the value when the work finishes first and clears its timer', async () => {
    const clock = fakeClock();
    const p = withTimeout(() => sleep(10, { clock }).then(() => 'v'), 50, { clock });
    await clock.advance(10);
    expect(await p).toBe('v');
    expect(clock.pending()).toEqual([]);
  });

  it('rejects at once with TimeoutError, aborts the work, never waits for it, and drops its late outcome', async () => {
    const clock = fakeClock();
    const gate = deferred();
    let seen: AbortSignal | undefined;
    const p = withTimeout(
      (signal) => {
        seen = signal;
        return gate.promise.then(() => {
          throw new Error('late failure');
        });
      },
      50,
      { clock },
    );
    const rejected = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await rejected;
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
    gate.resolve(); // the late rejection must not be unhandled (the leak check would fail)
    await flush();
  });

  it('with fallback (key present, even undefined) resolves to it on timeout only; work errors and aborts still reject', async () => {
    const clock = fakeClock();
    const a = withTimeout((signal) => neverSettles(signal), 10, { fallback: 'stale', clock });
    const b = withTimeout((signal) => neverSettles(signal), 10, { fallback: undefined, clock });
    await clock.advance(10);
    expect(await a).toBe('stale');
    expect(await b).toBeUndefined();
    const boom = new Error('boom');
    await expect(
      withTimeout(
        async () => {
          throw boom;
        },
        10,
        { fallback: 'x', clock },
      ),
    ).rejects.toBe(boom);
    const controller = new AbortController();
    const c = withTimeout((signal) => neverSettles(signal), 10, {
      fallback: 'x',
      signal: controller.signal,
      clock,
    });
    controller.abort('user');
    await expect(c).rejects.toBe('user');
  });

  it('with ms <= 0 the function is still called and wins only if it settled before the next macrotask', async () => {
    for (const ms of [0, -1]) {
      const fn = vi.fn(() => 'sync');
      expect(await withTimeout(fn, ms)).toBe('sync');
      expect(fn).toHaveBeenCalledTimes(1);
      expect(await withTimeout(() => Promise.resolve('micro'), ms)).toBe('micro');
      await expect(withTimeout((signal) => neverSettles(signal), ms)).rejects.toBeInstanceOf(TimeoutError);
    }
  });

  it('Infinity means no deadline; NaN throws RangeError synchronously', async () => {
    const clock = fakeClock();
    const p = withTimeout(() => sleep(1e12, { clock }).then(() => 1), Number.POSITIVE_INFINITY, { clock });
    expect(clock.pending()).toHaveLength(1); // only the sleep's timer
    await clock.advance(1e12);
    expect(await p).toBe(1);
    expect(() => withTimeout(() => 1, Number.NaN)).toThrow(RangeError);
    expect(() => withTimeout('x' as never, 1)).toThrow(TypeError);
  });

  it('runs the work in the caller’s AsyncLocalStorage context', async () => {
    const als = new AsyncLocalStorage<string>();
    expect(await als.run('ctx', () => withTimeout(() => als.getStore(), 100))).toBe('ctx');
  });
});
