/**
 * The task module of `patterns-08-run-in-executor.ts`: its named exports run on `WorkerPool` threads with
 * `pool.run('heavyComputation', data)`. A TypeScript task module loads in the threads when the parent runs
 * under tsx (as the examples do); a `.js` one always does.
 */
import { createHash } from 'node:crypto';

/**
 * The guide's `heavy_computation(data)`: CPU-bound work on bytes (repeated SHA-256 hashing), returning bytes.
 */
export function heavyComputation(data: Uint8Array, rounds = 10_000): Uint8Array {
  let digest: Uint8Array = data;
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest;
}
