/** What SPEC says of CircuitBreaker, sentence by sentence, tested through the public `ferris` entry (moved from test/acceptance/). */
import { CancelledError, CircuitBreaker, CircuitOpenError, FerrisError } from 'ferris';
import { describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../support/leakCheck.js';
import { deferred } from '../support/work.js';

const fail = (error: unknown = new Error('boom')) => Promise.reject(error);

const ok = () => 'ok';

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(breaker.run(() => fail())).rejects.toThrow('boom');
}

describe('CircuitBreaker, as SPEC states it', () => {
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

describe('CircuitBreaker with bad work, as SPEC states it', () => {
  it('run() throws a TypeError for a non-function', () => {
    const breaker = new CircuitBreaker({ clock: fakeClock() });
    expect(() => breaker.run(5 as never)).toThrow(TypeError);
  });
});
