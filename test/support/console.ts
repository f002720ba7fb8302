import { format } from 'node:util';
import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Captures console.log/warn/error for every test of the calling file; `output()` is what the test printed so
 * far, one line per call.
 */
export function captureConsole(): { output: () => string; lines: () => string[] } {
  let printed: string[] = [];
  beforeEach(() => {
    printed = [];
    const capture = (...args: unknown[]) => {
      printed.push(format(...args));
    };
    vi.spyOn(console, 'log').mockImplementation(capture);
    vi.spyOn(console, 'warn').mockImplementation(capture);
    vi.spyOn(console, 'error').mockImplementation(capture);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return { output: () => printed.join('\n'), lines: () => printed };
}
