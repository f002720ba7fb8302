import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, TimeoutError } from '../../src/core/errors.js';
import { linkSignal, onAbort } from '../../src/core/signals.js';
import { Event } from '../../src/sync/Event.js';
import { fakeClock } from '../support/leakCheck.js';

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('onAbort', () => {
  it('adds one listener to a signal however many watchers it has, and removes it with the last watcher', () => {
    const c = new AbortController();
    const offs = Array.from({ length: 50 }, () => onAbort(c.signal, () => {}));
    expect(listeners(c.signal)).toBe(1);
    for (const off of offs.slice(1)) off();
    expect(listeners(c.signal)).toBe(1);
    offs[0]!();
    expect(listeners(c.signal)).toBe(0);
  });

  it('calls the watchers once each, in the order they started watching, and then holds nothing', () => {
    const c = new AbortController();
    const log: string[] = [];
    onAbort(c.signal, () => log.push('a'));
    onAbort(c.signal, () => log.push('b'));
    onAbort(c.signal, () => log.push('c'));
    c.abort('stop');
    expect(log).toEqual(['a', 'b', 'c']);
    expect(listeners(c.signal)).toBe(0);
  });

  it('skips a watcher that stopped watching, from either end or the middle, and accepts a second stop', () => {
    const c = new AbortController();
    const log: string[] = [];
    const offA = onAbort(c.signal, () => log.push('a'));
    const offB = onAbort(c.signal, () => log.push('b'));
    onAbort(c.signal, () => log.push('c'));
    const offD = onAbort(c.signal, () => log.push('d'));
    offB();
    offB();
    offA();
    offD();
    c.abort();
    expect(log).toEqual(['c']);
    // Stopping after the abort is harmless.
    offA();
  });

  it('lets a watcher stop another one during the abort: the stopped one is not called', () => {
    const c = new AbortController();
    const log: string[] = [];
    let offB: () => void = () => {};
    onAbort(c.signal, () => {
      log.push('a');
      offB();
    });
    offB = onAbort(c.signal, () => log.push('b'));
    c.abort();
    expect(log).toEqual(['a']);
  });

  it('starts a fresh fan-out for watchers added after every earlier one left', () => {
    const c = new AbortController();
    const log: string[] = [];
    onAbort(c.signal, () => log.push('old'))();
    onAbort(c.signal, () => log.push('new'));
    expect(listeners(c.signal)).toBe(1);
    c.abort();
    expect(log).toEqual(['new']);
  });

  it('still calls every other watcher when one throws, and rethrows that error on a microtask', () => {
    const scheduled: (() => void)[] = [];
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((fn) => {
      scheduled.push(fn);
    });
    const c = new AbortController();
    const log: string[] = [];
    const boom = new Error('watcher failed');
    onAbort(c.signal, () => log.push('a'));
    onAbort(c.signal, () => {
      throw boom;
    });
    onAbort(c.signal, () => {
      throw new Error('second failure');
    });
    onAbort(c.signal, () => log.push('d'));
    c.abort();
    expect(log).toEqual(['a', 'd']);
    // Only the first error is rethrown, once, as an EventTarget listener's error would be.
    expect(scheduled).toHaveLength(1);
    expect(() => scheduled[0]!()).toThrow(boom);
  });

  it('serves 20,000 waits on one signal with a single listener and no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const c = new AbortController();
      const event = new Event();
      const waits = Array.from({ length: 20_000 }, () => event.wait({ signal: c.signal }));
      expect(listeners(c.signal)).toBe(1);
      const reason = new Error('stop waiting');
      c.abort(reason);
      const outcomes = await Promise.allSettled(waits);
      expect(outcomes.every((o) => o.status === 'rejected' && o.reason === reason)).toBe(true);
      expect(listeners(c.signal)).toBe(0);
      // Node emits the warning on a later tick: give it one.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('linkSignal', () => {
  it('aborts with the parent’s reason unchanged, once, and tells onAbort', () => {
    const parent = new AbortController();
    const seen: unknown[] = [];
    const scope = linkSignal(parent.signal, { onAbort: (reason) => seen.push(reason) });
    expect(scope.open).toBe(true);
    expect(scope.aborted).toBe(false);
    expect(scope.reason).toBeUndefined();
    const reason = { why: 'caller left' };
    parent.abort(reason);
    expect(scope.aborted).toBe(true);
    expect(scope.open).toBe(false);
    expect(scope.reason).toBe(reason);
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toBe(reason);
    scope.abort(new Error('later'));
    expect(seen).toEqual([reason]);
    expect(scope.reason).toBe(reason);
  });

  it('is aborted from the start, onAbort called at once, when the parent already aborted', () => {
    const reason = new Error('already gone');
    const seen: unknown[] = [];
    const scope = linkSignal(AbortSignal.abort(reason), { onAbort: (r) => seen.push(r) });
    expect(seen).toEqual([reason]);
    expect(scope.signal.reason).toBe(reason);
  });

  it('aborts with a TimeoutError naming the timeout when it passes on the injected clock, and not before', async () => {
    const clock = fakeClock();
    const parent = new AbortController();
    const scope = linkSignal(parent.signal, { timeout: 100, clock });
    const signal = scope.signal;
    await clock.advance(99);
    expect(signal.aborted).toBe(false);
    await clock.advance(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(TimeoutError);
    expect((signal.reason as TimeoutError).timeout).toBe(100);
    expect(scope.reason).toBe(signal.reason);
    // Nothing of the scope is left on the parent, nor on the clock.
    expect(listeners(parent.signal)).toBe(0);
    expect(clock.pending()).toEqual([]);
  });

  it('uses timeoutReason for the timeout’s reason, and sets no timer for Infinity', async () => {
    const clock = fakeClock();
    const scope = linkSignal(undefined, { timeout: 10, clock, timeoutReason: () => 'late' });
    await clock.advance(10);
    expect(scope.reason).toBe('late');
    const never = linkSignal(undefined, { timeout: Number.POSITIVE_INFINITY, clock });
    expect(clock.pending()).toEqual([]);
    never.dispose();
  });

  it('aborts with abort(reason), or a CancelledError without one, and holds nothing afterwards', () => {
    const parent = new AbortController();
    const clock = fakeClock();
    const scope = linkSignal(parent.signal, { timeout: 1000, clock });
    expect(listeners(parent.signal)).toBe(1);
    scope.abort('mine');
    expect(scope.reason).toBe('mine');
    expect(listeners(parent.signal)).toBe(0);
    expect(clock.pending()).toEqual([]);
    const other = linkSignal(undefined);
    other.abort();
    expect(other.reason).toBeInstanceOf(CancelledError);
  });

  it('never aborts once disposed: not by its parent, its timeout or abort(), and leaves nothing attached', async () => {
    const clock = fakeClock();
    const parent = new AbortController();
    const seen: unknown[] = [];
    const scope = linkSignal(parent.signal, { timeout: 50, clock, onAbort: (r) => seen.push(r) });
    const signal = scope.signal;
    scope.dispose();
    scope.dispose();
    expect(scope.open).toBe(false);
    expect(listeners(parent.signal)).toBe(0);
    expect(clock.pending()).toEqual([]);
    parent.abort('too late');
    scope.abort('also too late');
    await clock.advance(100);
    expect(scope.aborted).toBe(false);
    expect(scope.reason).toBeUndefined();
    expect(signal.aborted).toBe(false);
    expect(seen).toEqual([]);
  });

  it('creates its AbortController only when the signal is read, and hands out the same signal each time', () => {
    const parent = new AbortController();
    const Real = AbortController;
    let made = 0;
    vi.stubGlobal(
      'AbortController',
      class extends Real {
        constructor() {
          super();
          made++;
        }
      },
    );
    const scope = linkSignal(parent.signal);
    parent.abort('stop');
    expect(made).toBe(0);
    // Read after the abort, the signal is born aborted with the scope's reason.
    const signal = scope.signal;
    expect(made).toBe(1);
    expect(signal.reason).toBe('stop');
    expect(scope.signal).toBe(signal);
  });

  it('gives every scope a signal of its own: aborting one scope leaves a sibling and the parent alone', () => {
    const parent = new AbortController();
    const a = linkSignal(parent.signal);
    const b = linkSignal(parent.signal);
    expect(listeners(parent.signal)).toBe(1);
    a.abort('only a');
    expect(b.signal.aborted).toBe(false);
    expect(parent.signal.aborted).toBe(false);
    b.dispose();
    expect(listeners(parent.signal)).toBe(0);
  });
});
