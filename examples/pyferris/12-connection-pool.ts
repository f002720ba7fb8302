/**
 * Connection pooling (PyFerris "Performance Optimization" > Connection Pooling): 20 queries share at most 5
 * connections. The seed builds a pool from a semaphore and fake connection names; Ferris has one:
 * `ResourcePool` creates connections on demand up to `max`, lends idle ones first, makes callers wait (FIFO)
 * when all are borrowed, and destroys them on `close()`. The seed's 0.2 s query is 4 ms here.
 *
 * Run: npx tsx examples/pyferris/12-connection-pool.ts
 */
import { asyncParallelMap, ResourcePool, sleep } from 'ferris';
import { isMain } from '../support/isMain.js';

/** Stands in for a database connection. */
interface Connection {
  id: string;
  open: boolean;
  queries: number;
}

export async function main() {
  let opened = 0;
  let inUse = 0;
  let peak = 0;
  const pool = new ResourcePool<Connection>({
    create: async () => ({ id: `connection_${opened++}`, open: true, queries: 0 }),
    destroy: async (conn) => {
      conn.open = false;
    },
    max: 5,
  });

  async function databaseOperation(queryId: number, _index: number, signal: AbortSignal): Promise<string> {
    const conn = await pool.acquire({ signal }); // get a connection from the pool
    inUse++;
    peak = Math.max(peak, inUse);
    try {
      await sleep(4, { signal }); // the query
      conn.queries++;
      return `Query ${queryId} result (${conn.id})`;
    } finally {
      inUse--;
      pool.release(conn); // always give it back
    }
  }

  let results: string[];
  let stats: ReturnType<typeof pool.stats>;
  try {
    const queries = Array.from({ length: 20 }, (_, i) => i);
    results = await asyncParallelMap(databaseOperation, queries);
    stats = pool.stats();
  } finally {
    await pool.close(); // destroys every connection it created
  }
  console.log(`Executed ${results.length} database queries`);
  console.log('Sample results:', results.slice(0, 5));
  console.log(`Connections opened: ${stats.created}, at most ${peak} in use at once`);
  return { results, peak, stats, after: pool.stats() };
}

if (isMain(import.meta.url)) await main();
