import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from '../../src/core/errors.js';
import { CircuitBreaker } from '../../src/resilience/CircuitBreaker.js';
import { fakeClock } from '../support/leakCheck.js';
import { deferred } from '../support/work.js';

const boom = () => Promise.reject(new Error('boom'));

function transitions(breaker: CircuitBreaker): string[] {
  const seen: string[] = [];
  breaker.on('stateChange', ({ from, to }) => seen.push(`${from}->${to}`));
  return seen;
}

describe('CircuitBreaker.isolate() and reset()', () => {
  it('isolate() opens a closed circuit and fails calls fast without calling fn', async () => {
    const breaker = new CircuitBreaker({ clock: fakeClock() });
    const seen = transitions(breaker);
    breaker.isolate();
    expect(breaker.state).toBe('open');
    expect(breaker.isolated).toBe(true);
    let called = false;
    const refused = breaker.run(() => {
      called = true;
    });
    await expect(refused).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(refused).rejects.toThrow(/isolate\(\).*reset\(\)/);
    expect(called).toBe(false);
    expect(seen).toEqual(['closed->open']);
    expect(breaker.stats().rejected).toBe(1);
  });

  it('holds the circuit open past resetTimeout until reset()', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ resetTimeout: 1000, clock });
    breaker.isolate();
    await clock.advance(10_000);
    expect(breaker.state).toBe('open');
    await expect(breaker.run(() => 'x')).rejects.toBeInstanceOf(CircuitOpenError);
    breaker.reset();
    expect(breaker.state).toBe('closed');
    expect(breaker.isolated).toBe(false);
    await expect(breaker.run(() => 'x')).resolves.toBe('x');
  });

  it('isolate() keeps a circuit that failures opened from turning half-open, with no second stateChange', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    const seen = transitions(breaker);
    await breaker.run(boom).catch(() => {});
    breaker.isolate();
    await clock.advance(500);
    expect(breaker.state).toBe('open');
    breaker.isolate();
    expect(seen).toEqual(['closed->open']);
    breaker.reset();
    expect(seen).toEqual(['closed->open', 'open->closed']);
  });

  it('isolate() during half-open reopens it, and the trial’s outcome no longer counts', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, resetTimeout: 100, clock });
    const seen = transitions(breaker);
    await breaker.run(boom).catch(() => {});
    await clock.advance(100);
    const trial = deferred<string>();
    const call = breaker.run(() => trial.promise);
    expect(breaker.state).toBe('half-open');
    breaker.isolate();
    trial.resolve('ok');
    await expect(call).resolves.toBe('ok');
    expect(breaker.state).toBe('open');
    expect(seen).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
  });

  it('reset() closes an open circuit and forgets the failures counted so far', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 2, clock });
    await breaker.run(boom).catch(() => {});
    expect(breaker.stats().consecutiveFailures).toBe(1);
    breaker.reset();
    expect(breaker.stats().consecutiveFailures).toBe(0);
    await breaker.run(boom).catch(() => {});
    expect(breaker.state).toBe('closed');
    await breaker.run(boom).catch(() => {});
    expect(breaker.state).toBe('open');
    breaker.reset();
    expect(breaker.state).toBe('closed');
  });

  it('reset() of a closed circuit emits no stateChange', () => {
    const breaker = new CircuitBreaker({ clock: fakeClock() });
    const seen = transitions(breaker);
    breaker.reset();
    expect(seen).toEqual([]);
  });

  it('reset() in ratio mode empties the window', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureRateThreshold: 0.5, minimumCalls: 4, windowMs: 1000, clock });
    for (let i = 0; i < 3; i++) await breaker.run(boom).catch(() => {});
    expect(breaker.stats().windowCalls).toBe(3);
    breaker.reset();
    expect(breaker.stats()).toMatchObject({ windowCalls: 0, windowFailures: 0 });
    await breaker.run(boom).catch(() => {});
    expect(breaker.state).toBe('closed');
  });

  it('a call that started before reset() does not count after it', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, clock });
    const slow = deferred<never>();
    const call = breaker.run(() => slow.promise);
    breaker.isolate();
    breaker.reset();
    slow.reject(new Error('late failure'));
    await expect(call).rejects.toThrow('late failure');
    expect(breaker.state).toBe('closed');
  });
});
