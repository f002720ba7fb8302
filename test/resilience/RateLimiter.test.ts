import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { RateLimiter } from '../../src/resilience/RateLimiter.js';
import { FakeClock } from '../../src/testing/FakeClock.js';
import { fakeClock } from '../support/leakCheck.js';
import { flush } from '../support/work.js';

/** Records the order in which promises settle. */
function tracker() {
  const order: string[] = [];
  const track = (name: string, p: Promise<unknown>) => {
    p.then(
      () => order.push(name),
      () => order.push(`${name}!`),
    );
    return p;
  };
  return { order, track };
}

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('RateLimiter', () => {
  it('starts full: burst tokens are available at once', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 5, burst: 3, clock });
    expect(limiter.stats()).toEqual({ tokens: 3, waiting: 0, rate: 5, per: 1000, burst: 3 });
    await limiter.acquire();
    await limiter.acquire(2);
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.stats().tokens).toBe(0);
  });

  it('defaults per to 1000 ms and burst to rate', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 4, clock });
    expect(limiter.stats()).toMatchObject({ tokens: 4, per: 1000, burst: 4 });
  });

  it('refills continuously at rate per `per` ms, up to burst', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 2, per: 1000, clock });
    expect(limiter.tryAcquire(2)).toBe(true);
    await clock.advance(250);
    expect(limiter.stats().tokens).toBeCloseTo(0.5, 9);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(250);
    expect(limiter.tryAcquire()).toBe(true);
    await clock.advance(60_000);
    expect(limiter.stats().tokens).toBe(2);
  });

  it('grants a waiter exactly when its tokens have refilled, with a single timer for the head', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 4, per: 1000, clock });
    limiter.tryAcquire(4);
    const { order, track } = tracker();
    track('a', limiter.acquire(2));
    track('b', limiter.acquire(1));
    track('c', limiter.acquire(1));
    expect(clock.pending()).toEqual([{ due: 500 }]);
    await clock.advance(499);
    expect(order).toEqual([]);
    await clock.advance(1);
    expect(order).toEqual(['a']);
    expect(clock.pending()).toEqual([{ due: 750 }]);
    await clock.advance(250);
    expect(order).toEqual(['a', 'b']);
    await clock.advance(250);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(clock.pending()).toEqual([]);
    expect(limiter.stats()).toMatchObject({ tokens: 0, waiting: 0 });
  });

  it('serves waiters FIFO: a big request at the head holds back smaller ones behind it', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 5, clock });
    limiter.tryAcquire(5);
    const { order, track } = tracker();
    track('big', limiter.acquire(5));
    track('small', limiter.acquire(1));
    await clock.advance(100);
    // One token is there, enough for `small`, but `big` is ahead.
    expect(order).toEqual([]);
    await clock.advance(400);
    expect(order).toEqual(['big']);
    await clock.advance(100);
    expect(order).toEqual(['big', 'small']);
  });

  it('fails tryAcquire while anyone waits, even when the bucket holds enough (no barging)', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 5, clock });
    limiter.tryAcquire(5);
    const big = limiter.acquire(5);
    await clock.advance(200);
    expect(limiter.stats().tokens).toBeCloseTo(2, 9);
    expect(limiter.tryAcquire(1)).toBe(false);
    await clock.advance(300);
    await big;
    await clock.advance(100);
    expect(limiter.tryAcquire(1)).toBe(true);
  });

  it('removes an aborted waiter without taking tokens and reschedules the timer for the next one', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 10, clock });
    limiter.tryAcquire(10);
    const controller = new AbortController();
    const reason = { why: 'gave up' };
    const { order, track } = tracker();
    const big = track('big', limiter.acquire(8, { signal: controller.signal }));
    track('small', limiter.acquire(1));
    expect(clock.pending()).toEqual([{ due: 800 }]);
    await clock.advance(50);
    controller.abort(reason);
    await expect(big).rejects.toBe(reason);
    expect(limiter.stats().waiting).toBe(1);
    expect(clock.pending()).toEqual([{ due: 100 }]);
    await clock.advance(50);
    expect(order).toEqual(['big!', 'small']);
    expect(limiter.stats().tokens).toBeCloseTo(0, 9);
    expect(listeners(controller.signal)).toBe(0);
  });

  it('grants the waiters behind at once when an aborted head was all that held them back', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 5, clock });
    limiter.tryAcquire(3);
    const controller = new AbortController();
    const { order, track } = tracker();
    track('big', limiter.acquire(5, { signal: controller.signal }));
    track('a', limiter.acquire(1));
    track('b', limiter.acquire(1));
    track('c', limiter.acquire(1));
    controller.abort('stop');
    await flush();
    expect(order).toEqual(['big!', 'a', 'b']);
    expect(clock.pending()).toEqual([{ due: 100 }]);
    await clock.advance(100);
    expect(order).toEqual(['big!', 'a', 'b', 'c']);
  });

  it('rejects an already-aborted acquire without taking tokens, even when tokens are there', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 2, clock });
    const reason = new Error('already gone');
    await expect(limiter.acquire(1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(limiter.stats()).toMatchObject({ tokens: 2, waiting: 0 });
  });

  it('rejects with TimeoutError after `timeout` ms, not a tick earlier, and takes no tokens', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 1000, clock });
    limiter.tryAcquire();
    const { order, track } = tracker();
    const p = track('timed', limiter.acquire(1, { timeout: 300 }));
    await clock.advance(299);
    expect(order).toEqual([]);
    const timedOut = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(1);
    await timedOut;
    expect(limiter.stats().waiting).toBe(0);
    expect(clock.pending()).toEqual([]);
    await clock.advance(700);
    expect(limiter.tryAcquire()).toBe(true);
  });

  it('ignores an abort that comes after the waiter was granted', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, clock });
    limiter.tryAcquire();
    const controller = new AbortController();
    const p = limiter.acquire(1, { signal: controller.signal, timeout: 500 });
    await clock.advance(100);
    controller.abort(new Error('too late'));
    await expect(p).resolves.toBeUndefined();
    expect(limiter.stats().tokens).toBeCloseTo(0, 9);
  });

  it('leaves no abort listener and no timer once a wait settles, whichever way', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, clock });
    limiter.tryAcquire();
    const granted = new AbortController();
    const p = limiter.acquire(1, { signal: granted.signal, timeout: 1000 });
    expect(listeners(granted.signal)).toBe(1);
    await clock.advance(100);
    await p;
    expect(listeners(granted.signal)).toBe(0);
    expect(clock.pending()).toEqual([]);

    const timed = new AbortController();
    const q = limiter.acquire(1, { signal: timed.signal, timeout: 10 });
    const timedOut = expect(q).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await timedOut;
    expect(listeners(timed.signal)).toBe(0);
    expect(clock.pending()).toEqual([]);
  });

  it('throws RangeError synchronously for a request larger than burst, or not > 0', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 10, burst: 3, clock });
    expect(() => limiter.acquire(4)).toThrow(/tokens \(4\) exceeds burst \(3\)/);
    expect(() => limiter.tryAcquire(4)).toThrow(RangeError);
    expect(() => limiter.acquire(0)).toThrow(
      /RateLimiter\.acquire tokens must be a finite number > 0, got 0/,
    );
    expect(() => limiter.acquire(-1)).toThrow(RangeError);
    expect(() => limiter.acquire(Number.NaN)).toThrow(RangeError);
    expect(() => limiter.acquire('1' as never)).toThrow(TypeError);
    expect(() => limiter.acquire(1, 'x' as never)).toThrow(/acquire options must be an object/);
    expect(() => limiter.acquire(1, { signal: {} as never })).toThrow(/acquire options\.signal/);
    expect(() => limiter.acquire(1, { timeout: Number.NaN })).toThrow(/acquire options\.timeout/);
    expect(limiter.stats()).toMatchObject({ tokens: 3, waiting: 0 });
  });

  it('accepts fractional token costs', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 1000, clock });
    expect(limiter.tryAcquire(0.5)).toBe(true);
    expect(limiter.tryAcquire(0.5)).toBe(true);
    expect(limiter.tryAcquire(0.25)).toBe(false);
    const p = limiter.acquire(0.25);
    expect(clock.pending()).toEqual([{ due: 250 }]);
    await clock.advance(250);
    await p;
  });

  it('run() takes a token, then calls fn with the signal and settles with its result', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, clock });
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    expect(
      await limiter.run(
        (signal) => {
          seen.push(signal);
          return 'first';
        },
        { signal: controller.signal },
      ),
    ).toBe('first');
    expect(seen).toEqual([controller.signal]);
    const second = limiter.run(async () => 'second');
    const failing = limiter.run(() => Promise.reject(new Error('work failed')), { tokens: 1 });
    const failed = expect(failing).rejects.toThrow('work failed');
    await clock.advance(100);
    expect(await second).toBe('second');
    await clock.advance(100);
    await failed;
    expect(() => limiter.run('x' as never)).toThrow(/RateLimiter\.run fn must be a function/);
  });

  it('run() with a timeout rejects with TimeoutError and never calls fn', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 1000, clock });
    limiter.tryAcquire();
    let called = false;
    const p = limiter.run(
      () => {
        called = true;
      },
      { timeout: 100 },
    );
    const timedOut = expect(p).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(100);
    await timedOut;
    expect(called).toBe(false);
  });

  it('wrap() returns a function with the same arguments that goes through the limiter', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, clock });
    const add = limiter.wrap((a: number, b: number) => a + b);
    expect(await add(1, 2)).toBe(3);
    const { order, track } = tracker();
    const later = track('later', add(3, 4));
    await flush();
    expect(order).toEqual([]);
    await clock.advance(100);
    expect(await later).toBe(7);
    expect(() => limiter.wrap(null as never)).toThrow(TypeError);
  });

  it("works as a map's limiter: anything calling acquire(tokens, { signal })", async () => {
    const clock = fakeClock();
    const limiter: { acquire(tokens: number, options: { signal?: AbortSignal }): Promise<unknown> } =
      new RateLimiter({ rate: 2, per: 1000, clock });
    const controller = new AbortController();
    const started: number[] = [];
    const items = [0, 1, 2, 3];
    const all = Promise.all(
      items.map(async (i) => {
        await limiter.acquire(1, { signal: controller.signal });
        started.push(clock.now());
        return i;
      }),
    );
    await clock.advance(1000);
    expect(await all).toEqual(items);
    expect(started).toEqual([0, 0, 500, 1000]);
  });

  it('returns a fresh stats object each time', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 2, clock });
    const a = limiter.stats();
    a.tokens = 99;
    expect(limiter.stats().tokens).toBe(2);
    expect(limiter.stats()).not.toBe(limiter.stats());
  });

  it('rejects bad options, naming the option and the value', () => {
    expect(() => new RateLimiter(undefined as never)).toThrow(/RateLimiter options\.rate is required/);
    expect(() => new RateLimiter({} as never)).toThrow(/rate is required/);
    expect(() => new RateLimiter({ rate: 0 })).toThrow(/options\.rate must be a finite number > 0, got 0/);
    expect(() => new RateLimiter({ rate: -1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ rate: Number.NaN })).toThrow(RangeError);
    expect(() => new RateLimiter({ rate: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new RateLimiter({ rate: '5' as never })).toThrow(TypeError);
    expect(() => new RateLimiter({ rate: 1, per: 0 })).toThrow(/options\.per must be a finite number > 0/);
    expect(() => new RateLimiter({ rate: 1, per: Number.NaN })).toThrow(/options\.per/);
    expect(() => new RateLimiter({ rate: 1, burst: 0 })).toThrow(
      /options\.burst must be a finite number > 0/,
    );
    expect(() => new RateLimiter({ rate: 1, burst: null as never })).toThrow(/options\.burst/);
    expect(() => new RateLimiter({ rate: 1, clock: {} as never })).toThrow(/options\.clock must be a Clock/);
    expect(() => new RateLimiter(7 as never)).toThrow(/RateLimiter options must be an object/);
  });
});

