import { describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_DELAY, systemClock } from '../../src/core/Clock.js';
import { FakeClock } from '../../src/testing/FakeClock.js';
import { fakeClock } from '../support/leakCheck.js';

describe('FakeClock', () => {
  it('fires due timers in order, each at its own due time, FIFO among equals', async () => {
    const clock = fakeClock({ start: 100 });
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`a2@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`late@${clock.now()}`), 31);
    await clock.advance(30);
    expect(seen).toEqual(['a@110', 'a2@110', 'b@120']);
    expect(clock.now()).toBe(130);
    expect(clock.pending()).toEqual([{ due: 131 }]);
    await clock.advance(1);
    expect(seen.at(-1)).toBe('late@131');
  });

  it('drains the promise chains a timer starts before the next timer fires', async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    clock.setTimeout(() => {
      Promise.resolve()
        .then(() => undefined)
        .then(() => seen.push('chain of the first'));
    }, 5);
    clock.setTimeout(() => seen.push('second'), 5);
    clock.setTimeout(() => seen.push('third'), 6);
    await clock.advance(6);
    expect(seen.indexOf('chain of the first')).toBeLessThan(seen.indexOf('third'));
  });

  it('cancels a timer with clearTimeout and never lists an Infinity timer', async () => {
    const clock = fakeClock();
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 10);
    clock.setTimeout(() => {
      fired = true;
    }, Number.POSITIVE_INFINITY);
    clock.clearTimeout(handle);
    clock.clearTimeout('not a handle');
    expect(clock.pending()).toEqual([]);
    await clock.advance(1_000_000);
    expect(fired).toBe(false);
  });

  it('untilIdle fires timers due now (0 and negative delays) without moving time', async () => {
    const clock = fakeClock({ start: 50 });
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(0), 0);
    clock.setTimeout(() => seen.push(-1), -5);
    clock.setTimeout(() => seen.push(1), 1);
    await clock.untilIdle();
    expect(seen).toEqual([0, -1]);
    expect(clock.now()).toBe(50);
    await clock.advance(1);
  });

  it('runAll jumps to every timer, including timers scheduled by timers', async () => {
    const clock = fakeClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 500);
    }, 100);
    expect(await clock.runAll()).toBe(2);
    expect(seen).toEqual([100, 600]);
  });

  it('runAll stops after maxTimers so an interval cannot spin forever', async () => {
    const clock = new FakeClock({ maxTimers: 25 });
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    expect(await clock.runAll()).toBe(25);
    expect(ticks).toBe(25);
    expect(clock.pending()).toHaveLength(1);
  });

  it('throws synchronously on a negative, NaN or Infinity advance (RangeError) and a non-number (TypeError)', () => {
    const clock = fakeClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(
      /FakeClock.advance ms must be a finite number >= 0, got Infinity/,
    );
    expect(clock.now()).toBe(0);
    expect(() => clock.advance('5' as unknown as number)).toThrow(TypeError);
  });
});

describe('systemClock', () => {
  it('is monotonic milliseconds', () => {
    const a = systemClock.now();
    const b = systemClock.now();
    expect(b).toBeGreaterThanOrEqual(a);
  });

  it('schedules nothing for Infinity and clamps delays above 2^31 - 1 ms instead of firing at once', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    let fired = false;
    const never = systemClock.setTimeout(() => {
      fired = true;
    }, Number.POSITIVE_INFINITY);
    const far = systemClock.setTimeout(() => {
      fired = true;
    }, MAX_TIMER_DELAY * 4);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    systemClock.clearTimeout(never);
    systemClock.clearTimeout(far);
    process.off('warning', onWarning);
    expect(fired).toBe(false);
    expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
  });
});

describe('FakeClock and the system clock, as SPEC states them', () => {
  it('advance(ms) is async and fires due timers in order with microtasks drained between them', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    clock.setTimeout(() => {
      log.push('b@20');
    }, 20);
    clock.setTimeout(() => {
      log.push('a@10');
      Promise.resolve().then(() => log.push('micro after a'));
    }, 10);
    clock.setTimeout(() => log.push('c@10'), 10);
    const result = clock.advance(15);
    expect(result).toBeInstanceOf(Promise);
    await result;
    expect(log).toEqual(['a@10', 'micro after a', 'c@10']);
    expect(clock.now()).toBe(15);
    expect(clock.pending()).toEqual([{ due: 20 }]);
    await clock.advance(5);
    expect(log.at(-1)).toBe('b@20');
    expect(clock.pending()).toEqual([]);
  });

  it('runAll() fires everything in order and stops after a bounded number of timers so an interval cannot spin', async () => {
    const clock = new FakeClock({ maxTimers: 50 });
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.runAll();
    expect(ticks).toBe(50);
    expect(clock.pending()).toHaveLength(1);
    expect(clock.now()).toBe(500);
  });

  it('untilIdle() resolves once no timer is due and the microtask queue is empty', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    clock.setTimeout(() => log.push('now'), 0);
    clock.setTimeout(() => log.push('later'), 5);
    void Promise.resolve().then(() => log.push('micro'));
    await clock.untilIdle();
    expect(log).toEqual(['micro', 'now']);
    expect(clock.pending()).toEqual([{ due: 5 }]);
    clock.clearTimeout(undefined);
    await clock.runAll();
  });

  it('rejects bad options synchronously with RangeError naming the option', () => {
    expect(() => new FakeClock({ start: Number.NaN })).toThrow(/options\.start/);
    expect(() => new FakeClock({ maxTimers: 0 })).toThrow(RangeError);
    expect(() => new FakeClock({ maxTimers: 1.5 })).toThrow(/options\.maxTimers/);
    expect(new FakeClock({ start: 5 }).now()).toBe(5);
  });

  it('pending() returns one { due } entry per scheduled timer', () => {
    const clock = new FakeClock({ start: 100 });
    const h = clock.setTimeout(() => {}, 5);
    clock.setTimeout(() => {}, 1);
    expect(clock.pending()).toEqual([{ due: 101 }, { due: 105 }]);
    clock.clearTimeout(h);
    expect(clock.pending()).toEqual([{ due: 101 }]);
    void clock.runAll();
  });

  it('the system clock is monotonic, treats Infinity as no timer and clamps delays above 2^31 - 1 ms', () => {
    const a = systemClock.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(a);
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const none = systemClock.setTimeout(() => {}, Number.POSITIVE_INFINITY);
      expect(spy).not.toHaveBeenCalled();
      systemClock.clearTimeout(none);
      const long = systemClock.setTimeout(() => {}, 2 ** 31 + 5);
      expect(spy).toHaveBeenCalledWith(expect.any(Function), 2 ** 31 - 1);
      systemClock.clearTimeout(long);
    } finally {
      spy.mockRestore();
    }
  });
});
