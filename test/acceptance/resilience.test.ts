/**
 * Acceptance audit of SPEC §3 "Resilience" and its "Details the tests rely on": one test per pinned sentence,
 * written against the public package as users import it.
 */
import {
  Batcher,
  backoffDelay,
  CancelledError,
  CircuitBreaker,
  CircuitOpenError,
  chunk,
  FerrisError,
  PoolClosedError,
  RateLimiter,
  ResourcePool,
  RetryError,
  retry,
  TimeoutError,
} from 'ferris';
import { FakeClock } from 'ferris/testing';
import { describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush } from '../support/work.js';

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

describe('acceptance: retry', () => {
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

describe('acceptance: RateLimiter', () => {
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

const fail = (error: unknown = new Error('boom')) => Promise.reject(error);
const ok = () => 'ok';

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(breaker.run(() => fail())).rejects.toThrow('boom');
}

describe('acceptance: CircuitBreaker', () => {
  it('opens after 5 consecutive failures by default', async () => {
    const breaker = new CircuitBreaker({ clock: fakeClock() });
    await failTimes(breaker, 4);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('resets the consecutive count on a success', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, clock: fakeClock() });
    await failTimes(breaker, 2);
    await breaker.run(ok);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('rejects with CircuitOpenError without calling fn while open', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock: fakeClock() });
    await failTimes(breaker, 1);
    const fn = vi.fn(ok);
    const error = await breaker.run(fn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toBeInstanceOf(FerrisError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('turns half-open after resetTimeout, 30000 ms by default', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    await failTimes(breaker, 1);
    await clock.advance(29_999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('lets one trial through when half-open by default and closes when it succeeds', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    await failTimes(breaker, 1);
    await clock.advance(100);
    const gate = deferred<string>();
    const trial = breaker.run(() => gate.promise);
    const second = vi.fn(ok);
    await expect(breaker.run(second)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(second).not.toHaveBeenCalled();
    gate.resolve('done');
    await expect(trial).resolves.toBe('done');
    expect(breaker.state).toBe('closed');
  });

  it('closes only after halfOpenMax trials succeed', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, halfOpenMax: 2, clock });
    await failTimes(breaker, 1);
    await clock.advance(100);
    await breaker.run(ok);
    expect(breaker.state).toBe('half-open');
    await breaker.run(ok);
    expect(breaker.state).toBe('closed');
  });

  it('reopens on any trial failure', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, halfOpenMax: 3, clock });
    await failTimes(breaker, 1);
    await clock.advance(100);
    await breaker.run(ok);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('opens in ratio mode when at least minimumCalls calls in windowMs fail at the threshold fraction', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureRateThreshold: 0.5, windowMs: 1000, minimumCalls: 4, clock });
    await failTimes(breaker, 3);
    expect(breaker.state).toBe('closed'); // 3 calls: below minimumCalls
    await breaker.run(ok);
    expect(breaker.state).toBe('open'); // 3 of 4 failed
  });

  it('counts only the calls of the last windowMs in ratio mode', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureRateThreshold: 0.5, windowMs: 1000, minimumCalls: 2, clock });
    await breaker.run(ok);
    await breaker.run(ok);
    await breaker.run(ok);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed'); // 2 of 5
    await clock.advance(1000);
    await failTimes(breaker, 1);
    await breaker.run(ok);
    expect(breaker.state).toBe('open'); // 1 of 2 within the window
  });

  it('requires failureRateThreshold to be a fraction in (0, 1]', () => {
    expect(() => new CircuitBreaker({ failureRateThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ failureRateThreshold: 1.5 })).toThrow(/failureRateThreshold.*1\.5/);
    expect(new CircuitBreaker({ failureRateThreshold: 1 }).state).toBe('closed');
  });

  it('does not count cancellations as failures', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, clock: fakeClock() });
    const abortError = Object.assign(new Error('aborted'), { name: 'AbortError' });
    for (let i = 0; i < 3; i++) {
      await expect(breaker.run(() => fail(new CancelledError()))).rejects.toBeInstanceOf(CancelledError);
      await expect(breaker.run(() => fail(abortError))).rejects.toBe(abortError);
    }
    const controller = new AbortController();
    const reason = new Error('caller left');
    const p = breaker.run(() => deferred().promise, { signal: controller.signal });
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('counts only errors that isFailure accepts, and rethrows the others unchanged', async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      isFailure: (e) => !(e instanceof TypeError),
      clock: fakeClock(),
    });
    const error = new TypeError('client bug');
    await expect(breaker.run(() => fail(error))).rejects.toBe(error);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('emits stateChange with { from, to }, and on() returns an unsubscribe function', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 10, clock });
    const changes: unknown[] = [];
    const off = breaker.on('stateChange', (change) => changes.push(change));
    expect(typeof off).toBe('function');
    await failTimes(breaker, 1);
    await clock.advance(10);
    await breaker.run(ok);
    expect(changes).toEqual([
      { from: 'closed', to: 'open' },
      { from: 'open', to: 'half-open' },
      { from: 'half-open', to: 'closed' },
    ]);
    off();
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(changes).toHaveLength(3);
  });

  it("exposes state as a getter: 'closed' | 'open' | 'half-open'", () => {
    const breaker = new CircuitBreaker();
    expect(breaker.state).toBe('closed');
    const descriptor = Object.getOwnPropertyDescriptor(CircuitBreaker.prototype, 'state');
    expect(typeof descriptor?.get).toBe('function');
  });
});

