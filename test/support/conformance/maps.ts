/**
 * The conformance suite for everything that maps work over items (issue 11: one engine, one set of
 * behaviours): one function registers the shared tests for an entry point described by a {@link MapCase}.
 * `test/parallel/maps.conformance.test.ts` runs it against `asyncParallelMap`, `asyncParallelFilter`,
 * `asyncParallelMapStream` and `AsyncExecutor.mapAsync`; `WorkerPool.map` can join with one more case.
 *
 * The behaviours, one decision per point:
 * - results in input order; empty input gives `[]`; arrays, sync iterables, generators and async iterables
 *   as input; `fn(item, index, signal)`; a synchronous `fn` may return a plain value or throw (that item's error);
 * - never more than `maxConcurrent` items run at once, and no more than that many are pulled but not started;
 * - `stopOnError` (default true): the first error rejects the call with that error itself, nothing new starts,
 *   the other items' signal aborts with a `CancelledError` caused by it, and the call settles only after every
 *   started item settled; what the aborted items then report is not a failure. `stopOnError: false`: every
 *   item runs and the call rejects with an `AggregateError` of every error in input order;
 * - `onError(error, item, index)` for every item error that is not a cancellation, as it happens, before the
 *   call settles; never for errors of the source; an error it throws rejects the call;
 * - a source that throws rejects the call with its error, and aborts the items with a `CancelledError` caused
 *   by it; a source left early is closed once (`return()`), after the started items settled and before the
 *   call settles; a source that ended or threw is never closed;
 * - `signal`: already aborted, the call rejects at once with `signal.reason` and calls nothing; aborted
 *   mid-way, it rejects with `signal.reason` unchanged once the running items settled; no listener is left;
 * - `timeout`: a deadline for the whole call, rejecting with `TimeoutError`;
 * - a source whose `next()` never settles does not hold up a timeout or an abort;
 * - `limiter`: each item takes its slot, then waits for one token in it, tokens requested in input order; a
 *   rejected token is that item's error; token waits pending at a stop are aborted and are not failures;
 * - the signal an item received belongs to it for life: never aborted after the call resolved.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/Clock.js';
import { CancelledError, TimeoutError } from '../../../src/core/errors.js';
import type { ItemWork, MapLimiter, MapProgress, Source } from '../../../src/core/types.js';
import type { FakeClock } from '../../../src/testing/FakeClock.js';
import { fakeClock } from '../leakCheck.js';
import { type Deferred, deferred, flush, neverSettles, track, until } from '../work.js';

/** The options a case may take besides `maxConcurrent`, `signal` and `clock`. */
export type MapOption = 'stopOnError' | 'onError' | 'timeout' | 'limiter';

/** What a test passes to {@link MapCase.run}. */
export interface MapCaseOptions<T> {
  /** The bound: `maxConcurrent` of the maps and the stream, `maxWorkers` of the executor that runs `mapAsync`. */
  maxConcurrent: number;
  /** The test's fake clock: the maps' `clock` option, the executor's `clock`. */
  clock: Clock;
  signal?: AbortSignal | undefined;
  stopOnError?: boolean | undefined;
  timeout?: number | undefined;
  limiter?: MapLimiter | undefined;
  onError?: ((error: unknown, item: T, index: number) => void) | undefined;
  /** Every entry point takes it. */
  onProgress?: ((progress: MapProgress) => void) | undefined;
}

/** One entry point to run the suite against. */
export interface MapCase {
  /** Shown in the test names. */
  name: string;
  /** The options of {@link MapOption} it takes; the tests of the others are not registered. @default all four */
  options?: readonly MapOption[];
  /**
   * Runs `fn` over `items` and resolves to the results in input order, or rejects as the entry point does.
   * It must start the call synchronously (as a user's call does) and must not throw.
   */
  run<T, R>(fn: ItemWork<T, R>, items: Source<T>, options: MapCaseOptions<T>): Promise<R[]>;
  /**
   * For an entry point whose slots are shared with other work (`mapAsync` on its executor): throws unless work
   * submitted after the last call settled gets a slot at once.
   */
  expectSlotsFree?(): Promise<void>;
  /**
   * Whether finished results wait for the reader before more items start (the stream's `buffer`): a slot that
   * frees out of input order is then refilled only once the results ahead of it were read. @default false
   */
  holdsFinishedResults?: boolean;
}

/** Work gated per index: records what started, each item's signal, and how many run at once. */
export function gated<T>() {
  const gates = new Map<number, Deferred<void>>();
  const signals: AbortSignal[] = [];
  const started: number[] = [];
  const state = { running: 0, max: 0, finished: 0 };
  const fn = (item: T, index: number, signal: AbortSignal): Promise<T> => {
    const gate = deferred();
    gates.set(index, gate);
    signals[index] = signal;
    started.push(index);
    state.running++;
    state.max = Math.max(state.max, state.running);
    return until(gate.promise, signal, item).finally(() => {
      state.running--;
      state.finished++;
    });
  };
  const gate = (index: number): Deferred<void> => {
    const g = gates.get(index);
    if (g === undefined) throw new Error(`test setup: item ${index} has not started`);
    return g;
  };
  return { fn, signals, started, state, gate, open: (index: number) => gate(index).resolve() };
}

/** What a {@link probeSource} saw. */
export interface SourceLog {
  /** `[Symbol.iterator]()` / `[Symbol.asyncIterator]()` calls. */
  opened: number;
  /** `next()` calls. */
  pulls: number;
  /** Whether a `next()` returned `done`. */
  ended: boolean;
  /** `return()` calls. */
  closes: number;
}