describe('RateLimiter, as SPEC states it', () => {
  it('defaults burst to rate and per to 1000 ms, and starts full', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 3, clock });
    expect(limiter.stats()).toMatchObject({ tokens: 3, waiting: 0 });
    expect([limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()]).toEqual([true, true, true]);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(333);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(1); // 3 per 1000 ms: one token after 333.3 ms
    expect(limiter.tryAcquire()).toBe(true);
  });

  it('holds burst tokens at start when burst is given', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, burst: 5, clock });
    expect(limiter.stats().tokens).toBe(5);
    expect(limiter.tryAcquire(5)).toBe(true);
  });

  it('throws RangeError synchronously from acquire(n) and tryAcquire(n) when n > burst', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 10, burst: 2, clock });
    expect(() => limiter.acquire(3)).toThrow(RangeError);
    expect(() => limiter.tryAcquire(3)).toThrow(RangeError);
    expect(() => limiter.acquire(0)).toThrow(RangeError);
    expect(() => limiter.acquire(Number.NaN)).toThrow(RangeError);
  });

  it('serves waiters FIFO: a small request does not pass a larger one ahead of it', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 1000, burst: 2, clock });
    expect(limiter.tryAcquire(2)).toBe(true);
    const order: string[] = [];
    const a = limiter.acquire(2).then(() => order.push('a'));
    const b = limiter.acquire(1).then(() => order.push('b'));
    expect(limiter.stats().waiting).toBe(2);
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(1000);
    expect(order).toEqual([]);
    await clock.advance(1000);
    expect(order).toEqual(['a']);
    await clock.advance(1000);
    expect(order).toEqual(['a', 'b']);
    await Promise.all([a, b]);
  });

  it('lets an aborted waiter leave with signal.reason and take no tokens', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 1000, burst: 3, clock });
    limiter.tryAcquire(3);
    const controller = new AbortController();
    const big = limiter.acquire(3, { signal: controller.signal });
    let small = false;
    const next = limiter.acquire(1).then(() => {
      small = true;
    });
    await clock.advance(500);
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(big).rejects.toBe(reason);
    expect(limiter.stats().waiting).toBe(1);
    await clock.advance(500);
    await next;
    expect(small).toBe(true);
    expect(limiter.stats().tokens).toBeCloseTo(0, 9);
  });

  it('rejects a waiter with TimeoutError after timeout ms without taking tokens', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 1000, clock });
    limiter.tryAcquire();
    const p = expect(limiter.acquire(1, { timeout: 200 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(200);
    await p;
    await clock.advance(800);
    expect(limiter.tryAcquire()).toBe(true);
  });

  it('treats a timeout of 0 as the next macrotask (tokens already there win) and NaN as a RangeError', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, clock });
    await expect(limiter.acquire(1, { timeout: 0 })).resolves.toBeUndefined();
    const p = expect(limiter.acquire(1, { timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(0);
    await p;
    expect(() => limiter.acquire(1, { timeout: Number.NaN })).toThrow(RangeError);
    expect(limiter.stats().waiting).toBe(0);
  });

  it('admits no more than burst + rate * W / per tokens in any window of W ms', async () => {
    const clock = fakeClock();
    const rate = 5;
    const per = 1000;
    const burst = 3;
    const limiter = new RateLimiter({ rate, per, burst, clock });
    const grants: number[] = [];
    const all = Array.from({ length: 40 }, () => limiter.acquire(1).then(() => grants.push(clock.now())));
    for (let i = 0; i < 100; i++) await clock.advance(97);
    await Promise.all(all);
    expect(grants).toHaveLength(40);
    for (let i = 0; i < grants.length; i++)
      for (let j = i; j < grants.length; j++) {
        const w = grants[j]! - grants[i]!;
        expect(j - i + 1).toBeLessThanOrEqual(burst + (rate * w) / per + 1e-6);
      }
  });

  it('run(fn) takes a token before calling fn with a signal; wrap(fn) passes arguments through', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 1000, clock });
    const received: unknown[] = [];
    await expect(
      limiter.run((signal) => {
        received.push(signal);
        return 'first';
      }),
    ).resolves.toBe('first');
    expect(received[0]).toBeInstanceOf(AbortSignal);
    const add = limiter.wrap(async (a: number, b: number) => a + b);
    let sum: number | undefined;
    const p = add(2, 3).then((v) => {
      sum = v;
    });
    await clock.advance(999);
    expect(sum).toBeUndefined();
    await clock.advance(1);
    await p;
    expect(sum).toBe(5);
  });

  it('stats() returns a fresh plain object with tokens and waiting', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 2, clock });
    const first = limiter.stats();
    expect(first).toMatchObject({ tokens: 2, waiting: 0 });
    limiter.tryAcquire(2);
    const p = limiter.acquire();
    const second = limiter.stats();
    expect(second).not.toBe(first);
    expect(second).toMatchObject({ tokens: 0, waiting: 1 });
    await clock.advance(500);
    await p;
    expect(limiter.stats()).toMatchObject({ waiting: 0 });
  });

  it('throws for bad options, naming the option and value', () => {
    expect(() => new RateLimiter({} as never)).toThrow(/rate/);
    expect(() => new RateLimiter({ rate: -1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ rate: -1 })).toThrow(/rate.*-1/);
    expect(() => new RateLimiter({ rate: 1, per: 0 })).toThrow(/per/);
    expect(() => new RateLimiter({ rate: 1, burst: Number.NaN })).toThrow(RangeError);
    expect(() => new RateLimiter({ rate: '5' as never })).toThrow(TypeError);
  });
});

describe('RateLimiter on the testing kit’s FakeClock', () => {
  it('a FakeClock from ferris/testing drives a RateLimiter deterministically', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, clock });
    limiter.tryAcquire();
    let granted = false;
    const p = limiter.acquire().then(() => {
      granted = true;
    });
    await clock.advance(99);
    expect(granted).toBe(false);
    await clock.advance(1);
    await p;
    expect(granted).toBe(true);
    expect(clock.pending()).toHaveLength(0);
  });
});

describe('RateLimiter with bad work, as SPEC states it', () => {
  it('run() and wrap() throw a TypeError for a non-function before any wait, taking no token', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, clock });
    expect(() => limiter.run(5 as never)).toThrow(TypeError);
    expect(() => limiter.wrap(5 as never)).toThrow(TypeError);
    expect(limiter.stats().tokens).toBe(1);
  });
});
