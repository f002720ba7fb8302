/**
 * Connection pooling (patterns guide, "Resource Management" > Connection Pooling; asyncio guide,
 * "Integration with Libraries" > Database Operations). The patterns guide wraps asyncpg's pool in a class
 * with `initialize()`, `close()` and an `acquire()` context manager; Ferris's `ResourcePool` is that pool:
 * `min` connections are opened at once (`ready()` reports how that went), more on demand up to `max`, idle
 * ones are checked by `validate` before they are lent again, callers wait first come first served when all
 * are lent, and `close()` waits for the borrowed ones and closes everything.
 *
 * `pool.use(fn)` is `async with pool.acquire() as conn:`: the connection goes back to the pool when `fn`
 * settles, also on a throw. The asyncio guide's aiomysql query (`cursor()`, `execute()`, `fetchall()`) runs
 * 20 times through a pool of `min: 2, max: 5` (the guide's 5 and 20) against an in-memory fake database.
 *
 * Run: npx tsx examples/guides/patterns-06-connection-pool.ts
 */
import { asyncParallelMap, PoolClosedError, ResourcePool } from 'ferris';
import { type FakeConnection, FakeDatabase } from './support/fakeDatabase.js';
import { isMain } from './support/isMain.js';

export async function main() {
  const db = new FakeDatabase('mysql://user:password@localhost/database');
  db.tables.set('users', [
    { id: 1, name: 'Ada' },
    { id: 2, name: 'Grace' },
  ]);

  const pool = new ResourcePool<FakeConnection>({
    create: (signal) => db.connect(signal),
    destroy: (conn) => conn.close(),
    validate: (conn) => conn.open,
    min: 2,
    max: 5,
    acquireTimeout: 1000,
  });
  let rows: unknown[][];
  let busy: ReturnType<typeof pool.stats>;
  try {
    await pool.ready(); // initialize(): the min connections are open
    console.log(`Pool ready with ${pool.stats().size} connections`);

    /** The asyncio guide's `fetch_data()`, through the pool. */
    const fetchData = (signal: AbortSignal) =>
      pool.use(
        async (conn) => {
          const cur = conn.cursor();
          await cur.execute('SELECT * FROM users', signal);
          return cur.fetchall();
        },
        { signal },
      );
    rows = await asyncParallelMap((_query: number, _index, signal) => fetchData(signal), range(20));
    busy = pool.stats();
  } finally {
    await pool.close(); // close(): every connection it opened is closed
  }
  console.log(`${rows.length} queries returned ${rows[0]?.length} rows each`);
  console.log(
    `Connections: ${busy.created} opened for 20 queries (max 5), ${db.openConnections} open after close()`,
  );

  const afterClose = await pool.acquire().catch((error: unknown) => error);
  console.log(`[expected] acquire() after close(): ${(afterClose as Error).name}`);
  return {
    rows,
    busy,
    after: pool.stats(),
    openAfterClose: db.openConnections,
    afterClose: afterClose instanceof PoolClosedError,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

if (isMain(import.meta.url)) await main();
