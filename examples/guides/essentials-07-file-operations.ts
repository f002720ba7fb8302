/**
 * Async file operations (essential guide, "Async Context Managers" > Async File Operations; asyncio guide,
 * "Integration with Libraries" > File Operations). Node's `fs/promises` is what aiofiles adds to Python:
 * `open()` resolves to a `FileHandle` that `await using` closes at the end of the block. Several files are
 * read at once with `asyncParallelMap` (the guide's `gather(*[read_file(f) for f in filenames])`, bounded to
 * 4 open files at a time).
 *
 * Everything happens in a fresh directory under the OS temp dir, removed at the end.
 *
 * Run: npx tsx examples/guides/essentials-07-file-operations.ts
 */
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { asyncParallelMap } from 'ferris';
import { isMain } from './support/isMain.js';

/** The guide's `async_file_operations()`: write two lines, read them back. */
async function asyncFileOperations(path: string): Promise<string> {
  {
    await using f = await open(path, 'w'); // async with aiofiles.open('data.txt', 'w') as f
    await f.write('Hello, async world!');
    await f.write('\nSecond line');
  }
  await using f = await open(path, 'r');
  return f.readFile('utf8');
}

/** The asyncio guide's `read_file` / `write_file`. */
const writeText = (path: string, content: string) => writeFile(path, content, 'utf8');
const readText = (path: string, signal?: AbortSignal) => readFile(path, { encoding: 'utf8', signal });

/** The guide's `process_files(filenames)`: read every file concurrently, report each one's size. */
async function processFiles(filenames: string[]) {
  return asyncParallelMap(
    async (filename: string, _index, signal) => {
      const content = await readText(filename, signal);
      return { filename: basename(filename), size: content.length };
    },
    filenames,
    { maxConcurrent: 4 },
  );
}

export async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'ferris-guides-'));
  try {
    const content = await asyncFileOperations(join(dir, 'data.txt'));
    console.log(`data.txt holds ${JSON.stringify(content)}`);

    const filenames = Array.from({ length: 6 }, (_, i) => join(dir, `file-${i + 1}.txt`));
    await Promise.all(filenames.map((f, i) => writeText(f, 'x'.repeat(10 * (i + 1)))));
    const sizes = await processFiles(filenames);
    for (const { filename, size } of sizes) console.log(`${filename}: ${size} characters`);
    return { content, sizes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await main();
