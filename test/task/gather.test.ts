import { describe, expect, expectTypeOf, it } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import { gather } from '../../src/task/gather.js';
import { sleep } from '../../src/time/sleep.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles, track } from '../support/work.js';

describe('gather', () => {
  it('resolves to the results in input order, not completion order', async () => {
    const clock = fakeClock();
    const run = gather([
      (signal) => sleep(30, { clock, signal }).then(() => 'slow'),
      (signal) => sleep(10, { clock, signal }).then(() => 'fast'),
      () => 'sync',
    ]);
    await clock.advance(30);
    await expect(run).resolves.toEqual(['slow', 'fast', 'sync']);
  });

  it('runs every function at once, each with its own signal', async () => {
    const started: AbortSignal[] = [];
    const gate = deferred();
    const run = gather(
      [1, 2, 3].map((n) => (signal: AbortSignal) => {
        started.push(signal);
        return gate.promise.then(() => n);
      }),
    );
    expect(started).toHaveLength(3);
    expect(new Set(started).size).toBe(3);
    gate.resolve();
    await expect(run).resolves.toEqual([1, 2, 3]);
  });

  it("types the results as a tuple of the functions' awaited return types", async () => {
    const results = await gather([() => 1, async () => 'a', () => Promise.resolve(true)]);
    expectTypeOf(results).toEqualTypeOf<[number, string, boolean]>();
    expect(results).toEqual([1, 'a', true]);
    const fromSet = await gather(new Set([() => 2, async () => 3]));
    expectTypeOf(fromSet).toEqualTypeOf<number[]>();
    expect(fromSet).toEqual([2, 3]);
  });

  it('resolves to an empty array for no functions', async () => {
    await expect(gather([])).resolves.toEqual([]);
  });

  it('aborts the others on the first failure and rejects with it after their work settled', async () => {
    const boom = new Error('boom');
    const stubborn = deferred();
    const reasons: unknown[] = [];
    let settled = false;
    const run = gather([
      async (signal) => neverSettles(signal).catch((e: unknown) => reasons.push(e)),
      async (signal) => {
        signal.addEventListener('abort', () => reasons.push(signal.reason), { once: true });
        await stubborn.promise; // ignores its signal
      },
      () => Promise.reject(boom),
    ]);
    run.then(
      () => {},
      () => {
        settled = true;
      },
    );
    await flush();
    expect(reasons).toHaveLength(2);
    for (const reason of reasons) {
      expect(reason).toBeInstanceOf(CancelledError);
      expect((reason as Error).cause).toBe(boom);
    }
    expect(settled).toBe(false);
    stubborn.resolve();
    await expect(run).rejects.toBe(boom);
  });

  it('puts errors in place of results with returnExceptions, without aborting the others', async () => {
    const boom = new Error('boom');
    const gate = deferred();
    let aborted = false;
    const run = gather(
      [
        () => Promise.reject(boom),
        async (signal) => {
          await gate.promise;
          aborted = signal.aborted;
          return 'ok';
        },
        () => {
          throw new TypeError('sync');
        },
      ],
      { returnExceptions: true },
    );
    await flush();
    gate.resolve();
    const results = await run;
    expect(results[0]).toBe(boom);
    expect(results[1]).toBe('ok');
    expect(results[2]).toBeInstanceOf(TypeError);
    expect(aborted).toBe(false);
  });

  it('rejects with the signal reason after aborting every function, once their work settled', async () => {
    const controller = new AbortController();
    const reasons: unknown[] = [];
    const run = gather(
      [
        async (signal) => neverSettles(signal).catch((e: unknown) => reasons.push(e)),
        async (signal) => neverSettles(signal).catch((e: unknown) => reasons.push(e)),
      ],
      { signal: controller.signal, returnExceptions: true },
    );
    await flush();
    controller.abort('stop');
    await expect(run).rejects.toBe('stop');
    expect(reasons).toEqual(['stop', 'stop']);
  });

  it('throws TypeError synchronously for a non-function entry or a bad option', () => {
    expect(() => gather([() => 1, 2 as never])).toThrow(/gather fns\[1\] must be a function/);
    expect(() => gather(5 as never)).toThrow(TypeError);
    expect(() => gather([], { returnExceptions: 'yes' as never })).toThrow(TypeError);
    expect(() => gather([], { signal: {} as never })).toThrow(TypeError);
  });
});

describe('gather timeout', () => {
  it('rejects with TimeoutError after aborting the functions still running, even with returnExceptions', async () => {
    const clock = fakeClock();
    let aborted: unknown;
    const p = gather(
      [
        async () => 1,
        (signal: AbortSignal) =>
          neverSettles(signal).catch((e: unknown) => {
            aborted = e;
            throw e;
          }),
      ],
      { timeout: 20, clock, returnExceptions: true },
    );
    const rejected = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(20);
    await rejected;
    expect(aborted).toBeInstanceOf(TimeoutError);
    expect(clock.pending()).toEqual([]);
  });

  it('throws synchronously for a NaN timeout, naming gather', () => {
    expect(() => gather([async () => 1], { timeout: Number.NaN })).toThrow(/gather options\.timeout/);
  });
});

describe('gather, as SPEC states it', () => {
  it('resolves in input order', async () => {
    const clock = fakeClock();
    const p = gather([() => sleep(20, { clock }).then(() => 'a'), () => 'b', async () => 'c']);
    await clock.advance(20);
    expect(await p).toEqual(['a', 'b', 'c']);
  });

  it('aborts the others on the first failure and rejects with it after every child settled', async () => {
    const boom = new Error('boom');
    const cleanup = deferred();
    let reason: unknown;
    let settled = false;
    const p = gather([
      async (signal: AbortSignal) => {
        await neverSettles(signal).catch((e: unknown) => {
          reason = e;
        });
        await cleanup.promise;
        settled = true;
      },
      async () => {
        await Promise.resolve();
        throw boom;
      },
    ]);
    const state = track(p);
    await flush();
    expect(reason).toBeInstanceOf(CancelledError);
    expect(state.settled).toBe(false);
    cleanup.resolve();
    await expect(p).rejects.toBe(boom);
    expect(settled).toBe(true);
  });

  it('returnExceptions: true puts each error at its position and aborts nothing', async () => {
    const boom = new Error('boom');
    let aborted = false;
    const out = await gather(
      [
        () => {
          throw boom;
        },
        async (signal: AbortSignal) => {
          await flush();
          aborted = signal.aborted;
          return 2;
        },
      ],
      { returnExceptions: true },
    );
    expect(out).toEqual([boom, 2]);
    expect(aborted).toBe(false);
  });

  it('throws synchronously for entries that are not functions', () => {
    expect(() => gather([1 as never])).toThrow(TypeError);
  });
});
