import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const parent = fileURLToPath(new URL('./fixtures/typedParent.ts', import.meta.url));

describe('TypeScript task modules', () => {
  it('runs a .ts task module when the parent runs under tsx', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', parent],
        { cwd: root, timeout: 15_000 },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      );
    });
    expect(JSON.parse(stdout.trim())).toEqual({ norm: 5 });
  });
});
