import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/Clock.js';
import { RateLimiter } from '../../src/resilience/RateLimiter.js';
import { fakeClock } from '../support/leakCheck.js';

/** Rounding slack, in tokens and ms: the limiter's own tolerance is 1e-9 tokens. */
const SLACK = 1e-6;

const config = fc.record({
  rate: fc.integer({ min: 1, max: 10 }),
  per: fc.constantFrom(1, 7, 100, 1000),
  burst: fc.integer({ min: 1, max: 10 }),
});

interface Grant {
  index: number;
  at: number;
  tokens: number;
}

/** A clock that forwards to `inner` and counts the timers set through it that are still pending. */
function countingClock(inner: Clock) {
  const live = new Set<unknown>();
  let most = 0;
  const clock: Clock = {
    now: () => inner.now(),
    setTimeout(fn, ms) {
      const handle = inner.setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      most = Math.max(most, live.size);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      inner.clearTimeout(handle);
    },
  };
  return { clock, most: () => most };
}

/** Checks every window [grant i, grant j]: it admits at most burst + rate * W / per tokens. */
function expectWindowsBounded(grants: Grant[], rate: number, per: number, burst: number): void {
  const sorted = [...grants].sort((a, b) => a.at - b.at);
  for (let i = 0; i < sorted.length; i++) {
    let sum = 0;
    for (let j = i; j < sorted.length; j++) {
      sum += sorted[j]!.tokens;
      const window = sorted[j]!.at - sorted[i]!.at;
      expect(sum).toBeLessThanOrEqual(burst + (rate * window) / per + SLACK);
    }
  }
}

describe('RateLimiter (properties)', () => {
  it('never admits more than burst + rate * W / per tokens in any window of W ms', async () => {
    const request = fc.record({
      gap: fc.integer({ min: 0, max: 300 }),
      size: fc.integer({ min: 1, max: 10 }),
      kind: fc.constantFrom('acquire', 'acquire', 'try', 'abort'),
      abortAfter: fc.integer({ min: 0, max: 500 }),
    });
    await fc.assert(
      fc.asyncProperty(config, fc.array(request, { minLength: 1, maxLength: 25 }), async (cfg, requests) => {
        const clock = fakeClock();
        const limiter = new RateLimiter({ ...cfg, clock });
        const grants: Grant[] = [];
        const outcomes: Promise<unknown>[] = [];
        let at = 0;
        for (const [index, r] of requests.entries()) {
          at += r.gap;
          const tokens = Math.min(r.size, cfg.burst);
          clock.setTimeout(() => {
            if (r.kind === 'try') {
              if (limiter.tryAcquire(tokens)) grants.push({ index, at: clock.now(), tokens });
              return;
            }
            const controller = new AbortController();
            if (r.kind === 'abort') clock.setTimeout(() => controller.abort('gave up'), r.abortAfter);
            const p = limiter.acquire(tokens, { signal: controller.signal }).then(
              () => grants.push({ index, at: clock.now(), tokens }),
              (reason: unknown) => expect(reason).toBe('gave up'),
            );
            outcomes.push(p);
          }, at);
        }
        await clock.runAll();
        await Promise.all(outcomes);
        expect(limiter.stats().waiting).toBe(0);
        // Every plain acquire got its tokens, in arrival order (FIFO, nobody overtakes).
        const plain = requests.flatMap((r, i) => (r.kind === 'acquire' ? [i] : []));
        expect(grants.filter((g) => requests[g.index]!.kind === 'acquire').map((g) => g.index)).toEqual(
          plain,
        );
        expect(grants.map((g) => g.index)).toEqual([...grants.map((g) => g.index)].sort((a, b) => a - b));
        expectWindowsBounded(grants, cfg.rate, cfg.per, cfg.burst);
      }),
      { numRuns: 200 },
    );
  });

  it('grants each waiter as soon as a FIFO token bucket allows, with at most one timer', async () => {
    const request = fc.record({
      gap: fc.integer({ min: 0, max: 300 }),
      size: fc.integer({ min: 1, max: 10 }),
    });
    await fc.assert(
      fc.asyncProperty(config, fc.array(request, { minLength: 1, maxLength: 25 }), async (cfg, requests) => {
        const clock = fakeClock();
        const counted = countingClock(clock);
        const limiter = new RateLimiter({ ...cfg, clock: counted.clock });
        const granted: number[] = [];
        const outcomes: Promise<unknown>[] = [];
        const arrivals: number[] = [];
        let at = 0;
        for (const r of requests) {
          at += r.gap;
          arrivals.push(at);
          const tokens = Math.min(r.size, cfg.burst);
          clock.setTimeout(() => {
            outcomes.push(limiter.acquire(tokens).then(() => granted.push(clock.now())));
          }, at);
        }
        await clock.runAll();
        await Promise.all(outcomes);

        // The model: a bucket that starts full, each request served in turn at the earliest instant it can be.
        let tokens = cfg.burst;
        let last = 0;
        let previous = 0;
        const expected = requests.map((r, i) => {
          const n = Math.min(r.size, cfg.burst);
          const start = Math.max(arrivals[i]!, previous);
          tokens = Math.min(cfg.burst, tokens + ((start - last) * cfg.rate) / cfg.per);
          const wait = tokens >= n ? 0 : ((n - tokens) * cfg.per) / cfg.rate;
          const when = start + wait;
          tokens = tokens + (wait * cfg.rate) / cfg.per - n;
          last = when;
          previous = when;
          return when;
        });
        expect(granted).toHaveLength(expected.length);
        for (const [i, t] of granted.entries()) expect(Math.abs(t - expected[i]!)).toBeLessThan(SLACK);
        expect(counted.most()).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });
});
