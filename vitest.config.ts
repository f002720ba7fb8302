import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples and docs import the package by name, as users do; tests run them against the sources.
    alias: [
      { find: /^ferris$/, replacement: src('index.ts') },
      // Every subpath entry (ferris/testing, ferris/workers, ...) is src/<name>/index.ts.
      { find: /^ferris\/([a-z]+)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
