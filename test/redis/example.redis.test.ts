import { describe, expect, it } from 'vitest';
import { main } from '../../examples/scale-out/distributed-scrape.js';
import { captureConsole } from '../support/console.js';

const { output } = captureConsole();

describe('the scale-out example', () => {
  it('spreads 30 page fetches over two worker processes within one shared Redis rate limit', async () => {
    const { results, workers, busiest } = await main();
    expect(results.map((r) => r.title)).toEqual(Array.from({ length: 30 }, (_, i) => `Page ${i + 1}`));
    expect(workers).toBe(2);
    // 5 + 10/s admits 15 per second; one more for the jitter between a grant and its request reaching the API.
    expect(busiest).toBeLessThanOrEqual(16);
    expect(output()).toContain('Fetched 30 pages');
  }, 40_000);
});
