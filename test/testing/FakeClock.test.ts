import { describe, expect, it } from 'vitest';
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