/**
 * A hand-made source (no generator, so no queueing of `return()` behind a pending `next()`) of the items
 * `0, 1, 2, ...` up to `count` (exclusive; `Infinity` for an endless one). `throwAt`: the pull with that index
 * throws `error`; `hangAt` (async only): that pull returns a promise that never settles. `onClose` runs inside
 * `return()`.
 */
export function probeSource(
  kind: 'sync' | 'async',
  count: number,
  options: { throwAt?: number; error?: unknown; hangAt?: number; onClose?: () => void } = {},
): { source: Source<number>; log: SourceLog } {
  const log: SourceLog = { opened: 0, pulls: 0, ended: false, closes: 0 };
  const step = (): IteratorResult<number> => {
    const i = log.pulls++;
    if (i === options.throwAt) throw options.error;
    if (i >= count) {
      log.ended = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: i };
  };
  const close = (): IteratorResult<number> => {
    log.closes++;
    options.onClose?.();
    return { done: true, value: undefined };
  };
  if (kind === 'sync') {
    const iterator: Iterator<number> = { next: step, return: close };
    return {
      log,
      source: {
        [Symbol.iterator]() {
          log.opened++;
          return iterator;
        },
      },
    };
  }
  const iterator: AsyncIterator<number> = {
    next() {
      if (log.pulls === options.hangAt) {
        log.pulls++;
        return new Promise<never>(() => {});
      }
      try {
        return Promise.resolve(step());
      } catch (error) {
        return Promise.reject(error);
      }
    },
    return: () => Promise.resolve(close()),
  };
  return {
    log,
    source: {
      [Symbol.asyncIterator]() {
        log.opened++;
        return iterator;
      },
    },
  };
}

/** The input kinds every entry point takes. */
export const inputKinds = ['array', 'set', 'generator', 'async generator', 'async iterable'] as const;

/** `data` as an input of the given kind. */
export function inputOf<T>(kind: (typeof inputKinds)[number], data: readonly T[]): Source<T> {
  switch (kind) {
    case 'array':
      return [...data];
    case 'set':
      return new Set(data);
    case 'generator':
      return (function* () {
        yield* data;
      })();
    case 'async generator':
      return (async function* () {
        yield* data;
      })();
    case 'async iterable':
      return {
        [Symbol.asyncIterator]() {
          let i = 0;
          return {
            next: () =>
              Promise.resolve<IteratorResult<T>>(
                i < data.length ? { done: false, value: data[i++] as T } : { done: true, value: undefined },
              ),
          };
        },
      };
  }
}

/** A limiter whose tokens the test grants (or refuses) one request at a time; a wait aborts with its signal. */
export function manualLimiter() {
  const requests: { tokens: number; signal: AbortSignal; gate: Deferred<void>; answered: boolean }[] = [];
  const limiter: MapLimiter = {
    acquire(tokens, { signal }) {
      const gate = deferred();
      const request = { tokens, signal, gate, answered: false };
      requests.push(request);
      return until(gate.promise, signal, undefined).finally(() => {
        request.answered = true;
      });
    },
  };
  const request = (k: number) => {
    const r = requests[k];
    if (r === undefined) throw new Error(`test setup: token request ${k} was not made`);
    return r;
  };
  return {
    limiter,
    requests,
    grant: (k: number) => {
      const r = request(k);
      r.answered = true;
      r.gate.resolve();
    },
    refuse: (k: number, error: unknown) => {
      const r = request(k);
      r.answered = true;
      r.gate.reject(error);
    },
  };
}