interface Conn {
  id: number;
}

function pool(extra: Partial<ConstructorParameters<typeof ResourcePool<Conn>>[0]> = {}) {
  let next = 0;
  const created: Conn[] = [];
  const destroyed: Conn[] = [];
  const p = new ResourcePool<Conn>({
    create: () => {
      const c = { id: ++next };
      created.push(c);
      return c;
    },
    destroy: (c) => {
      destroyed.push(c);
    },
    max: 2,
    ...extra,
  });
  return { pool: p, created, destroyed };
}

describe('acceptance: ResourcePool', () => {
  it('creates nothing up front by default (min 0)', async () => {
    const { pool: p, created } = pool();
    await p.ready();
    expect(created).toHaveLength(0);
    expect(p.stats()).toMatchObject({ size: 0, created: 0 });
    await p.close();
  });

  it('waits without a time limit by default (no acquireTimeout)', async () => {
    const clock = fakeClock();
    const { pool: p } = pool({ max: 1, clock });
    const held = await p.acquire();
    let settled = false;
    const waiting = p.acquire().finally(() => {
      settled = true;
    });
    expect(clock.pending()).toHaveLength(0);
    await clock.advance(10_000_000);
    expect(settled).toBe(false);
    p.release(held);
    expect(await waiting).toBe(held);
    p.release(held);
    await p.close();
  });

  it('rejects with TimeoutError after acquireTimeout or the call timeout', async () => {
    const clock = fakeClock();
    const { pool: p } = pool({ max: 1, clock, acquireTimeout: 100 });
    const held = await p.acquire();
    const a = expect(p.acquire()).rejects.toBeInstanceOf(TimeoutError);
    const b = expect(p.acquire({ timeout: 50 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await b;
    await clock.advance(50);
    await a;
    p.release(held);
    await p.close();
  });

  it('creates min resources at construction and validates them before their first lend, since they are idle', async () => {
    const checked: Conn[] = [];
    const { pool: p, created } = pool({
      min: 2,
      max: 3,
      validate: (c) => {
        checked.push(c);
        return true;
      },
    });
    await p.ready();
    expect(p.stats()).toMatchObject({ size: 2, available: 2, created: 2 });
    const c = await p.acquire();
    expect(created).toContain(c);
    expect(checked).toEqual([c]);
    p.release(c);
    await p.close();
  });

  it('throws synchronously from acquire() for a NaN timeout', async () => {
    const { pool: p } = pool();
    expect(() => p.acquire({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => p.acquire({ signal: 'x' as never })).toThrow(TypeError);
    await p.close();
  });

  it('resolves acquire() to the resource itself', async () => {
    const { pool: p, created } = pool();
    const c = await p.acquire();
    expect(c).toBe(created[0]);
    p.release(c);
    expect(await p.acquire()).toBe(c);
    p.release(c);
    await p.close();
  });

  it('validates an idle resource before every lend, also when handed to a waiter', async () => {
    const checked: Conn[] = [];
    const { pool: p } = pool({
      max: 1,
      validate: (c) => {
        checked.push(c);
        return true;
      },
    });
    const c = await p.acquire();
    expect(checked).toEqual([]); // fresh, not idle
    p.release(c);
    await p.acquire();
    expect(checked).toEqual([c]);
    const waiter = p.acquire();
    p.release(c);
    expect(await waiter).toBe(c);
    expect(checked).toEqual([c, c]);
    p.release(c);
    await p.close();
  });

  for (const [what, verdict] of [
    ['returns false', () => false],
    [
      'throws',
      () => {
        throw new Error('dead');
      },
    ],
    ['rejects', () => Promise.reject(new Error('dead'))],
  ] as const)
    it(`destroys and replaces a resource whose validate ${what}`, async () => {
      let bad: Conn | undefined;
      const { pool: p, destroyed } = pool({
        max: 1,
        validate: (c) => (c === bad ? (verdict() as boolean) : true),
      });
      const first = await p.acquire();
      p.release(first);
      bad = first;
      const second = await p.acquire();
      expect(second).not.toBe(first);
      expect(destroyed).toEqual([first]);
      p.release(second);
      await p.close();
    });

  it('rejects acquire() with PoolClosedError after drain(), and drain() waits for borrowed resources', async () => {
    const { pool: p } = pool({ max: 1 });
    const c = await p.acquire();
    const waiter = expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    let drained = false;
    const d = p.drain().then(() => {
      drained = true;
    });
    await waiter;
    await expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    await flush();
    expect(drained).toBe(false);
    p.release(c);
    await d;
    expect(drained).toBe(true);
    await p.close();
  });

  it('rejects the acquire whose create failed with that error and frees its slot', async () => {
    const error = new Error('connect refused');
    let calls = 0;
    const p = new ResourcePool<Conn>({
      create: () => {
        calls++;
        if (calls === 1) throw error;
        return { id: calls };
      },
      destroy: () => {},
      max: 1,
    });
    await expect(p.acquire()).rejects.toBe(error);
    expect(p.stats()).toMatchObject({ size: 0, pending: 0, created: 0 });
    const c = await p.acquire();
    expect(c).toEqual({ id: 2 });
    p.release(c);
    await p.close();
  });

  it('throws when releasing a resource it did not lend, or one released twice', async () => {
    const { pool: p } = pool();
    expect(() => p.release({ id: 99 })).toThrow(Error);
    const c = await p.acquire();
    p.release(c);
    expect(() => p.release(c)).toThrow(Error);
    await p.close();
  });

  it('close() drains, rejects waiters with PoolClosedError, then destroys everything it created', async () => {
    const { pool: p, created, destroyed } = pool({ max: 2 });
    const a = await p.acquire();
    const b = await p.acquire();
    p.release(b);
    const c = await p.acquire();
    const waiter = expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    let closed = false;
    const done = p.close().then(() => {
      closed = true;
    });
    await waiter;
    await flush();
    expect(closed).toBe(false);
    p.release(a);
    p.release(c);
    await done;
    expect(new Set(destroyed)).toEqual(new Set(created));
    expect(destroyed).toHaveLength(created.length);
    expect(p.stats()).toMatchObject({ size: 0, created: 2, destroyed: 2 });
    await expect(p.acquire()).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('stats() is a fresh object { size, available, borrowed, pending, created, destroyed } with size = available + borrowed', async () => {
    const { pool: p } = pool({ max: 2 });
    const a = await p.acquire();
    const b = await p.acquire();
    p.release(b);
    const s1 = p.stats();
    expect(s1).toMatchObject({ size: 2, available: 1, borrowed: 1, pending: 0, created: 2, destroyed: 0 });
    await p.acquire();
    const waiter = p.acquire();
    const s2 = p.stats();
    expect(s2).not.toBe(s1);
    expect(s2).toMatchObject({ size: 2, available: 0, borrowed: 2, pending: 1 });
    for (const s of [s1, s2]) expect(s.size).toBe(s.available + s.borrowed);
    p.release(a);
    p.release(await waiter);
    p.release(b);
    await p.close();
  });

  it('use(fn) lends the resource to fn and releases it even when fn throws', async () => {
    const { pool: p } = pool({ max: 1 });
    const error = new Error('query failed');
    await expect(
      p.use(() => {
        throw error;
      }),
    ).rejects.toBe(error);
    expect(p.stats().borrowed).toBe(0);
    await expect(p.use((c) => c.id)).resolves.toBe(1);
    await p.close();
  });

  it('throws for bad options, naming the option', () => {
    const base = { create: () => ({}), destroy: () => {} };
    expect(() => new ResourcePool({ ...base, max: 0 })).toThrow(/max/);
    expect(() => new ResourcePool({ ...base, max: 2, min: 3 })).toThrow(RangeError);
    expect(() => new ResourcePool({ destroy: () => {}, max: 1 } as never)).toThrow(TypeError);
  });
});

describe('acceptance: Batcher', () => {
  it('sends a batch at once when maxSize (default 100) items are pending', async () => {
    const clock = fakeClock();
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>({
      clock,
      handler: (items) => {
        sizes.push(items.length);
        return items;
      },
    });
    const adds = Array.from({ length: 99 }, (_, i) => batcher.add(i));
    await flush();
    expect(sizes).toEqual([]);
    adds.push(batcher.add(99));
    await flush();
    expect(sizes).toEqual([100]);
    expect(await Promise.all(adds)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await batcher.close();
  });

  it('sends the pending batch maxWait (default 10) ms after its first item', async () => {
    const clock = fakeClock();
    const batches: string[][] = [];
    const batcher = new Batcher<string, string>({
      clock,
      handler: (items) => {
        batches.push(items);
        return items.map((s) => s.toUpperCase());
      },
    });
    const a = batcher.add('a');
    await clock.advance(5);
    const b = batcher.add('b');
    await clock.advance(4);
    expect(batches).toEqual([]);
    await clock.advance(1);
    expect(batches).toEqual([['a', 'b']]);
    expect(await Promise.all([a, b])).toEqual(['A', 'B']);
    await batcher.close();
  });

  it('flush() sends the pending batch now', async () => {
    const clock = fakeClock();
    const handler = vi.fn((items: number[]) => items.map((n) => n * 2));
    const batcher = new Batcher({ clock, maxWait: 1000, handler });
    const p = batcher.add(21);
    await batcher.flush();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(await p).toBe(42);
    expect(clock.pending()).toHaveLength(0);
    await batcher.close();
  });

  it('close() flushes the pending batch and stops the timer', async () => {
    const clock = fakeClock();
    const handler = vi.fn((items: number[]) => items);
    const batcher = new Batcher({ clock, maxWait: 1000, handler });
    const p = batcher.add(7);
    expect(clock.pending()).toHaveLength(1);
    const closed = batcher.close();
    expect(clock.pending()).toHaveLength(0);
    await closed;
    expect(handler).toHaveBeenCalledWith([7], expect.any(AbortSignal));
    expect(await p).toBe(7);
    await expect(batcher.add(8)).rejects.toBeInstanceOf(Error);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('calls handler(items, signal) with the items in add order', async () => {
    const clock = fakeClock();
    const calls: [number[], AbortSignal][] = [];
    const batcher = new Batcher<number, number>({
      clock,
      maxSize: 3,
      handler: (items, signal) => {
        calls.push([items, signal]);
        return items;
      },
    });
    await Promise.all([batcher.add(3), batcher.add(1), batcher.add(2)]);
    expect(calls[0]![0]).toEqual([3, 1, 2]);
    expect(calls[0]![1]).toBeInstanceOf(AbortSignal);
    await batcher.close();
  });

  it('rejects every add of a batch with TypeError when the result has another length', async () => {
    const clock = fakeClock();
    const batcher = new Batcher<number, number>({ clock, maxSize: 2, handler: () => [1] });
    const [a, b] = [batcher.add(1), batcher.add(2)];
    await expect(a).rejects.toBeInstanceOf(TypeError);
    await expect(b).rejects.toBeInstanceOf(TypeError);
    await batcher.close();
  });

  it('rejects every add of a batch with the error the handler throws or rejects with', async () => {
    const clock = fakeClock();
    const error = new Error('backend down');
    for (const handler of [
      () => {
        throw error;
      },
      () => Promise.reject(error),
    ]) {
      const batcher = new Batcher<number, number>({ clock, maxSize: 2, handler });
      const [a, b] = [batcher.add(1), batcher.add(2)];
      await expect(a).rejects.toBe(error);
      await expect(b).rejects.toBe(error);
      await batcher.close();
    }
  });

  it('rejects only add i when the result at position i is an Error', async () => {
    const clock = fakeClock();
    const error = new RangeError('no such id');
    const batcher = new Batcher<number, string>({
      clock,
      maxSize: 3,
      handler: (items) => items.map((n) => (n === 2 ? error : `#${n}`)),
    });
    const [a, b, c] = [batcher.add(1), batcher.add(2), batcher.add(3)];
    await expect(a).resolves.toBe('#1');
    await expect(b).rejects.toBe(error);
    await expect(c).resolves.toBe('#3');
    await batcher.close();
  });

  it('rejects an add with signal.reason on abort and leaves it out of the batch', async () => {
    const clock = fakeClock();
    const handler = vi.fn((items: number[]) => items);
    const batcher = new Batcher({ clock, handler });
    const controller = new AbortController();
    const gone = batcher.add(1, { signal: controller.signal });
    const kept = batcher.add(2);
    const reason = new Error('not needed');
    controller.abort(reason);
    await expect(gone).rejects.toBe(reason);
    await clock.advance(10);
    expect(await kept).toBe(2);
    expect(handler).toHaveBeenCalledWith([2], expect.any(AbortSignal));
    expect(() => batcher.add(3, { timeout: Number.NaN })).toThrow(RangeError);
    await batcher.close();
  });

  it('throws for bad options, naming the option', () => {
    const handler = (items: unknown[]) => items;
    expect(() => new Batcher({ handler, maxSize: 0 })).toThrow(/maxSize/);
    expect(() => new Batcher({ handler, maxSize: 1.5 })).toThrow(RangeError);
    expect(() => new Batcher({ handler, maxWait: Number.NaN })).toThrow(RangeError);
    expect(() => new Batcher({} as never)).toThrow(/handler/);
  });
});

describe('acceptance: chunk', () => {
  it('returns an Iterable of arrays of size items for an Iterable, the last one shorter', () => {
    const result = chunk([1, 2, 3, 4, 5], 2);
    expect(typeof (result as Iterable<number[]>)[Symbol.iterator]).toBe('function');
    expect(Symbol.asyncIterator in result).toBe(false);
    expect([...result]).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('returns an AsyncIterable for an AsyncIterable', async () => {
    async function* source() {
      for (let i = 1; i <= 5; i++) yield i;
    }
    const result = chunk(source(), 3);
    expect(typeof result[Symbol.asyncIterator]).toBe('function');
    expect(Symbol.iterator in result).toBe(false);
    const out: number[][] = [];
    for await (const c of result) out.push(c);
    expect(out).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('pulls only the items of the chunk it is asked for', () => {
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const it = chunk(source(), 4)[Symbol.iterator]();
    expect(it.next().value).toEqual([0, 1, 2, 3]);
    expect(pulled).toBe(4);
    it.return?.();
  });

  it('requires size to be an integer >= 1, synchronously', () => {
    for (const size of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => chunk([1], size)).toThrow(RangeError);
    expect(() => chunk([1], '2' as never)).toThrow(TypeError);
    expect(() => chunk(42 as never, 2)).toThrow(TypeError);
  });
});

describe('acceptance: bad work throws synchronously', () => {
  it('run(), wrap() and use() throw a TypeError for a non-function before any wait', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, clock });
    const breaker = new CircuitBreaker({ clock });
    const { pool: p } = pool();
    expect(() => limiter.run(5 as never)).toThrow(TypeError);
    expect(() => limiter.wrap(5 as never)).toThrow(TypeError);
    expect(() => breaker.run(5 as never)).toThrow(TypeError);
    expect(() => p.use(5 as never)).toThrow(TypeError);
    expect(limiter.stats().tokens).toBe(1);
    expect(p.stats().created).toBe(0);
    await p.close();
  });
});

describe('acceptance: the testing kit drives resilience timers', () => {
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
