import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/errors.js';
import { asyncParallelMapStream } from '../../src/parallel/asyncParallelMapStream.js';
import { type Deferred, deferred, flush, track, until } from '../support/work.js';

/** Work gated per index; records starts, signals and how many run at once. */
function gated() {
  const gates = new Map<number, Deferred<void>>();
  const signals: AbortSignal[] = [];
  const state = { started: 0, running: 0, max: 0 };
  const fn = (item: number, index: number, signal: AbortSignal): Promise<number> => {
    const gate = deferred();
    gates.set(index, gate);
    signals[index] = signal;
    state.started++;
    state.running++;
    state.max = Math.max(state.max, state.running);
    return until(gate.promise, signal, item).finally(() => {
      state.running--;
    });
  };
  return { fn, gates, signals, state, open: (i: number) => gates.get(i)!.resolve() };
}

/** An endless source that counts how often it was pulled and whether it was closed. */
function counting() {
  const log = { pulled: 0, closed: 0 };
  const source = (async function* () {
    try {
      for (let i = 0; ; i++) {
        log.pulled++;
        yield i;
      }
    } finally {
      log.closed++;
    }
  })();
  return { log, source };
}

// The behaviours the stream shares with the other maps (errors, the caller signal, closing the source, a hung
// source) are tested in maps.conformance.test.ts.
describe('asyncParallelMapStream', () => {
  it('yields results in input order by default, whatever order they finish in', async () => {
    const w = gated();
    const it = asyncParallelMapStream(w.fn, [0, 1, 2, 3], { maxConcurrent: 4 });
    const first = it.next();
    await flush();
    for (const i of [3, 2, 1]) w.open(i);
    await flush();
    let early = false;
    void first.then(() => {
      early = true;
    });
    await flush();
    expect(early).toBe(false);
    w.open(0);
    expect(await first).toEqual({ done: false, value: 0 });
    const rest: number[] = [];
    for await (const v of it) rest.push(v);
    expect(rest).toEqual([1, 2, 3]);
  });

  it('yields in completion order when ordered is false', async () => {
    const w = gated();
    const it = asyncParallelMapStream(w.fn, [0, 1, 2, 3], { maxConcurrent: 4, ordered: false });
    const got: number[] = [];
    const reading = (async () => {
      for await (const v of it) got.push(v);
    })();
    await flush();
    for (const i of [2, 0, 3, 1]) {
      w.open(i);
      await flush();
    }
    await reading;
    expect(got).toEqual([2, 0, 3, 1]);
  });

  it('runs 16 at a time by default and nothing before the first next()', async () => {
    const w = gated();
    const it = asyncParallelMapStream(
      w.fn,
      Array.from({ length: 40 }, (_, i) => i),
    );
    await flush();
    expect(w.state.started).toBe(0);
    const first = it.next();
    await flush();
    expect(w.state.running).toBe(16);
    w.open(0);
    expect(await first).toEqual({ done: false, value: 0 });
    await it.return();
    expect(w.state.max).toBe(16);
  });

  it('holds the producer back: started items never exceed what was read plus the buffer', async () => {
    for (const [maxConcurrent, buffer] of [
      [2, undefined],
      [2, 5],
    ] as const) {
      const { log, source } = counting();
      let started = 0;
      let running = 0;
      let max = 0;
      const it = asyncParallelMapStream(
        async (x: number) => {
          started++;
          running++;
          max = Math.max(max, running);
          await flush();
          running--;
          return x;
        },
        source,
        { maxConcurrent, buffer },
      );
      const window = buffer ?? maxConcurrent;
      for (let read = 0; read < 4; read++) {
        expect(await it.next()).toEqual({ done: false, value: read });
        for (let i = 0; i < 4; i++) await flush();
        // A slow reader: everything that may run ahead has, and no more.
        expect(started).toBe(read + 1 + window);
        expect(log.pulled).toBe(started);
      }
      expect(max).toBeLessThanOrEqual(maxConcurrent);
      await it.return();
      expect(log.closed).toBe(1);
    }
  });

  it('keeps memory bounded in ordered mode when the head item is slow', async () => {
    const w = gated();
    const { log, source } = counting();
    const it = asyncParallelMapStream(w.fn, source, { maxConcurrent: 3 });
    const first = it.next();
    await flush();
    w.open(1);
    w.open(2);
    await flush();
    // Items 1 and 2 are done but unread behind item 0: no new item starts.
    expect(w.state.started).toBe(3);
    expect(log.pulled).toBe(3);
    w.open(0);
    expect(await first).toEqual({ done: false, value: 0 });
    expect(await it.next()).toEqual({ done: false, value: 1 });
    await flush();
    expect(w.state.started).toBe(5);
    await it.return();
  });

  it('on break, calls return() on the source, aborts in-flight work and completes after it settled', async () => {
    const { log, source } = counting();
    const head = deferred();
    const stubborn = deferred();
    const signals: AbortSignal[] = [];
    const it = asyncParallelMapStream(
      (x: number, _i, signal) => {
        signals.push(signal);
        return (x === 0 ? head : stubborn).promise.then(() => x); // ignores its signal
      },
      source,
      { maxConcurrent: 2 },
    );
    const first = it.next();
    await flush();
    expect(signals).toHaveLength(2);
    head.resolve();
    expect(await first).toEqual({ done: false, value: 0 });
    let returned = false;
    const closing = it.return().then((r) => {
      returned = true;
      return r;
    });
    await flush();
    expect(signals[1]!.aborted).toBe(true);
    expect(signals[1]!.reason).toBeInstanceOf(CancelledError);
    expect(returned).toBe(false);
    stubborn.resolve();
    expect(await closing).toEqual({ done: true, value: undefined });
    expect(log.closed).toBe(1);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('closes the source before the loop goes on when a for-await loop breaks with no pull of it pending', async () => {
    const { log, source } = counting();
    const { fn, state } = gated();
    const got: number[] = [];
    // Item 0 settles at once; items 1 and 2 hold both slots, so the pump waits for room, not for the source.
    const work = (x: number, index: number, signal: AbortSignal) => (index === 0 ? x : fn(x, index, signal));
    for await (const v of asyncParallelMapStream(work, source, { maxConcurrent: 2, buffer: 4 })) {
      got.push(v);
      await flush();
      expect(state.running).toBe(2);
      break;
    }
    expect(got).toEqual([0]);
    expect(state.running).toBe(0);
    expect(log.closed).toBe(1);
  });

  it('closes the source right after its pending pull when a for-await loop breaks during one', async () => {
    const { log, source } = counting();
    const got: number[] = [];
    for await (const v of asyncParallelMapStream((x: number) => x * 10, source, { maxConcurrent: 4 })) {
      got.push(v);
      if (got.length === 3) break;
    }
    expect(got).toEqual([0, 10, 20]);
    // A pending next() cannot be cancelled, so the stream does not wait for it (it might never settle): the
    // source's return() runs as soon as that next() settles.
    await flush();
    expect(log.closed).toBe(1);
    // What was pulled, a pending pull included, never exceeds what was read plus the buffer.
    expect(log.pulled).toBeLessThanOrEqual(got.length + 4);
  });

  it('asks a hand-written async iterator for one item at a time, an async generator for at most two', async () => {
    let pending = 0;
    let most = 0;
    let i = 0;
    const handWritten: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          most = Math.max(most, ++pending);
          await flush();
          pending--;
          return i < 20 ? { done: false, value: i++ } : { done: true, value: undefined };
        },
      }),
    };
    const got: number[] = [];
    for await (const v of asyncParallelMapStream(async (x: number) => x, handWritten, { maxConcurrent: 8 }))
      got.push(v);
    expect(got).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(most).toBe(1);

    let generatorPending = 0;
    let generatorMost = 0;
    async function* generator() {
      for (let k = 0; k < 20; k++) {
        generatorMost = Math.max(generatorMost, ++generatorPending);
        await flush();
        generatorPending--;
        yield k;
      }
    }
    const pulledAhead: number[] = [];
    const it = generator();
    const next = it.next.bind(it);
    let calls = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    it.next = () => {
      calls++;
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      return next().finally(() => inFlight--);
    };
    for await (const v of asyncParallelMapStream(async (x: number) => x, it, { maxConcurrent: 8 }))
      pulledAhead.push(v);
    expect(pulledAhead).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(mostInFlight).toBe(2);
    expect(generatorMost).toBe(1);
    expect(calls).toBeGreaterThanOrEqual(21);
  });

  it('settles a read that waits on a running item only after the running items settled, with the error that stopped the stream', async () => {
    const boom = new Error('boom');
    const stubborn = deferred<void>();
    const failLater = deferred<void>();
    async function* source() {
      for (let k = 0; k < 3; k++) yield k;
    }
    const it = asyncParallelMapStream(
      (x: number, index: number) => {
        if (index === 1) return stubborn.promise.then(() => x); // ignores its signal
        if (index === 2) return failLater.promise.then(() => Promise.reject(boom));
        return Promise.resolve(x);
      },
      source(),
      { maxConcurrent: 3 },
    );
    expect(await it.next()).toEqual({ done: false, value: 0 });
    await flush();
    // Item 1 is running: this read waits on it.
    const read = track(it.next());
    failLater.resolve();
    await flush();
    expect(read.settled).toBe(false);
    stubborn.resolve();
    await expect(read.promise).rejects.toBe(boom);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('ends after throwing the error that stopped it: the next next() is done', async () => {
    for (const ordered of [true, false]) {
      const boom = new Error('boom');
      const it = asyncParallelMapStream(
        (x: number) => (x === 1 ? Promise.reject(boom) : Promise.resolve(x)),
        [0, 1, 2],
        { maxConcurrent: 1, ordered },
      );
      expect(await it.next()).toEqual({ done: false, value: 0 });
      await expect(it.next()).rejects.toBe(boom);
      expect(await it.next()).toEqual({ done: true, value: undefined });
    }
  });

  it('yields the results read before a source error, then throws it', async () => {
    const broken = new Error('source broke');
    const got: number[] = [];
    const source = (function* () {
      yield 1;
      yield 2;
      throw broken;
    })();
    await expect(
      (async () => {
        for await (const v of asyncParallelMapStream(async (x: number) => x, source, { maxConcurrent: 1 }))
          got.push(v);
      })(),
    ).rejects.toBe(broken);
    expect(got).toEqual([1, 2]);
  });

  it('yields every result of a fast async source in order, for promises, other thenables and plain values alike', async () => {
    const n = 300;
    async function* numbers() {
      for (let i = 0; i < n; i++) yield i;
    }
    // Native promises, a hand-made thenable and plain values: each takes its own path through the stream.
    const fn = (x: number): number | PromiseLike<number> => {
      if (x % 3 === 0) return Promise.resolve(x * 2);
      if (x % 3 === 1) {
        // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a promise is what this case feeds the stream.
        const thenable = { then: (resolve: (v: number) => void) => resolve(x * 2) };
        return thenable as unknown as PromiseLike<number>;
      }
      return x * 2;
    };
    for (const maxConcurrent of [1, 4, 64]) {
      const ordered: number[] = [];
      for await (const v of asyncParallelMapStream(fn, numbers(), { maxConcurrent })) ordered.push(v);
      expect(ordered).toEqual(Array.from({ length: n }, (_, i) => i * 2));
      const unordered: number[] = [];
      for await (const v of asyncParallelMapStream(fn, numbers(), { maxConcurrent, ordered: false }))
        unordered.push(v);
      expect(unordered.sort((a, b) => a - b)).toEqual(ordered);
    }
  });

  it('answers reads made at once in the order they were made, and gives the error to the earliest one', async () => {
    for (const ordered of [true, false]) {
      const boom = new Error('boom');
      async function* numbers() {
        for (let i = 0; i < 3; i++) yield i;
      }
      const it = asyncParallelMapStream(async (x: number) => x, numbers(), { maxConcurrent: 2, ordered });
      const reads = [it.next(), it.next(), it.next(), it.next()];
      expect(await Promise.all(reads)).toEqual([
        { done: false, value: 0 },
        { done: false, value: 1 },
        { done: false, value: 2 },
        { done: true, value: undefined },
      ]);

      const failing = asyncParallelMapStream(
        async (x: number) => {
          if (x === 1) throw boom;
          return x;
        },
        numbers(),
        { maxConcurrent: 1, ordered },
      );
      const [a, b, c] = [failing.next(), failing.next(), failing.next()];
      expect(await a).toEqual({ done: false, value: 0 });
      await expect(b).rejects.toBe(boom);
      expect(await c).toEqual({ done: true, value: undefined });
    }
  });

  it('throws a TypeError when the source yields something that is not an iterator result', async () => {
    let closed = 0;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.resolve(undefined as unknown as IteratorResult<number>),
        return: () => {
          closed++;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
    const it = asyncParallelMapStream((x: number) => x, source);
    await expect(it.next()).rejects.toThrow(TypeError);
    expect(closed).toBe(0);
  });

  it('pulls the source and calls fn in the context of the call, even when a read in another context resumes it', async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: string[] = [];
    async function* source() {
      for (let i = 0; i < 4; i++) {
        seen.push(`pull ${als.getStore()}`);
        yield i;
      }
    }
    // buffer 1: after each item the stream waits for room, and the next read is what resumes it.
    const it = als.run('caller', () =>
      asyncParallelMapStream(
        async (x: number) => {
          seen.push(`fn ${als.getStore()}`);
          return x;
        },
        source(),
        { maxConcurrent: 1, buffer: 1 },
      ),
    );
    const got = await als.run('reader', async () => {
      const out: number[] = [];
      for await (const v of it) {
        expect(als.getStore()).toBe('reader');
        out.push(v);
        // A slow reader: the item after this one is done before the next read, which then resumes the stream.
        await flush();
      }
      return out;
    });
    expect(got).toEqual([0, 1, 2, 3]);
    expect(new Set(seen)).toEqual(new Set(['pull caller', 'fn caller']));
    expect(seen.filter((s) => s.startsWith('fn'))).toHaveLength(4);
  });

  it('throws synchronously on bad input', () => {
    const fn = (x: number) => x;
    expect(() => asyncParallelMapStream(undefined as never, [1])).toThrow(TypeError);
    expect(() => asyncParallelMapStream(fn, 3 as never)).toThrow(/source must be an Iterable/);
    expect(() => asyncParallelMapStream(fn, [1], { maxConcurrent: 0 })).toThrow(/maxConcurrent/);
    expect(() => asyncParallelMapStream(fn, [1], { buffer: 0.5 })).toThrow(/buffer/);
    expect(() => asyncParallelMapStream(fn, [1], { ordered: 'no' as never })).toThrow(/ordered/);
  });
});
