import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BackoffPolicy,
  backoffDelay,
  backoffPolicy,
  DEFAULT_BACKOFF,
  exponentialDelay,
  type Jitter,
  nextDelay,
} from '../../src/resilience/backoff.js';

const constant = (value: number) => () => value;
const policy = (jitter: Jitter, extra: Partial<BackoffPolicy> = {}): BackoffPolicy =>
  backoffPolicy({ initial: 100, max: 10_000, factor: 2, jitter, ...extra });

describe('backoff', () => {
  it('defaults to 100 ms initial, 30000 ms max, factor 2 and full jitter', () => {
    expect(backoffPolicy()).toEqual({ initial: 100, max: 30_000, factor: 2, jitter: 'full' });
    expect(DEFAULT_BACKOFF).toEqual(backoffPolicy());
  });

  it("grows exponentially from initial and stops at max with jitter 'none'", () => {
    const p = policy('none');
    expect([1, 2, 3, 4, 7, 8, 9].map((a) => nextDelay(a, p, undefined, Math.random))).toEqual([
      100, 200, 400, 800, 6400, 10_000, 10_000,
    ]);
  });

  it('draws full jitter from [0, exponential delay)', () => {
    const p = policy('full');
    expect(nextDelay(3, p, undefined, constant(0))).toBe(0);
    expect(nextDelay(3, p, undefined, constant(0.5))).toBe(200);
    expect(nextDelay(3, p, undefined, constant(0.999_999))).toBeCloseTo(400, 3);
    expect(nextDelay(3, p, undefined, constant(0.999_999))).toBeLessThan(400);
  });

  it('draws equal jitter from [exponential / 2, exponential)', () => {
    const p = policy('equal');
    expect(nextDelay(3, p, undefined, constant(0))).toBe(200);
    expect(nextDelay(3, p, undefined, constant(0.5))).toBe(300);
    expect(nextDelay(3, p, undefined, constant(0.999_999))).toBeLessThan(400);
  });

  it('draws decorrelated jitter from [initial, 3 * previous delay), capped at max', () => {
    const p = policy('decorrelated');
    // First delay: the previous one counts as `initial`.
    expect(nextDelay(1, p, undefined, constant(0))).toBe(100);
    expect(nextDelay(1, p, undefined, constant(0.5))).toBe(200);
    expect(nextDelay(5, p, 1000, constant(0))).toBe(100);
    expect(nextDelay(5, p, 1000, constant(0.5))).toBe(1550);
    expect(nextDelay(5, p, 9000, constant(0.999_999))).toBeLessThanOrEqual(10_000);
    expect(nextDelay(5, p, 9000, constant(0.999_999))).toBeGreaterThan(9_999);
  });

  it('keeps every jitter within its bounds for any attempt, previous delay and random value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Jitter>('full', 'equal', 'decorrelated', 'none'),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 1.01, max: 10, noNaN: true }),
        (jitter, attempt, r, previous, factor) => {
          const p = policy(jitter, { factor });
          const exp = exponentialDelay(attempt, p);
          const d = nextDelay(attempt, p, previous, constant(r));
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(p.max);
          if (jitter === 'full') expect(d).toBeLessThanOrEqual(exp);
          if (jitter === 'equal') expect(d).toBeGreaterThanOrEqual(exp / 2);
          if (jitter === 'decorrelated') {
            expect(d).toBeGreaterThanOrEqual(p.initial);
            expect(d).toBeLessThanOrEqual(Math.max(p.initial, Math.min(p.max, previous * 3)));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stays finite and at max after thousands of attempts instead of overflowing to Infinity or NaN', () => {
    for (const jitter of ['full', 'equal', 'decorrelated', 'none'] as const) {
      const p = policy(jitter, { factor: 10 });
      let previous: number | undefined;
      for (let attempt = 1; attempt <= 5000; attempt++) {
        const d = nextDelay(attempt, p, previous, constant(0.999));
        expect(Number.isFinite(d)).toBe(true);
        expect(d).toBeLessThanOrEqual(10_000);
        previous = d;
      }
    }
    expect(exponentialDelay(1e9, policy('none', { factor: 1e300 }))).toBe(10_000);
    expect(exponentialDelay(5000, backoffPolicy({ initial: 0, max: 100, jitter: 'none' }))).toBe(0);
    expect(exponentialDelay(5000, backoffPolicy({ initial: 5, max: 5, jitter: 'none' }))).toBe(5);
  });

  it('keeps a constant delay with factor 1', () => {
    const p = policy('none', { factor: 1 });
    expect(exponentialDelay(1, p)).toBe(100);
    expect(exponentialDelay(10_000, p)).toBe(100);
  });

  it('never returns a negative or NaN delay when random strays outside [0, 1)', () => {
    expect(nextDelay(2, policy('full'), undefined, constant(Number.NaN))).toBe(0);
    expect(nextDelay(2, policy('equal'), undefined, constant(-5))).toBe(0);
    expect(nextDelay(2, policy('full'), undefined, constant(1e9))).toBe(10_000);
  });

  it('computes a delay from partial options through backoffDelay', () => {
    expect(backoffDelay(3, { initial: 100, jitter: 'none' })).toBe(400);
    expect(backoffDelay(3, { initial: 100 }, { random: constant(0.5) })).toBe(200);
    expect(backoffDelay(2, { jitter: 'decorrelated' }, { previous: 1000, random: constant(0.5) })).toBe(1550);
    expect(backoffDelay(1, { initial: 60_000, jitter: 'none' })).toBe(60_000);
  });

  it('rejects bad options with errors that name the option and the value', () => {
    expect(() => backoffPolicy({ initial: -1 })).toThrow(/backoff\.initial must be >= 0 ms, got -1/);
    expect(() => backoffPolicy({ initial: Number.NaN })).toThrow(RangeError);
    expect(() => backoffPolicy({ initial: '5' as never })).toThrow(TypeError);
    expect(() => backoffPolicy({ max: Number.POSITIVE_INFINITY })).toThrow(/backoff\.max must be a finite/);
    expect(() => backoffPolicy({ initial: 500, max: 100 })).toThrow(
      /backoff\.max must be >= backoff\.initial/,
    );
    expect(() => backoffPolicy({ factor: 0.5 })).toThrow(/backoff\.factor must be >= 1, got 0\.5/);
    expect(() => backoffPolicy({ jitter: 'half' as never })).toThrow(/backoff\.jitter must be one of/);
    expect(() => backoffPolicy(42 as never)).toThrow(TypeError);
    expect(() => backoffDelay(0)).toThrow(/attempt must be an integer >= 1, got 0/);
    expect(() => backoffDelay(1.5)).toThrow(RangeError);
    expect(() => backoffDelay(1, {}, { random: 3 as never })).toThrow(/random must be a function/);
    expect(() => backoffDelay(1, {}, { previous: Number.NaN })).toThrow(/previous/);
  });
});
