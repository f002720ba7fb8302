/** What SPEC says of asCompleted, sentence by sentence, tested through the public `ferris` entry (moved from test/acceptance/). */
import { asCompleted, sleep, TimeoutError } from 'ferris';
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { neverSettles } from '../support/work.js';

describe('asCompleted, as SPEC states it', () => {
  it('yields values in completion order', async () => {
    const clock = fakeClock();
    const it = asCompleted(
      [30, 10, 20].map((ms) => () => sleep(ms, { clock }).then(() => ms)),
      { clock },
    );
    const out: number[] = [];
    const reading = (async () => {
      for await (const v of it) out.push(v);
    })();
    await clock.advance(30);
    await reading;
    expect(out).toEqual([10, 20, 30]);
  });

  it('throws the first error when it comes up in completion order, after the values completed before it', async () => {
    const clock = fakeClock();
    const boom = new Error('boom');
    const it = asCompleted(
      [
        () => sleep(10, { clock }).then(() => 'first'),
        () =>
          sleep(20, { clock }).then(() => {
            throw boom;
          }),
        (signal: AbortSignal) => sleep(30, { clock, signal }).then(() => 'never'),
      ],
      { clock },
    );
    const out: unknown[] = [];
    const reading = (async () => {
      for await (const v of it) out.push(v);
    })().catch((e: unknown) => e);
    await clock.advance(20);
    expect(await reading).toBe(boom);
    expect(out).toEqual(['first']);
  });

  it('aborts the rest when the consumer stops early', async () => {
    const signals: AbortSignal[] = [];
    const fns = [
      () => 'quick',
      (signal: AbortSignal) => {
        signals.push(signal);
        return neverSettles(signal);
      },
    ];
    for await (const v of asCompleted(fns)) {
      expect(v).toBe('quick');
      break;
    }
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('timeout ends the iteration with TimeoutError and signal abort with signal.reason unchanged', async () => {
    const clock = fakeClock();
    const it = asCompleted([(signal: AbortSignal) => neverSettles(signal)], { timeout: 50, clock });
    const first = expect(it.next()).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(50);
    await first;

    const controller = new AbortController();
    const it2 = asCompleted([(signal: AbortSignal) => neverSettles(signal)], { signal: controller.signal });
    const next = it2.next();
    controller.abort('stop');
    await expect(next).rejects.toBe('stop');
  });
});
