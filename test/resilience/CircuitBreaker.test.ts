import { describe, expect, it } from 'vitest';
import { CancelledError, CircuitOpenError } from '../../src/core/errors.js';
import { CircuitBreaker, type CircuitState } from '../../src/resilience/CircuitBreaker.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred, flush, neverSettles } from '../support/work.js';

const ok = () => 'ok';
const boom = () => Promise.reject(new Error('boom'));

/** Runs `n` failing calls and waits for them all to reject. */
async function fail(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await breaker.run(boom).catch(() => {});
}

function transitions(breaker: CircuitBreaker) {
  const seen: string[] = [];
  const off = breaker.on('stateChange', ({ from, to }) => seen.push(`${from}->${to}`));
  return { seen, off };
}

describe('CircuitBreaker', () => {
  it('starts closed and passes results and errors through', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ clock });
    expect(breaker.state).toBe('closed');
    expect(await breaker.run(async () => 42)).toBe(42);
    const error = new Error('own error');
    await expect(breaker.run(() => Promise.reject(error))).rejects.toBe(error);
    await expect(
      breaker.run(() => {
        throw error;
      }),
    ).rejects.toBe(error);
  });

  it('opens after failureThreshold consecutive failures (5 by default)', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ clock });
    await fail(breaker, 4);
    expect(breaker.state).toBe('closed');
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('resets the failure count on a success', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, clock });
    await fail(breaker, 2);
    await breaker.run(ok);
    await fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().consecutiveFailures).toBe(2);
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('fails fast with CircuitOpenError while open, without calling fn', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    await fail(breaker, 1);
    let called = false;
    const rejected: CircuitState[] = [];
    breaker.on('rejected', ({ state }) => rejected.push(state));
    await expect(
      breaker.run(() => {
        called = true;
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    expect(rejected).toEqual(['open']);
    expect(breaker.stats().rejected).toBe(1);
  });

  it('turns half-open once resetTimeout has passed (30000 ms by default), computed from the clock', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    await fail(breaker, 1);
    expect(clock.pending()).toEqual([]);
    await clock.advance(29_999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('closes when the trial call succeeds', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    const { seen } = transitions(breaker);
    await fail(breaker, 1);
    await clock.advance(100);
    expect(await breaker.run(ok)).toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(seen).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('reopens when a trial call fails, and waits a full resetTimeout again', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    const { seen } = transitions(breaker);
    await fail(breaker, 1);
    await clock.advance(100);
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
    await clock.advance(99);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
    expect(seen).toEqual(['closed->open', 'open->half-open', 'half-open->open', 'open->half-open']);
  });

  it('runs exactly halfOpenMax trial calls at once and fails the others fast', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, halfOpenMax: 2, clock });
    await fail(breaker, 1);
    await clock.advance(100);
    const gates = [deferred<string>(), deferred<string>()];
    let calls = 0;
    const trials = gates.map((g) =>
      breaker.run(() => {
        calls++;
        return g.promise;
      }),
    );
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(2);
    expect(breaker.stats().trialsRunning).toBe(2);
    gates[0]!.resolve('a');
    expect(await trials[0]).toBe('a');
    // One trial succeeded and one is still running: still half-open, and the budget is spent.
    expect(breaker.state).toBe('half-open');
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    gates[1]!.resolve('b');
    expect(await trials[1]).toBe('b');
    expect(breaker.state).toBe('closed');
  });

  it('reopens on any failing trial even when another trial succeeds afterwards', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, halfOpenMax: 2, clock });
    await fail(breaker, 1);
    await clock.advance(100);
    const late = deferred<string>();
    const first = breaker.run(() => late.promise);
    await breaker.run(boom).catch(() => {});
    expect(breaker.state).toBe('open');
    late.resolve('late');
    expect(await first).toBe('late');
    expect(breaker.state).toBe('open');
  });

  it('lets only the errors that isFailure accepts count, passing the others through', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({
      failureThreshold: 2,
      isFailure: (error) => !(error instanceof TypeError),
      clock,
    });
    const notOurs = new TypeError('bad request');
    for (let i = 0; i < 5; i++)
      await expect(breaker.run(() => Promise.reject(notOurs))).rejects.toBe(notOurs);
    expect(breaker.state).toBe('closed');
    await fail(breaker, 1);
    // A filtered error neither counts nor resets the count.
    await breaker.run(() => Promise.reject(notOurs)).catch(() => {});
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('rejects with the error isFailure throws and counts the call as a failure', async () => {
    const clock = fakeClock();
    const bug = new Error('bug in isFailure');
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      isFailure: () => {
        throw bug;
      },
      clock,
    });
    await expect(breaker.run(boom)).rejects.toBe(bug);
    expect(breaker.state).toBe('open');
  });

  it('does not count cancellations as failures', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    await expect(breaker.run(() => Promise.reject(new CancelledError()))).rejects.toBeInstanceOf(
      CancelledError,
    );
    const abortError = new DOMException('aborted', 'AbortError');
    await expect(breaker.run(() => Promise.reject(abortError))).rejects.toBe(abortError);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().failures).toBe(0);
  });

  it('rejects at once with signal.reason on abort, and the aborted call does not count', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const p = breaker.run((signal) => neverSettles(signal), { signal: controller.signal });
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(breaker.state).toBe('closed');
    // The work fails with a custom error after the abort: still not a failure of the service.
    const other = new AbortController();
    const gate = deferred<string>();
    const q = breaker.run(() => gate.promise, { signal: other.signal });
    other.abort('stop');
    await expect(q).rejects.toBe('stop');
    gate.reject(new Error('late'));
    await flush();
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(ok, { signal: AbortSignal.abort('early') })).rejects.toBe('early');
  });

  it('keeps an aborted trial in its slot until its work settles', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    await fail(breaker, 1);
    await clock.advance(100);
    const controller = new AbortController();
    const gate = deferred<string>();
    const trial = breaker.run(() => gate.promise, { signal: controller.signal });
    controller.abort('stop');
    await expect(trial).rejects.toBe('stop');
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    gate.resolve('done');
    await flush();
    // The trial ended as a cancellation: it neither closed nor reopened the circuit, and freed its slot.
    expect(breaker.state).toBe('half-open');
    expect(await breaker.run(ok)).toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('ignores outcomes of calls that started before the circuit opened', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    const slow = deferred<string>();
    const before = breaker.run(() => slow.promise);
    await fail(breaker, 1);
    await clock.advance(100);
    expect(breaker.state).toBe('half-open');
    slow.resolve('old');
    expect(await before).toBe('old');
    // The old success is not a trial success.
    expect(breaker.state).toBe('half-open');
  });

  it('in ratio mode, opens when at least minimumCalls calls in the window fail at the threshold fraction', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureRateThreshold: 0.5, windowMs: 1000, minimumCalls: 4, clock });
    await fail(breaker, 3);
    // Three failures in a row, but fewer calls than minimumCalls.
    expect(breaker.state).toBe('closed');
    await breaker.run(ok);
    // 3 of 4 failed: 75% >= 50%.
    expect(breaker.state).toBe('open');
  });

  it('in ratio mode, stays closed while the failure fraction is below the threshold', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureRateThreshold: 0.5, windowMs: 1000, minimumCalls: 4, clock });
    for (let i = 0; i < 5; i++) await breaker.run(ok);
    await fail(breaker, 4);
    expect(breaker.stats()).toMatchObject({ windowCalls: 9, windowFailures: 4, state: 'closed' });
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('in ratio mode, forgets calls that ended windowMs or more ago', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureRateThreshold: 0.5, windowMs: 1000, minimumCalls: 3, clock });
    await fail(breaker, 2);
    await clock.advance(999);
    expect(breaker.stats().windowCalls).toBe(2);
    await clock.advance(1);
    expect(breaker.stats()).toMatchObject({ windowCalls: 0, windowFailures: 0 });
    await fail(breaker, 1);
    await breaker.run(ok);
    await breaker.run(ok);
    expect(breaker.state).toBe('closed');
  });

  it('in ratio mode, defaults windowMs to 60000 and minimumCalls to 10', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureRateThreshold: 1, clock });
    await fail(breaker, 9);
    expect(breaker.state).toBe('closed');
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
    await clock.advance(30_000);
    await breaker.run(ok);
    expect(breaker.state).toBe('closed');
    // The window starts afresh after the circuit closes.
    expect(breaker.stats().windowCalls).toBe(0);
    await fail(breaker, 9);
    await clock.advance(59_999);
    await fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('emits stateChange with { from, to } and stops after unsubscribe', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 10, clock });
    const { seen, off } = transitions(breaker);
    await fail(breaker, 1);
    expect(seen).toEqual(['closed->open']);
    off();
    await clock.advance(10);
    await breaker.run(ok);
    expect(breaker.state).toBe('closed');
    expect(seen).toEqual(['closed->open']);
  });

  it('emits success and failure events with the call duration from the clock', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ clock });
    const events: unknown[] = [];
    breaker.on('success', (e) => events.push(['success', e.duration]));
    breaker.on('failure', (e) => events.push(['failure', (e.error as Error).message, e.duration]));
    const gate = deferred<string>();
    const p = breaker.run(() => gate.promise);
    await clock.advance(25);
    gate.resolve('x');
    await p;
    await fail(breaker, 1);
    expect(events).toEqual([
      ['success', 25],
      ['failure', 'boom', 0],
    ]);
  });

  it('returns a fresh stats snapshot with the counters', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, clock });
    await breaker.run(ok);
    await fail(breaker, 2);
    await breaker.run(ok).catch(() => {});
    const stats = breaker.stats();
    expect(stats).toEqual({
      state: 'open',
      consecutiveFailures: 0,
      windowCalls: 0,
      windowFailures: 0,
      trialsRunning: 0,
      successes: 1,
      failures: 2,
      rejected: 1,
    });
    expect(breaker.stats()).not.toBe(stats);
  });

  it('accepts resetTimeout 0: the next call after opening is a trial', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 0, clock });
    await fail(breaker, 1);
    expect(breaker.state).toBe('half-open');
  });

  it('rejects bad options and arguments, naming the option and the value', () => {
    const make = (o: object) => () => new CircuitBreaker(o);
    expect(make({ failureThreshold: 0 })).toThrow(/options\.failureThreshold must be an integer >= 1, got 0/);
    expect(make({ failureThreshold: 1.5 })).toThrow(RangeError);
    expect(make({ failureThreshold: 'x' })).toThrow(TypeError);
    expect(make({ resetTimeout: -1 })).toThrow(/options\.resetTimeout must be >= 0 ms, got -1/);
    expect(make({ resetTimeout: Number.NaN })).toThrow(RangeError);
    expect(make({ halfOpenMax: 0 })).toThrow(/options\.halfOpenMax must be an integer >= 1/);
    expect(make({ isFailure: 'no' })).toThrow(/options\.isFailure must be a function/);
    expect(make({ clock: {} })).toThrow(/options\.clock must be a Clock/);
    expect(make({ failureRateThreshold: 0 })).toThrow(
      /failureRateThreshold must be a fraction in \(0, 1\], got 0/,
    );
    expect(make({ failureRateThreshold: 1.5 })).toThrow(RangeError);
    expect(make({ failureRateThreshold: Number.NaN })).toThrow(RangeError);
    expect(make({ failureRateThreshold: '0.5' })).toThrow(TypeError);
    expect(make({ failureRateThreshold: 0.5, windowMs: 0 })).toThrow(
      /options\.windowMs must be a finite number > 0/,
    );
    expect(make({ failureRateThreshold: 0.5, windowMs: Number.POSITIVE_INFINITY })).toThrow(/windowMs/);
    expect(make({ failureRateThreshold: 0.5, minimumCalls: 0 })).toThrow(
      /options\.minimumCalls must be an integer >= 1/,
    );
    expect(make({ failureRateThreshold: 0.5, failureThreshold: 3 })).toThrow(/two modes/);
    expect(make({ windowMs: 1000 })).toThrow(/windowMs applies only in ratio mode/);
    expect(make({ minimumCalls: 3 })).toThrow(/minimumCalls applies only in ratio mode/);
    expect(() => new CircuitBreaker(3 as never)).toThrow(/CircuitBreaker options must be an object/);
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ clock });
    expect(() => breaker.run('x' as never)).toThrow(/CircuitBreaker\.run fn must be a function/);
    expect(() => breaker.run(ok, { signal: 1 as never })).toThrow(
      /run options\.signal must be an AbortSignal/,
    );
    expect(() => breaker.on('stateChange', 5 as never)).toThrow(TypeError);
  });
});
