import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/time/sleep.js';
import { fakeClock } from '../support/leakCheck.js';
import { flush, track } from '../support/work.js';

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

describe('sleep, as SPEC states it', () => {
  it('resolves after ms on the injected clock', async () => {
    const clock = fakeClock();
    const state = track(sleep(100, { clock }));
    await clock.advance(99);
    expect(state.settled).toBe(false);
    await clock.advance(1);
    expect(state.settled).toBe(true);
  });

  it('abort rejects at once with signal.reason unchanged, and an already aborted signal rejects', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const p = sleep(1000, { clock, signal: controller.signal });
    const reason = new DOMException('x', 'AbortError');
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(clock.pending()).toEqual([]);
    await expect(sleep(1, { signal: AbortSignal.abort(42) })).rejects.toBe(42);
  });

  it('0 and negative resolve on the next macrotask; Infinity never resolves unless aborted; NaN throws RangeError', async () => {
    await sleep(0);
    await sleep(-10);
    const controller = new AbortController();
    const forever = sleep(Number.POSITIVE_INFINITY, { signal: controller.signal });
    const state = track(forever);
    await flush();
    expect(state.settled).toBe(false);
    controller.abort('done');
    await expect(forever).rejects.toBe('done');
    expect(() => sleep(Number.NaN)).toThrow(RangeError);
  });
});
