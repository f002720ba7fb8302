/**
 * The conformance suite for everything that waits (trio's generic lock tests): one function registers the
 * standard tests for a primitive described by a {@link WaitableCase}. The queue, rate-limiter and pool tests can
 * reuse it: give `make()` a way to park a waiter and a way to let waiters through.
 *
 * The tests: abort removes the waiter and rejects with `signal.reason` unchanged; an already-aborted signal
 * rejects without waiting; a timeout rejects with `TimeoutError`; waiters wake in FIFO order; no abort listener
 * or timer is left; a grant followed by an abort still resolves (or, for primitives whose wait only settles
 * later, such as `Condition`, the grant passes to the next waiter).
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../../src/core/errors.js';
import type { WaitOptions } from '../../../src/core/types.js';
import type { FakeClock } from '../../../src/testing/FakeClock.js';
import { fakeClock } from '../leakCheck.js';
import { flush } from '../work.js';

/** What a test gives `make()`. */
export interface WaitableContext {
  /** The fake clock the primitive must use for its timeouts (already registered with the leak check). */
  clock: FakeClock;
  /**
   * How many waiters the test parks before it calls `release()`, at most. Primitives that let everyone through
   * at once when a count is reached (a `Barrier`) size themselves from it.
   */
  parked: number;
}

/** One instance under test. */
export interface Waitable {
  /** Starts a wait that blocks until `release()`; it must be parked when this returns (synchronously). */
  wait(options: WaitOptions): Promise<unknown>;
  /** Lets waiters through: the longest-waiting one (`wakes: 'one'`) or all parked ones (`wakes: 'all'`). */
  release(): void | Promise<void>;
  /** How many waiters are parked, if the primitive exposes it. */
  waiting?(): number;
}

/** A primitive to run the suite against. */
export interface WaitableCase {
  /** Shown in the test names. */
  name: string;
  make(context: WaitableContext): Waitable;
  /** Whether one `release()` lets one waiter through or every parked one. @default 'one' */
  wakes?: 'one' | 'all';
  /**
   * When an aborted or timed-out waiter breaks the primitive for the others (a `Barrier`), the error the other
   * waiters then reject with. @default undefined (the others keep waiting)
   */
  breaksWith?: abstract new (
    ...args: never[]
  ) => Error;
  /**
   * Whether a waiter settles as soon as it is granted. `false` for waits that still have work to do after the
   * grant (a `Condition` retakes its lock): an abort in between fails the wait and hands the grant on. @default true
   */
  settlesOnGrant?: boolean;
}

