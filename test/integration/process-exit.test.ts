import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/exitsPromptly.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('process exit', () => {
  it('lets the process exit on its own once every operation finished, though their timeouts were an hour', async () => {
    // A leaked timer or handle would keep the child alive: execFile kills it after 15 s and the test fails.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', fixture],
        { cwd: root, timeout: 15_000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      );
    });
    expect(JSON.parse(stdout.trim())).toEqual([
      'fast',
      'task',
      [2, 3],
      'child',
      'TimeoutError',
      'TimeoutError',
      'TimeoutError',
      1,
      'open',
      'retried',
    ]);
  });
});
