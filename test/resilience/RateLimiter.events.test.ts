import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/resilience/RateLimiter.js';
import { fakeClock } from '../support/leakCheck.js';

describe('RateLimiter events', () => {
  it('reports each grant with its tokens and how long the caller waited, on the clock', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 1, clock });
    const grants: { tokens: number; waited: number }[] = [];
    limiter.on('acquire', (e) => grants.push(e));
    await limiter.acquire();
    expect(limiter.tryAcquire()).toBe(false); // refused: no event
    const second = limiter.acquire();
    await clock.advance(100);
    await second;
    expect(limiter.tryAcquire()).toBe(false);
    await clock.advance(100);
    expect(limiter.tryAcquire()).toBe(true);
    expect(grants).toEqual([
      { tokens: 1, waited: 0 },
      { tokens: 1, waited: 100 },
      { tokens: 1, waited: 0 },
    ]);
  });

  it('reports nothing for an aborted waiter, and nothing after unsubscribing', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ rate: 1, per: 100, burst: 1, clock });
    let grants = 0;
    const off = limiter.on('acquire', () => {
      grants++;
    });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(1, { signal: controller.signal });
    controller.abort('gone');
    await expect(aborted).rejects.toBe('gone');
    off();
    await clock.advance(100);
    expect(limiter.tryAcquire()).toBe(true);
    expect(grants).toBe(1);
  });
});