/** Registers the standard waiting tests for `c` inside a `describe` block named after it. */
export function waitableConformance(c: WaitableCase): void {
  const wakes = c.wakes ?? 'one';
  const settlesOnGrant = c.settlesOnGrant ?? true;
  const setup = (parked: number) => {
    const clock = fakeClock();
    return { clock, w: c.make({ clock, parked }) };
  };
  const expectWaiting = (w: Waitable, n: number) => {
    if (w.waiting !== undefined) expect(w.waiting()).toBe(n);
  };
  const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

  describe(`${c.name} (waitable conformance)`, () => {
    it('rejects an aborted waiter with signal.reason unchanged and removes it from the queue', async () => {
      const { w } = setup(2);
      const controller = new AbortController();
      const reason = { why: 'caller gave up' };
      const a = w.wait({ signal: controller.signal });
      const b = w.wait({});
      const order: string[] = [];
      b.then(
        () => order.push('b resolved'),
        () => order.push('b rejected'),
      );
      expectWaiting(w, 2);
      controller.abort(reason);
      await expect(a).rejects.toBe(reason);
      if (c.breaksWith !== undefined) {
        await expect(b).rejects.toBeInstanceOf(c.breaksWith);
        expectWaiting(w, 0);
        return;
      }
      expectWaiting(w, 1);
      await flush();
      expect(order).toEqual([]);
      await w.release();
      await b;
      expect(order).toEqual(['b resolved']);
      expectWaiting(w, 0);
    });

    it('rejects at once without waiting when the signal is already aborted', async () => {
      const { w } = setup(1);
      const reason = new Error('already gone');
      const p = w.wait({ signal: AbortSignal.abort(reason) });
      expectWaiting(w, 0);
      await expect(p).rejects.toBe(reason);
      // The refused call took nothing: a normal wait still gets the next release.
      const q = w.wait({});
      expectWaiting(w, 1);
      await w.release();
      await expect(q).resolves.not.toBeInstanceOf(Error);
    });

    it('rejects with TimeoutError when the timeout passes first, and not a tick earlier', async () => {
      const { clock, w } = setup(1);
      const p = w.wait({ timeout: 100 });
      let settled = false;
      p.then(
        () => (settled = true),
        () => (settled = true),
      );
      await clock.advance(99);
      expect(settled).toBe(false);
      const timedOut = expect(p).rejects.toBeInstanceOf(TimeoutError);
      await clock.advance(1);
      await timedOut;
      expectWaiting(w, 0);
      expect(clock.pending()).toEqual([]);
    });

    it('wakes waiters in the order they started waiting', async () => {
      const n = 3;
      const { w } = setup(n);
      const order: number[] = [];
      const waits = Array.from({ length: n }, (_, i) => w.wait({}).then(() => order.push(i)));
      expectWaiting(w, n);
      await flush();
      expect(order).toEqual([]);
      if (wakes === 'all') {
        await w.release();
        await flush();
        expect(order).toEqual([0, 1, 2]);
      } else {
        for (let k = 1; k <= n; k++) {
          await w.release();
          await flush();
          expect(order).toEqual([0, 1, 2].slice(0, k));
        }
      }
      await Promise.all(waits);
    });

    it('leaves no abort listener and no timer behind once a wait settles, whichever way', async () => {
      const { clock, w } = setup(1);
      const granted = new AbortController();
      const p = w.wait({ signal: granted.signal, timeout: 1000 });
      expect(listeners(granted.signal)).toBe(1);
      expect(clock.pending()).toHaveLength(1);
      await w.release();
      await p;
      expect(listeners(granted.signal)).toBe(0);
      expect(clock.pending()).toEqual([]);

      const { clock: clock2, w: w2 } = setup(1);
      const aborted = new AbortController();
      const q = w2.wait({ signal: aborted.signal, timeout: 1000 });
      aborted.abort('stop');
      await expect(q).rejects.toBe('stop');
      expect(clock2.pending()).toEqual([]);

      const { clock: clock3, w: w3 } = setup(1);
      const timed = new AbortController();
      const r = w3.wait({ signal: timed.signal, timeout: 10 });
      const timedOut = expect(r).rejects.toBeInstanceOf(TimeoutError);
      await clock3.advance(10);
      await timedOut;
      expect(listeners(timed.signal)).toBe(0);
      expect(clock3.pending()).toEqual([]);
    });

    if (settlesOnGrant) {
      it('still resolves when the signal aborts after the waiter was granted', async () => {
        const { w } = setup(1);
        const controller = new AbortController();
        const p = w.wait({ signal: controller.signal, timeout: 50 });
        await w.release();
        controller.abort(new Error('too late'));
        await expect(p).resolves.not.toBeInstanceOf(Error);
        expectWaiting(w, 0);
      });
    } else {
      it('passes the grant to the next waiter when the signal aborts after the grant, before the wait settled', async () => {
        const { w } = setup(2);
        const controller = new AbortController();
        const reason = new Error('abandoned after the wake-up');
        const a = w.wait({ signal: controller.signal });
        const b = w.wait({});
        await w.release();
        controller.abort(reason);
        await expect(a).rejects.toBe(reason);
        await expect(b).resolves.not.toBeInstanceOf(Error);
        expectWaiting(w, 0);
      });
    }
  });
}
