import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/time/sleep.js';
import { fakeClock } from '../support/leakCheck.js';

describe('sleep', () => {
  it('resolves only once the clock has advanced by ms', async () => {
    const clock = fakeClock();
    let done = false;
    const p = sleep(100, { clock }).then(() => {
      done = true;
    });
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    expect(done).toBe(true);
  });

  it('rejects at once with the signal reason and leaves no timer', async () => {
    const clock = fakeClock();
    const c = new AbortController();
    const p = sleep(1000, { clock, signal: c.signal });
    c.abort('stop');
    await expect(p).rejects.toBe('stop');
    expect(clock.pending()).toEqual([]);
  });

  it('rejects a NaN delay with RangeError and a non-number with TypeError', () => {
    expect(() => sleep(Number.NaN)).toThrow(RangeError);
    expect(() => sleep('1' as unknown as number)).toThrow(TypeError);
  });

  it('treats Infinity as never on the system clock: only abort ends it', async () => {
    const c = new AbortController();
    const p = sleep(Number.POSITIVE_INFINITY, { signal: c.signal });
    c.abort('end');
    await expect(p).rejects.toBe('end');
  });
});
