import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { barProgress, plainProgress } from '../../src/cli/progress.js';

describe('demo progress', () => {
  it('prints one plain line per scenario start and end when not on a TTY', () => {
    const lines: string[] = [];
    const progress = plainProgress((line) => lines.push(line));
    progress.start('web_scraping_example', 3);
    progress.tick('web_scraping_example');
    progress.tick('web_scraping_example');
    progress.tick('web_scraping_example');
    progress.end('web_scraping_example', 'completed', 1.5);
    progress.start('resilience_example', 2);
    progress.tick('resilience_example');
    progress.end('resilience_example', 'failed', 0.5);
    progress.stop();
    expect(lines).toEqual([
      '… web_scraping_example: 3 tasks',
      '✓ web_scraping_example: 3 tasks settled in 1.50 s (2.0/s), completed',
      '… resilience_example: 2 tasks',
      '✗ resilience_example: 1 tasks settled in 0.50 s (2.0/s), failed',
    ]);
  });

  it('draws a bar per scenario with done/total on a TTY, and stops cleanly', () => {
    const stream = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 100,
      cursorTo: (_x: number, _y?: number) => true,
      moveCursor: (_dx: number, _dy: number) => true,
      clearLine: (_dir: number) => true,
      clearScreenDown: () => true,
    });
    let written = '';
    stream.on('data', (chunk: Buffer) => {
      written += chunk.toString();
    });
    const progress = barProgress(stream as unknown as NodeJS.WriteStream);
    progress.start('api_aggregation_example', 2);
    progress.tick('api_aggregation_example');
    progress.tick('api_aggregation_example');
    progress.end('api_aggregation_example', 'completed', 0.1);
    progress.stop();
    expect(written).toContain('api_aggregation_example');
    expect(written).toContain('2/2');
    expect(written).toContain('✓');
  });
});
