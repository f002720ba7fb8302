import { describe, expect, expectTypeOf, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import { asCompleted } from '../../src/task/asCompleted.js';
import { sleep } from '../../src/time/sleep.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles } from '../support/work.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('asCompleted', () => {
  it('yields values in completion order', async () => {
    const clock = fakeClock();
    const valueAfter = (ms: number, value: string) => (signal: AbortSignal) =>
      sleep(ms, { clock, signal }).then(() => value);
    const values = collect(asCompleted([valueAfter(30, 'c'), valueAfter(10, 'a'), valueAfter(20, 'b')]));
    expectTypeOf(asCompleted([() => 1, async () => 'x'])).toEqualTypeOf<
      AsyncIterableIterator<number | string>
    >();
    await clock.advance(30);
    await expect(values).resolves.toEqual(['a', 'b', 'c']);
  });

  it('starts the work on the first next(), not when called', async () => {
    let started = 0;
    const it = asCompleted([() => ++started, () => ++started]);
    await flush();
    expect(started).toBe(0);
    expect(await it.next()).toEqual({ done: false, value: 1 });
    expect(started).toBe(2);
    expect(await it.next()).toEqual({ done: false, value: 2 });
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('yields earlier values, then throws the first error once the aborted rest has settled', async () => {
    const clock = fakeClock();
    const boom = new Error('boom');
    const stubborn = deferred();
    const reasons: unknown[] = [];
    const it = asCompleted([
      () => 'first',
      (signal) => sleep(10, { clock, signal }).then(() => Promise.reject(boom)),
      async (signal) => {
        signal.addEventListener('abort', () => reasons.push(signal.reason), { once: true });
        await stubborn.promise; // ignores its signal
        return 'late';
      },
    ]);
    expect(await it.next()).toEqual({ done: false, value: 'first' });
    const failing = it.next();
    let settled = false;
    failing.then(
      () => {},
      () => {
        settled = true;
      },
    );
    await clock.advance(10);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(CancelledError);
    expect((reasons[0] as Error).cause).toBe(boom);
    expect(settled).toBe(false);
    stubborn.resolve();
    await expect(failing).rejects.toBe(boom);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('aborts the rest when the consumer breaks early and waits for their work to settle', async () => {
    const stubborn = deferred();
    const reasons: unknown[] = [];
    const it = asCompleted([
      () => 'only',
      async (signal) =>
        neverSettles(signal)
          .catch((e: unknown) => reasons.push(e))
          .then(() => 'x'),
      async (signal) => {
        signal.addEventListener('abort', () => reasons.push(signal.reason), { once: true });
        await stubborn.promise;
        return 'y';
      },
    ]);
    const seen: string[] = [];
    let loopDone = false;
    const loop = (async () => {
      for await (const value of it) {
        seen.push(value);
        break;
      }
      loopDone = true;
    })();
    await flush();
    expect(seen).toEqual(['only']);
    expect(reasons).toHaveLength(2);
    for (const reason of reasons) expect(reason).toBeInstanceOf(CancelledError);
    expect(loopDone).toBe(false); // return() waits for the work that ignores its signal
    stubborn.resolve();
    await loop;
    expect(loopDone).toBe(true);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('throws TimeoutError from the iteration when the timeout passes first', async () => {
    const clock = fakeClock();
    const reasons: unknown[] = [];
    const it = asCompleted(
      [
        (signal: AbortSignal) => sleep(10, { clock, signal }).then(() => 'quick'),
        async (signal: AbortSignal) => neverSettles(signal).catch((e: unknown) => reasons.push(e)),
      ],
      { timeout: 50, clock },
    );
    const first = it.next();
    await clock.advance(10);
    expect(await first).toEqual({ done: false, value: 'quick' });
    const second = expect(it.next()).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(40);
    await second;
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(TimeoutError);
  });

  it('clears its timer and listener when everything completes in time', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const values = await collect(
      asCompleted([async () => 1], { timeout: 100, clock, signal: controller.signal }),
    );
    expect(values).toEqual([1]);
    expect(clock.pending()).toEqual([]);
  });

  it('throws the signal reason after aborting the work still running', async () => {
    const controller = new AbortController();
    const reasons: unknown[] = [];
    const it = asCompleted(
      [async (signal: AbortSignal) => neverSettles(signal).catch((e: unknown) => reasons.push(e))],
      {
        signal: controller.signal,
      },
    );
    const next = it.next();
    controller.abort('stop');
    await expect(next).rejects.toBe('stop');
    expect(reasons).toEqual(['stop']);
  });

  it('throws the reason and runs nothing when the signal is already aborted', async () => {
    let ran = false;
    const it = asCompleted(
      [
        () => {
          ran = true;
        },
      ],
      { signal: AbortSignal.abort('before') },
    );
    await expect(it.next()).rejects.toBe('before');
    expect(ran).toBe(false);
  });

  it('never runs the work when return() comes before the first next()', async () => {
    let ran = false;
    const it = asCompleted([
      () => {
        ran = true;
      },
    ]);
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(ran).toBe(false);
  });

  it('ends at once for no functions', async () => {
    await expect(collect(asCompleted([]))).resolves.toEqual([]);
  });

  it('throws synchronously on bad input', () => {
    expect(() => asCompleted([() => 1, {} as never])).toThrow(/asCompleted fns\[1\] must be a function/);
    expect(() => asCompleted(undefined as never)).toThrow(TypeError);
    expect(() => asCompleted([], { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => asCompleted([], { signal: 1 as never })).toThrow(TypeError);
    expect(() => asCompleted([], { clock: {} as never })).toThrow(TypeError);
  });
});
