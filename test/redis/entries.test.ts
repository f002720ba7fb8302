import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Every module a source file reaches through static and dynamic imports, as paths or bare package names. */
function reach(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.startsWith('/')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else todo.push(spec);
    }
  }
  return seen;
}

describe('the entries that do not scale out', () => {
  it('ferris and ferris/workers never load ioredis, bullmq or ferris/redis', () => {
    const entries = ['src/index.ts', 'src/workers/index.ts'].map((e) => resolve(root, e)).filter(existsSync);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      const modules = [...reach(entry)];
      expect(modules.filter((m) => /^(ioredis|bullmq)(\/|$)/.test(m) || m.includes('/src/redis/'))).toEqual(
        [],
      );
    }
    // The check itself sees the redis entry's imports.
    expect([...reach(resolve(root, 'src/redis/index.ts'))]).toContain('bullmq');
  });
});
