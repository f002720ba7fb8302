/**
 * `ferris/workers` is its own entry point: the main `ferris` entry must never load it, nor
 * `node:worker_threads`, so that `ferris` stays free of Node-only imports at load time.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every module reachable from `entry` through static imports and re-exports (relative specifiers). */
function reachable(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
      const spec = m[1] as string;
      if (m[0].trimStart().startsWith('import type') || m[0].trimStart().startsWith('export type')) continue;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { files, bare };
}

describe('entry points', () => {
  it('the main ferris entry loads nothing of ferris/workers and not node:worker_threads', () => {
    const { files, bare } = reachable(join(src, 'index.ts'));
    expect([...files].filter((f) => f.includes(`${join(src, 'workers')}`))).toEqual([]);
    expect([...bare].filter((s) => s.includes('worker_threads'))).toEqual([]);
  });

  it('ferris/workers reaches node:worker_threads (the check above can see it)', () => {
    const { bare } = reachable(join(src, 'workers', 'index.ts'));
    expect(bare).toContain('node:worker_threads');
  });
});