/** Work that rejects with a DOM `AbortError` when its signal aborts, as `fetch` may. */
function abortErrorOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    const fail = () => reject(new DOMException('This operation was aborted', 'AbortError'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

/** Registers the shared map tests for `c` inside a `describe` block named after it. */
export function mapConformance(c: MapCase): void {
  const takes = new Set<MapOption>(c.options ?? ['stopOnError', 'onError', 'timeout', 'limiter']);
  const setup = () => {
    const clock: FakeClock = fakeClock();
    const run = <T, R>(
      fn: ItemWork<T, R>,
      items: Source<T>,
      options: Omit<MapCaseOptions<T>, 'clock'>,
    ): Promise<R[]> => {
      for (const key of Object.keys(options))
        if (
          key !== 'maxConcurrent' &&
          key !== 'signal' &&
          key !== 'onProgress' &&
          !takes.has(key as MapOption)
        )
          throw new Error(`test setup: ${c.name} does not take ${key}`);
      let call: Promise<R[]> | undefined;
      expect(() => {
        call = c.run(fn, items, { ...options, clock });
      }).not.toThrow();
      return call!;
    };
    return { clock, run };
  };

  describe(`${c.name} (map conformance)`, () => {
    describe('results and input', () => {
      it('resolves to the results in input order, whatever order the items finish in', async () => {
        const { run } = setup();
        const w = gated<number>();
        const p = run(w.fn, [10, 20, 30, 40], { maxConcurrent: 4 });
        await flush();
        expect(w.started).toEqual([0, 1, 2, 3]);
        for (const i of [3, 1, 0, 2]) {
          w.open(i);
          await flush();
        }
        expect(await p).toEqual([10, 20, 30, 40]);
      });

      it('resolves an empty input to an empty array without calling fn', async () => {
        const { run } = setup();
        let calls = 0;
        const fn = (x: number) => {
          calls++;
          return x;
        };
        for (const kind of inputKinds)
          for (const maxConcurrent of [2, Number.POSITIVE_INFINITY])
            expect(await run(fn, inputOf(kind, []), { maxConcurrent })).toEqual([]);
        expect(calls).toBe(0);
      });

      it('takes arrays, sync iterables, generators and async iterables, bounded or not', async () => {
        const { run } = setup();
        for (const kind of inputKinds)
          for (const maxConcurrent of [1, 2, Number.POSITIVE_INFINITY]) {
            const out = await run(async (x: number) => x * 2, inputOf(kind, [1, 2, 3, 4, 5]), {
              maxConcurrent,
            });
            expect(out, `${kind}, maxConcurrent ${maxConcurrent}`).toEqual([2, 4, 6, 8, 10]);
          }
      });

      it('calls fn(item, index, signal) once per item, with a live AbortSignal', async () => {
        const { run } = setup();
        for (const kind of inputKinds) {
          const calls: [string, number, boolean][] = [];
          const out = await run(
            async (item: string, index, signal) => {
              calls.push([item, index, signal instanceof AbortSignal && !signal.aborted]);
              await flush();
              return item.toUpperCase();
            },
            inputOf(kind, ['a', 'b', 'c']),
            { maxConcurrent: 2 },
          );
          expect(out).toEqual(['A', 'B', 'C']);
          expect(calls, kind).toEqual([
            ['a', 0, true],
            ['b', 1, true],
            ['c', 2, true],
          ]);
        }
      });

      it('accepts a synchronous fn: its plain value is the result, mixed with async results', async () => {
        const { run } = setup();
        for (const maxConcurrent of [1, 2, Number.POSITIVE_INFINITY]) {
          const out = await run(
            (x: number) => (x % 2 === 0 ? x * 10 : Promise.resolve(x * 10)),
            inputOf('generator', [0, 1, 2, 3]),
            { maxConcurrent },
          );
          expect(out).toEqual([0, 10, 20, 30]);
        }
      });

      it("treats a synchronous throw of fn as that item's error: the call rejects with it, never throws", async () => {
        const { run } = setup();
        const boom = new Error('thrown synchronously');
        for (const maxConcurrent of [1, 2, Number.POSITIVE_INFINITY]) {
          const calls: number[] = [];
          const p = run(
            (x: number) => {
              calls.push(x);
              if (x === 1) throw boom;
              return x;
            },
            [0, 1, 2, 3],
            { maxConcurrent },
          );
          await expect(p).rejects.toBe(boom);
          // Nothing new starts after the error.
          expect(calls).toEqual([0, 1]);
        }
      });

      if (takes.has('stopOnError') && takes.has('onError'))
        it('reports a synchronous throw to onError and to the AggregateError like any other error', async () => {
          const { run } = setup();
          for (const maxConcurrent of [1, Number.POSITIVE_INFINITY]) {
            const boom = new Error('thrown synchronously');
            const seen: [unknown, number, number][] = [];
            const calls: number[] = [];
            const p = run(
              (x: number) => {
                calls.push(x);
                if (x === 1) throw boom;
                return x;
              },
              [0, 1, 2],
              { maxConcurrent, stopOnError: false, onError: (e, item, i) => seen.push([e, item, i]) },
            );
            const error = (await p.catch((e: unknown) => e)) as AggregateError;
            expect(error).toBeInstanceOf(AggregateError);
            expect(error.errors).toEqual([boom]);
            expect(seen).toEqual([[boom, 1, 1]]);
            expect(calls).toEqual([0, 1, 2]);
          }
        });
    });

    describe('concurrency', () => {
      it('never runs more than maxConcurrent items at once and refills a slot as soon as it frees', async () => {
        const { run } = setup();
        const data = Array.from({ length: 10 }, (_, i) => i);
        for (const kind of ['array', 'generator', 'async generator'] as const) {
          const w = gated<number>();
          const p = run(w.fn, inputOf(kind, data), { maxConcurrent: 3 });
          for (let done = 0; done < 10; done++) {
            await flush();
            expect(w.state.running, `${kind}, after ${done} finished`).toBe(Math.min(3, 10 - done));
            w.open(done);
          }
          expect(await p).toEqual(data);
          expect(w.state.max).toBe(3);
        }
      });

      it(`never runs more than maxConcurrent items at once, whatever order they finish in${c.holdsFinishedResults ? '' : ', and never leaves a slot idle while items wait'}`, async () => {
        const { run } = setup();
        const data = Array.from({ length: 8 }, (_, i) => i);
        for (const kind of ['array', 'generator', 'async generator'] as const) {
          const w = gated<number>();
          const p = run(w.fn, inputOf(kind, data), { maxConcurrent: 3 });
          const opened = new Set<number>();
          while (opened.size < data.length) {
            await flush();
            expect(w.state.running).toBeLessThanOrEqual(3);
            if (!c.holdsFinishedResults)
              expect(w.state.running, `${kind}, after ${opened.size} finished`).toBe(
                Math.min(3, data.length - opened.size),
              );
            // The most recently started item finishes first.
            const next = [...w.started].reverse().find((i) => !opened.has(i));
            if (next === undefined) throw new Error(`${kind}: nothing running while items remain`);
            opened.add(next);
            w.open(next);
          }
          expect(await p).toEqual(data);
          expect(w.state.max).toBe(3);
        }
      });

      it('pulls lazily: never more than maxConcurrent items pulled but not yet started, even from an endless source', async () => {
        const { run } = setup();
        for (const kind of ['sync', 'async'] as const) {
          const { source, log } = probeSource(kind, Number.POSITIVE_INFINITY);
          const w = gated<number>();
          const p = run(w.fn, source, { maxConcurrent: 2 });
          const rejected = expect(p).rejects.toBeInstanceOf(Error);
          for (let step = 0; step < 5; step++) {
            await flush();
            expect(w.started.length, kind).toBe(step + 2);
            expect(w.state.running).toBe(2);
            expect(log.pulls - w.started.length, `${kind}: pulled but not started`).toBeLessThanOrEqual(2);
            w.open(step);
          }
          await flush();
          w.gate(5).reject(new Error('stop the endless map'));
          await rejected;
        }
      });
    });

    describe('stopping on the first error', () => {
      it('rejects with the first error itself, starts nothing new, and aborts the others with a CancelledError caused by it', async () => {
        const { run } = setup();
        for (const [kind, maxConcurrent, count] of [
          ['array', 2, 4],
          ['async generator', 2, 4],
          ['array', Number.POSITIVE_INFINITY, 2],
          ['generator', Number.POSITIVE_INFINITY, 2],
        ] as const) {
          const w = gated<number>();
          const boom = new Error('boom');
          const data = Array.from({ length: count }, (_, i) => i);
          const p = run(w.fn, inputOf(kind, data), { maxConcurrent });
          const rejected = expect(p).rejects.toBe(boom);
          await flush();
          expect(w.started).toEqual([0, 1]);
          w.gate(1).reject(boom);
          await rejected;
          await flush();
          expect(w.started, `${kind}, maxConcurrent ${maxConcurrent}`).toEqual([0, 1]);
          const signal = w.signals[0]!;
          expect(signal.aborted).toBe(true);
          expect(signal.reason).toBeInstanceOf(CancelledError);
          expect((signal.reason as CancelledError).cause).toBe(boom);
        }
      });

      it('settles only after every started item settled, even one that ignores its signal', async () => {
        const { run } = setup();
        for (const maxConcurrent of [2, Number.POSITIVE_INFINITY]) {
          const stubborn = deferred();
          const boom = new Error('boom');
          const p = run(
            (i: number) => (i === 0 ? stubborn.promise.then(() => 'late') : Promise.reject(boom)),
            [0, 1],
            { maxConcurrent },
          );
          const t = track(p);
          await flush();
          expect(t.settled).toBe(false);
          stubborn.resolve();
          await expect(p).rejects.toBe(boom);
        }
      });

      it('does not count what the aborted items report because of the stop as failures', async () => {
        const { run } = setup();
        const boom = new Error('boom');
        const seen: unknown[] = [];
        const gate = deferred();
        const p = run(
          (i: number, _index, signal) => {
            if (i === 0) return neverSettles(signal); // rejects with the signal's reason
            if (i === 1) return abortErrorOnAbort(signal); // rejects with a DOM AbortError
            return gate.promise.then(() => Promise.reject(boom));
          },
          [0, 1, 2],
          { maxConcurrent: 3, ...(takes.has('onError') ? { onError: (e: unknown) => seen.push(e) } : {}) },
        );
        const rejected = expect(p).rejects.toBe(boom);
        await flush();
        gate.resolve();
        await rejected;
        if (takes.has('onError')) expect(seen).toEqual([boom]);
      });

      if (takes.has('stopOnError')) {
        it('with stopOnError: false, runs every item and rejects with an AggregateError of every error in input order', async () => {
          const { run } = setup();
          for (const [kind, maxConcurrent] of [
            ['array', 2],
            ['async generator', 2],
            ['set', Number.POSITIVE_INFINITY],
          ] as const) {
            const w = gated<number>();
            const errors = [new Error('e0'), new Error('e2')];
            const p = run(w.fn, inputOf(kind, [0, 1, 2, 3]), { maxConcurrent, stopOnError: false });
            const t = track(p);
            await flush();
            w.open(1);
            await flush();
            w.gate(2).reject(errors[1]);
            await flush();
            w.gate(0).reject(errors[0]);
            await flush();
            expect(t.settled).toBe(false);
            w.open(3);
            const error = (await p.catch((e: unknown) => e)) as AggregateError;
            expect(error).toBeInstanceOf(AggregateError);
            expect(error.errors).toEqual(errors);
            expect(w.started).toEqual([0, 1, 2, 3]);
            expect(w.signals[3]!.aborted).toBe(false);
          }
        });

        it('with stopOnError: false, still rejects with signal.reason or TimeoutError alone when stopped, not with an AggregateError', async () => {
          const { clock, run } = setup();
          const controller = new AbortController();
          const reason = { why: 'caller left' };
          const aborted = run((_x: number, _i, signal) => neverSettles(signal), [0, 1, 2], {
            maxConcurrent: 2,
            stopOnError: false,
            signal: controller.signal,
          });
          await flush();
          controller.abort(reason);
          await expect(aborted).rejects.toBe(reason);
          if (takes.has('timeout')) {
            const timedOut = run((_x: number, _i, signal) => neverSettles(signal), [0, 1, 2], {
              maxConcurrent: 2,
              stopOnError: false,
              timeout: 10,
            });
            const rejected = expect(timedOut).rejects.toBeInstanceOf(TimeoutError);
            await clock.advance(10);
            await rejected;
          }
        });
      }
    });

    if (takes.has('onError'))
      describe('onError', () => {
        it('is called for every item error that is not a cancellation, as it happens, the first included, before the call settles', async () => {
          const { run } = setup();
          const seen: [unknown, number, number][] = [];
          const first = new Error('first');
          const second = new Error('second');
          const stubborn = deferred();
          const p = run(
            async (_item: number, index, signal) => {
              if (index === 0) throw first;
              if (index === 1) {
                await stubborn.promise; // ignores the abort, then fails on its own
                throw second;
              }
              return neverSettles(signal); // rejects with the abort reason: a cancellation
            },
            [100, 101, 102],
            { maxConcurrent: 3, onError: (error, item, index) => seen.push([error, item, index]) },
          );
          const t = track(p);
          await flush();
          expect(seen).toEqual([[first, 100, 0]]);
          expect(t.settled).toBe(false);
          let seenWhenSettled: number | undefined;
          p.catch(() => {
            seenWhenSettled = seen.length;
          });
          stubborn.resolve();
          await expect(p).rejects.toBe(first);
          expect(seenWhenSettled).toBe(2);
          expect(seen).toEqual([
            [first, 100, 0],
            [second, 101, 1],
          ]);
        });

        it('is called in completion order with stopOnError: false', async () => {
          const { run } = setup();
          const w = gated<number>();
          const order: number[] = [];
          const p = run(w.fn, [0, 1, 2, 3], {
            maxConcurrent: 4,
            stopOnError: false,
            onError: (_e, _item, index) => order.push(index),
          });
          const rejected = expect(p).rejects.toBeInstanceOf(AggregateError);
          await flush();
          for (const i of [2, 0, 3]) {
            w.gate(i).reject(new Error(`e${i}`));
            await flush();
            expect(order.at(-1)).toBe(i);
          }
          w.open(1);
          await rejected;
          expect(order).toEqual([2, 0, 3]);
        });

        it('is not called for an error of the source', async () => {
          const { run } = setup();
          const broken = new Error('source broke');
          for (const stopOnError of [true, false])
            for (const kind of ['sync', 'async'] as const) {
              const seen: unknown[] = [];
              const { source } = probeSource(kind, 5, { throwAt: 1, error: broken });
              await expect(
                run(async (x: number) => x, source, {
                  maxConcurrent: 2,
                  stopOnError,
                  onError: (e) => seen.push(e),
                }),
              ).rejects.toBe(broken);
              expect(seen).toEqual([]);
            }
        });

        it("rejects the call with the hook's error when onError throws, bounded or not, stopping or not", async () => {
          const { run } = setup();
          for (const stopOnError of [true, false])
            for (const maxConcurrent of [2, Number.POSITIVE_INFINITY]) {
              const hook = new Error('hook broke');
              const p = run(
                (x: number) => {
                  if (x === 1) throw new Error('item');
                  return x;
                },
                [0, 1, 2],
                {
                  maxConcurrent,
                  stopOnError,
                  onError: () => {
                    throw hook;
                  },
                },
              );
              await expect(p, `stopOnError ${stopOnError}, maxConcurrent ${maxConcurrent}`).rejects.toBe(
                hook,
              );
            }
        });
      });

    describe('the source', () => {
      it('rejects with the error of a throwing source once the running items settled, aborting them with a CancelledError caused by it', async () => {
        const { run } = setup();
        const broken = new Error('source broke');
        for (const kind of ['sync', 'async'] as const) {
          const { source, log } = probeSource(kind, 5, { throwAt: 1, error: broken });
          const stubborn = deferred();
          let signal: AbortSignal | undefined;
          const p = run(
            (x: number, _index, s) => {
              signal = s;
              return stubborn.promise.then(() => x); // ignores its signal
            },
            source,
            { maxConcurrent: 2 },
          );
          const t = track(p);
          await flush();
          expect(signal!.aborted).toBe(true);
          expect(signal!.reason).toBeInstanceOf(CancelledError);
          expect((signal!.reason as CancelledError).cause).toBe(broken);
          expect(t.settled).toBe(false);
          stubborn.resolve();
          await expect(p).rejects.toBe(broken);
          expect(log.closes, `${kind}: a source that threw is not closed`).toBe(0);
        }
      });

      const stops: { name: string; options?: MapOption }[] = [
        { name: 'an item fails' },
        { name: 'the caller signal aborts' },
        { name: 'the timeout passes', options: 'timeout' },
      ];
      for (const stop of stops) {
        if (stop.options !== undefined && !takes.has(stop.options)) continue;
        it(`closes a source it leaves early once, after the started items settled and before it settles, when ${stop.name}`, async () => {
          const { clock, run } = setup();
          for (const kind of ['sync', 'async'] as const) {
            const seenAtClose: { itemSettled: boolean; callSettled: boolean }[] = [];
            let itemSettled = false;
            let t: { settled: boolean } | undefined;
            const { source, log } = probeSource(kind, Number.POSITIVE_INFINITY, {
              onClose: () => seenAtClose.push({ itemSettled, callSettled: t?.settled ?? false }),
            });
            const stubborn = deferred();
            const boom = new Error('boom');
            const controller = new AbortController();
            const w = gated<number>();
            const p = run(
              (x: number, index, signal) => {
                if (index === 0)
                  return stubborn.promise.then(() => {
                    itemSettled = true;
                    return x;
                  });
                return w.fn(x, index, signal);
              },
              source,
              {
                maxConcurrent: 2,
                ...(stop.name === 'the caller signal aborts' ? { signal: controller.signal } : {}),
                ...(stop.name === 'the timeout passes' ? { timeout: 50 } : {}),
              },
            );
            t = track(p);
            await flush();
            expect(w.started).toEqual([1]);
            if (stop.name === 'an item fails') w.gate(1).reject(boom);
            else if (stop.name === 'the caller signal aborts') controller.abort(boom);
            else await clock.advance(50);
            await flush();
            expect(log.closes, `${kind}: closed before the running items settled`).toBe(0);
            expect(t.settled).toBe(false);
            stubborn.resolve();
            const error = await p.catch((e: unknown) => e);
            if (stop.name === 'the timeout passes') expect(error).toBeInstanceOf(TimeoutError);
            else expect(error).toBe(boom);
            expect(log.closes, kind).toBe(1);
            expect(seenAtClose, kind).toEqual([{ itemSettled: true, callSettled: false }]);
          }
        });
      }

      it('never closes a source that ended, when an item fails after the end or when all went well', async () => {
        const { run } = setup();
        for (const kind of ['sync', 'async'] as const) {
          const { source, log } = probeSource(kind, 2);
          const w = gated<number>();
          const boom = new Error('boom');
          const p = run(w.fn, source, { maxConcurrent: Number.POSITIVE_INFINITY });
          const rejected = expect(p).rejects.toBe(boom);
          await flush();
          expect(log.ended, kind).toBe(true);
          w.gate(1).reject(boom);
          await rejected;
          expect(log.closes, kind).toBe(0);

          const finite = probeSource(kind, 3);
          expect(await run(async (x: number) => x, finite.source, { maxConcurrent: 2 })).toEqual([0, 1, 2]);
          expect(finite.log.closes, kind).toBe(0);
        }
      });
    });

    describe('the caller signal', () => {
      it('rejects at once with signal.reason and calls nothing when the signal is already aborted', async () => {
        const { run } = setup();
        for (const kind of ['sync', 'async'] as const) {
          const reason = new Error('already gone');
          const { source, log } = probeSource(kind, 3);
          let calls = 0;
          const p = run(() => calls++, source, { maxConcurrent: 2, signal: AbortSignal.abort(reason) });
          const t = track(p);
          await flush();
          expect(t.settled).toBe(true);
          await expect(p).rejects.toBe(reason);
          expect(calls).toBe(0);
          expect(log).toMatchObject({ opened: 0, pulls: 0, closes: 0 });
        }
      });

      it('rejects with signal.reason unchanged once the running items settled, aborting them with it and starting nothing new', async () => {
        const { run } = setup();
        for (const kind of ['array', 'async generator'] as const) {
          const controller = new AbortController();
          const w = gated<number>();
          const reason = { why: 'user left' };
          const stubborn = deferred();
          const p = run(
            (item: number, index, signal) =>
              index === 0 ? stubborn.promise.then(() => item) : w.fn(item, index, signal),
            inputOf(kind, [0, 1, 2, 3]),
            { maxConcurrent: 2, signal: controller.signal },
          );
          const t = track(p);
          await flush();
          controller.abort(reason);
          await flush();
          expect(w.signals[1]!.reason).toBe(reason);
          expect(t.settled).toBe(false);
          stubborn.resolve();
          await expect(p).rejects.toBe(reason);
          expect(w.started, kind).toEqual([1]);
        }
      });

      it('leaves no abort listener on the caller signal and no timer, however the call settles', async () => {
        const { clock, run } = setup();
        const caller = new AbortController();
        const signal = caller.signal;
        const deadline = takes.has('timeout') ? { timeout: 1000 } : {};
        const outcomes: [string, () => Promise<unknown>][] = [
          [
            'resolved, bounded',
            () => run((x: number) => x, [1, 2, 3], { maxConcurrent: 1, signal, ...deadline }),
          ],
          [
            'resolved, unbounded',
            () =>
              run((x: number) => x, [1, 2, 3], {
                maxConcurrent: Number.POSITIVE_INFINITY,
                signal,
                ...deadline,
              }),
          ],
          [
            'resolved, async source',
            () =>
              run((x: number) => x, inputOf('async generator', [1, 2]), {
                maxConcurrent: 2,
                signal,
                ...deadline,
              }),
          ],
          [
            'an item failed',
            () =>
              run(() => Promise.reject(new Error('item')), [1, 2], { maxConcurrent: 2, signal, ...deadline }),
          ],
          [
            'the source threw',
            () =>
              run(
                async (x: number) => x,
                probeSource('async', 3, { throwAt: 1, error: new Error('source') }).source,
                {
                  maxConcurrent: 2,
                  signal,
                  ...deadline,
                },
              ),
          ],
        ];
        for (const [name, call] of outcomes) {
          await call().catch(() => undefined);
          expect(listeners(signal), name).toBe(0);
          expect(clock.pending(), name).toEqual([]);
        }
        // The leak check after this test also fails on any abort listener left on a signal.
      });
    });

    if (takes.has('timeout'))
      describe('timeout', () => {
        it('rejects with TimeoutError when the whole call outlasts its timeout, not a tick earlier, once the running items settled', async () => {
          const { clock, run } = setup();
          const signals: AbortSignal[] = [];
          const stubborn = deferred();
          const p = run(
            (_i: number, index, signal) => {
              signals.push(signal);
              return index === 0 ? stubborn.promise : neverSettles(signal);
            },
            [1, 2, 3],
            { maxConcurrent: 2, timeout: 100 },
          );
          const t = track(p);
          await clock.advance(99);
          expect(t.settled).toBe(false);
          await clock.advance(1);
          await flush();
          expect(signals).toHaveLength(2);
          expect(signals.every((s) => s.aborted)).toBe(true);
          expect(t.settled).toBe(false);
          stubborn.resolve();
          const error = await p.catch((e: unknown) => e);
          expect(error).toBeInstanceOf(TimeoutError);
          expect((error as TimeoutError).timeout).toBe(100);
          expect(signals).toHaveLength(2);
          expect(clock.pending()).toEqual([]);
        });

        it('counts the timeout from the call, not per item', async () => {
          const { clock, run } = setup();
          const w = gated<number>();
          const p = run(w.fn, [0, 1, 2], { maxConcurrent: 1, timeout: 100 });
          const rejected = expect(p).rejects.toBeInstanceOf(TimeoutError);
          await clock.advance(60);
          w.open(0);
          await flush();
          expect(w.started).toEqual([0, 1]);
          await clock.advance(40); // 100 ms since the call, though item 1 ran only 40
          await rejected;
          expect(w.started).toEqual([0, 1]);
        });

        it('clears its timer when it finishes first', async () => {
          const { clock, run } = setup();
          for (const maxConcurrent of [1, Number.POSITIVE_INFINITY]) {
            expect(await run((x: number) => x * 2, [1, 2], { maxConcurrent, timeout: 1000 })).toEqual([2, 4]);
            expect(clock.pending()).toEqual([]);
          }
        });
      });

    describe('a source whose next() never settles', () => {
      if (takes.has('timeout'))
        it('rejects with TimeoutError at the deadline without waiting for the pending next(), and gives its slot back', async () => {
          const { clock, run } = setup();
          const { source, log } = probeSource('async', Number.POSITIVE_INFINITY, { hangAt: 1 });
          const p = run(async (x: number) => x, source, { maxConcurrent: 1, timeout: 50 });
          const t = track(p);
          await flush();
          expect(log.pulls).toBe(2);
          await clock.advance(50);
          await flush();
          expect(t.settled).toBe(true);
          await expect(p).rejects.toBeInstanceOf(TimeoutError);
          await c.expectSlotsFree?.();
        });

      it('rejects with signal.reason on abort without waiting for the pending next(), and gives its slot back', async () => {
        const { run } = setup();
        const { source, log } = probeSource('async', Number.POSITIVE_INFINITY, { hangAt: 1 });
        const controller = new AbortController();
        const reason = new Error('caller gave up');
        const p = run(async (x: number) => x, source, { maxConcurrent: 1, signal: controller.signal });
        const t = track(p);
        await flush();
        expect(log.pulls).toBe(2);
        controller.abort(reason);
        await flush();
        expect(t.settled).toBe(true);
        await expect(p).rejects.toBe(reason);
        await c.expectSlotsFree?.();
      });
    });

    if (takes.has('limiter'))
      describe('limiter', () => {
        it('makes each item take its slot first, then wait for one token in it', async () => {
          const { run } = setup();
          const { limiter, requests, grant } = manualLimiter();
          const w = gated<number>();
          const p = run(w.fn, [0, 1, 2, 3], { maxConcurrent: 2, limiter });
          await flush();
          // Two slots: two token waits, nothing started.
          expect(requests.map((r) => r.tokens)).toEqual([1, 1]);
          expect(requests[0]!.signal).toBeInstanceOf(AbortSignal);
          expect(w.started).toEqual([]);
          grant(0);
          await flush();
          expect(w.started).toEqual([0]);
          expect(requests).toHaveLength(2); // item 0 holds its slot while it runs
          w.open(0);
          await flush();
          expect(requests).toHaveLength(3);
          for (const k of [1, 2, 3]) {
            grant(k);
            await flush();
            w.open(k);
            await flush();
          }
          expect(await p).toEqual([0, 1, 2, 3]);
          expect(requests).toHaveLength(4);
        });

        it('requests the tokens in input order', async () => {
          const { run } = setup();
          for (const kind of ['array', 'async generator'] as const) {
            const { limiter, requests, grant } = manualLimiter();
            const started: number[] = [];
            const p = run(
              (x: number) => {
                started.push(x);
                return x;
              },
              inputOf(kind, [0, 1, 2, 3]),
              { maxConcurrent: 4, limiter },
            );
            // Grant the newest pending request each time: the item that starts is the one that made it.
            while (started.length < 4) {
              await flush();
              const k = requests.findLastIndex((r) => !r.answered);
              if (k < 0) throw new Error(`${kind}: no token request pending while items remain`);
              grant(k);
              await flush();
              expect(started.at(-1), `${kind}: the item started by token request ${k}`).toBe(k);
            }
            expect(await p).toEqual([0, 1, 2, 3]);
          }
        });

        it("treats a limiter rejection as that item's error", async () => {
          const { run } = setup();
          for (const stopOnError of [true, false]) {
            const { limiter, requests, grant, refuse } = manualLimiter();
            const denied = new Error('no token for you');
            const started: number[] = [];
            const seen: [unknown, number, number][] = [];
            const p = run(
              (x: number) => {
                started.push(x);
                return x;
              },
              [10, 11, 12],
              { maxConcurrent: 3, limiter, stopOnError, onError: (e, item, i) => seen.push([e, item, i]) },
            );
            const t = track(p);
            // Answer every request as it comes: the second one is refused.
            for (let round = 0; round < 10 && !t.settled; round++) {
              await flush();
              for (const [k, r] of requests.entries()) {
                if (r.answered) continue;
                if (k === 1) refuse(k, denied);
                else grant(k);
              }
            }
            expect(
              t.settled,
              `stopOnError ${stopOnError}: the call settles once every request was answered`,
            ).toBe(true);
            const error = await p.catch((e: unknown) => e);
            if (stopOnError) expect(error).toBe(denied);
            else {
              expect(error).toBeInstanceOf(AggregateError);
              expect((error as AggregateError).errors).toEqual([denied]);
              expect(started).toEqual([10, 12]);
            }
            expect(started).not.toContain(11);
            expect(seen).toEqual([[denied, 11, 1]]);
          }
        });

        it('aborts the token waits pending at a stop, and does not count them as failures', async () => {
          const { run } = setup();
          // Stopped by an item's error.
          {
            const { limiter, requests, grant } = manualLimiter();
            const boom = new Error('boom');
            const gate = deferred();
            const started: number[] = [];
            const seen: unknown[] = [];
            const p = run(
              (x: number) => {
                started.push(x);
                return gate.promise.then(() => Promise.reject(boom));
              },
              [0, 1, 2],
              { maxConcurrent: 3, limiter, onError: (e) => seen.push(e) },
            );
            await flush();
            grant(0);
            await flush();
            expect(started).toEqual([0]);
            const pending = requests.slice(1);
            expect(pending.length).toBeGreaterThan(0);
            gate.resolve();
            await expect(p).rejects.toBe(boom);
            expect(pending.every((r) => r.signal.aborted)).toBe(true);
            expect(started).toEqual([0]);
            expect(seen).toEqual([boom]);
          }
          // Stopped by the caller, with stopOnError: false.
          {
            const { limiter, requests } = manualLimiter();
            const controller = new AbortController();
            const reason = { why: 'caller left' };
            const seen: unknown[] = [];
            const p = run((x: number) => x, [0, 1], {
              maxConcurrent: 2,
              limiter,
              stopOnError: false,
              signal: controller.signal,
              onError: (e) => seen.push(e),
            });
            await flush();
            expect(requests.length).toBeGreaterThan(0);
            controller.abort(reason);
            await expect(p).rejects.toBe(reason);
            expect(requests.every((r) => r.signal.aborted)).toBe(true);
            expect(seen).toEqual([]);
          }
        });
      });

    describe('signals belong to one unit of work for life', () => {
      it('never aborts the signal an item received after the call resolved, even when later, unrelated calls are cancelled', async () => {
        const { run } = setup();
        const kept: AbortSignal[] = [];
        expect(
          await run(
            async (x: number, _i, signal) => {
              kept.push(signal);
              await flush();
              return x;
            },
            [1, 2, 3],
            { maxConcurrent: 2 },
          ),
        ).toEqual([1, 2, 3]);
        // Work that hands its signal to something that outlives it (a response body, a subscription).
        const wrapped = kept.map((s) => AbortSignal.any([s]));
        expect(kept.some((s) => s.aborted)).toBe(false);

        for (let round = 0; round < 3; round++) {
          const controller = new AbortController();
          const aborted = run((_x: number, _i, signal) => neverSettles(signal), [1, 2, 3], {
            maxConcurrent: 2,
            signal: controller.signal,
          });
          await flush();
          controller.abort(new Error('an unrelated call was cancelled'));
          await expect(aborted).rejects.toThrow('unrelated');
          const boom = new Error('an unrelated call failed');
          await expect(
            run(
              (x: number, _i, signal) => (x === 2 ? Promise.reject(boom) : neverSettles(signal)),
              [1, 2, 3],
              {
                maxConcurrent: 3,
              },
            ),
          ).rejects.toBe(boom);
        }
        expect(kept.map((s) => s.aborted)).toEqual([false, false, false]);
        expect(wrapped.map((s) => s.aborted)).toEqual([false, false, false]);
      });
    });
  });

  describe(`${c.name}: onProgress`, () => {
    for (const kind of inputKinds)
      it(`reports each settled item once, in order, with total once known (${kind})`, async () => {
        const { run } = setup();
        const seen: MapProgress[] = [];
        const w = gated<number>();
        const call = run(w.fn, inputOf(kind, [10, 20, 30]), {
          maxConcurrent: 3,
          onProgress: (p) => seen.push(p),
        });
        await flush();
        expect(seen).toEqual([]);
        w.open(1);
        await flush();
        expect(seen.map((p) => [p.done, p.failed])).toEqual([[1, 0]]);
        w.open(0);
        w.open(2);
        await expect(call).resolves.toEqual([10, 20, 30]);
        // One report per item; a source that says it ended after the last item settled adds one more.
        const done = seen.map((p) => p.done);
        expect(done.slice(0, 3)).toEqual([1, 2, 3]);
        expect(done.slice(3).every((d) => d === 3)).toBe(true);
        expect(done.length).toBeLessThanOrEqual(4);
        expect(seen.at(-1)).toEqual({ done: 3, failed: 0, total: 3 });
        if (kind === 'array') expect(seen.every((p) => p.total === 3)).toBe(true);
      });

    if (takes.has('stopOnError'))
      it('counts failed items, and every item once, before the call settles', async () => {
        const { run } = setup();
        const seen: MapProgress[] = [];
        const call = run(
          (x: number) => (x % 2 === 0 ? Promise.reject(new Error(`bad ${x}`)) : Promise.resolve(x)),
          [1, 2, 3, 4, 5],
          { maxConcurrent: 2, stopOnError: false, onProgress: (p) => seen.push({ ...p }) },
        );
        await expect(call).rejects.toBeInstanceOf(AggregateError);
        expect(seen.slice(0, 5).map((p) => p.done)).toEqual([1, 2, 3, 4, 5]);
        expect(seen.at(-1)).toEqual({ done: 5, failed: 2, total: 5 });
      });

    it("rejects with onProgress's own error when it throws, once the running items settled", async () => {
      const { run } = setup();
      const boom = new Error('progress boom');
      const w = gated<number>();
      const call = run(w.fn, [1, 2, 3], {
        maxConcurrent: 3,
        onProgress: () => {
          throw boom;
        },
      });
      const rejected = expect(call).rejects.toBe(boom);
      await flush();
      w.open(0);
      await flush();
      expect(w.signals[1]?.aborted).toBe(true);
      await rejected;
    });

    it('refuses an onProgress that is not a function with a TypeError naming it', async () => {
      const clock = fakeClock();
      await expect(
        Promise.resolve().then(() =>
          c.run((x: number) => x, [1], { maxConcurrent: 1, clock, onProgress: 'no' as never }),
        ),
      ).rejects.toThrow(/options\.onProgress must be a function, got "no"/);
    });
  });
}
