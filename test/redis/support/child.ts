import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** Runs a fixture of test/redis/fixtures/ in its own Node process through tsx. */
export function runFixture(name: string, args: readonly (string | number)[]): ChildProcess {
  const file = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx', file, ...args.map(String)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Waits for a fixture to exit with code 0 and returns what it printed. */
export async function outputOf(child: ChildProcess): Promise<string> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`fixture exited with ${code}: ${err}`);
  return out;
}

/** Resolves with the first line a fixture prints that matches `pattern`. */
export function lineOf(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (d: Buffer): void => {
      buffer += d.toString();
      for (const line of buffer.split('\n')) {
        if (pattern.test(line)) {
          child.stdout?.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code} before printing ${pattern}`)));
  });
}
