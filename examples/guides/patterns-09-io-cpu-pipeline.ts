/**
 * I/O and CPU stages in one flow (patterns guide, "CPU-Bound Work with ProcessPoolExecutor" combined with
 * its pipeline and bounded-concurrency patterns). Files are read concurrently with `asyncParallelMapStream`
 * (I/O on the event loop, 4 at a time), each one's bytes are hashed on a `WorkerPool` thread (CPU), and the
 * results are written to a manifest as they come, in input order. Backpressure runs through the whole
 * flow: the stream pulls a new file only when a result has been written, so memory holds a few files, not
 * all of them.
 *
 * Everything happens in a fresh directory under the OS temp dir, removed at the end.
 *
 * Run: npx tsx examples/guides/patterns-09-io-cpu-pipeline.ts
 */
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { asyncParallelMapStream } from 'ferris';
import { WorkerPool } from 'ferris/workers';
import { isMain } from './support/isMain.js';

/** The CPU stage, sent to the threads with `exec`: a SHA-256 digest, stretched so it costs real CPU time. */
function stretchedDigest(bytes: Uint8Array, rounds: number): string {
  const { createHash } = process.getBuiltinModule('node:crypto');
  let digest = createHash('sha256').update(bytes).digest();
  for (let i = 1; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}

const ROUNDS = 5_000;

/** Writes `count` files of a few KB each; returns their paths. */
async function makeFiles(dir: string, count: number): Promise<string[]> {
  const files = Array.from({ length: count }, (_, i) => join(dir, `input-${String(i).padStart(2, '0')}.txt`));
  await Promise.all(files.map((file, i) => writeFile(file, `file ${i}\n`.repeat(200 + i * 50))));
  return files;
}

export async function main(): Promise<{ manifest: string[]; matches: boolean }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferris-guides-'));
  try {
    const files = await makeFiles(dir, 12);
    const manifestPath = join(dir, 'manifest.txt');
    await using pool = new WorkerPool({ maxThreads: 2 });
    {
      await using out = await open(manifestPath, 'w');
      const hashed = asyncParallelMapStream(
        async (file: string, _index, signal) => {
          const bytes = await readFile(file, { signal }); // I/O: on the event loop
          const digest = await pool.exec(stretchedDigest, [bytes, ROUNDS], { signal }); // CPU: on a thread
          return { file: basename(file), size: bytes.length, digest };
        },
        files,
        { maxConcurrent: 4 },
      );
      for await (const { file, size, digest } of hashed) {
        await out.write(`${digest.slice(0, 16)}  ${String(size).padStart(5)}  ${file}\n`); // I/O again
      }
    }
    const manifest = (await readFile(manifestPath, 'utf8')).trimEnd().split('\n');
    console.log(`Hashed ${manifest.length} files on ${pool.stats().maxThreads} threads; manifest.txt:`);
    for (const line of manifest.slice(0, 3)) console.log(`  ${line}`);
    console.log(`  ... (${manifest.length - 3} more)`);

    // Check one line against the same digest computed here, on the main thread.
    const first = await readFile(files[0] as string);
    const matches = manifest[0]?.startsWith(stretchedDigest(first, ROUNDS).slice(0, 16)) === true;
    console.log(`First digest matches a main-thread computation: ${matches}`);
    return { manifest, matches };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await main();
