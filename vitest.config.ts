import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Every test file gets its own module graph; the leak check compares against a per-test baseline.
    isolate: true,
    testTimeout: 20_000,
    pool: 'forks',
  },
});
