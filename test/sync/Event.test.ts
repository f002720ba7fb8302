import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../src/core/errors.js';
import { Event } from '../../src/sync/Event.js';
import { fakeClock } from '../support/leakCheck.js';
import { logSettled } from '../support/record.js';
import { isGetter } from '../support/shape.js';
import { flush } from '../support/work.js';

describe('Event', () => {
  it('resolves every waiter with true when set, and later waits at once', async () => {
    const event = new Event();
    expect(event.isSet).toBe(false);
    const waits = [event.wait(), event.wait()];
    let woken = false;
    Promise.all(waits).then(() => (woken = true));
    await flush();
    expect(woken).toBe(false);
    event.set();
    expect(event.isSet).toBe(true);
    expect(await Promise.all(waits)).toEqual([true, true]);
    expect(await event.wait()).toBe(true);
  });

  it('wakes the waiters queued before set() even when clear() follows at once', async () => {
    const event = new Event();
    const before = event.wait();
    event.set();
    event.clear();
    expect(await before).toBe(true);
    expect(event.isSet).toBe(false);
  });

  it('makes waits block again after clear(), until the next set()', async () => {
    const event = new Event();
    event.set();
    event.clear();
    let woken = false;
    const later = event.wait().then(() => (woken = true));
    await flush();
    expect(woken).toBe(false);
    event.set();
    await later;
    expect(woken).toBe(true);
  });

  it('treats a second set() as a no-op', async () => {
    const event = new Event();
    event.set();
    event.set();
    expect(event.isSet).toBe(true);
    await expect(event.wait()).resolves.toBe(true);
  });

  it('rejects an already-aborted wait even when the event is set', async () => {
    const event = new Event();
    event.set();
    const reason = new Error('not interested');
    await expect(event.wait({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('times out a waiter with TimeoutError while the others keep waiting', async () => {
    const clock = fakeClock();
    const event = new Event({ clock });
    const short = event.wait({ timeout: 10 });
    const long = event.wait();
    const timedOut = expect(short).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(10);
    await timedOut;
    event.set();
    await expect(long).resolves.toBe(true);
  });

  it('is a class of its own, not the global Event it shadows', () => {
    expect(Event).not.toBe(globalThis.Event);
    expect(new Event()).not.toBeInstanceOf(globalThis.Event);
  });

  it('throws synchronously on bad options', () => {
    expect(() => new Event({ clock: 'now' as never })).toThrow(TypeError);
    const event = new Event();
    expect(() => event.wait({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => event.wait(42 as never)).toThrow(TypeError);
  });
});

describe('Event, as SPEC states it', () => {
  it('wait() resolves to true; set/clear/isSet behave as asyncio.Event', async () => {
    const ev = new Event();
    const log: string[] = [];
    const w = logSettled(ev.wait(), log, 'w');
    await flush();
    expect(log).toEqual([]);
    ev.set();
    expect(ev.isSet).toBe(true);
    expect(await w).toBe(true);
    expect(await ev.wait()).toBe(true);
    ev.clear();
    expect(ev.isSet).toBe(false);
    logSettled(ev.wait({ signal: AbortSignal.abort('r') }), log, 'aborted');
    await flush();
    expect(log).toEqual(['w', 'aborted!']);
  });

  it('wakes waiters queued before a set() even if clear() follows at once', async () => {
    const ev = new Event();
    const a = ev.wait();
    const b = ev.wait();
    ev.set();
    ev.clear();
    expect(await Promise.all([a, b])).toEqual([true, true]);
    const clock = fakeClock();
    const ev2 = new Event({ clock });
    const late = expect(ev2.wait({ timeout: 5 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(5);
    await late;
  });
});

describe('Event state and timeouts, as SPEC states them', () => {
  it('exposes isSet as a getter', () => {
    expect(isGetter(Event.prototype, 'isSet')).toBe(true);
    expect(new Event().isSet).toBe(false);
  });

  it('a timeout of 0 or negative fires on the next macrotask, and a set event wins over a 0 timeout', async () => {
    const clock = fakeClock();
    const ev = new Event({ clock });
    const zero = expect(ev.wait({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    const negative = expect(ev.wait({ timeout: -5 })).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(0);
    await Promise.all([zero, negative]);
    ev.set();
    expect(await ev.wait({ timeout: 0 })).toBe(true);
  });
});
