/**
 * Async context managers (essential guide, "Async Context Managers" > Creating Async Context Managers and
 * Best Practices 5; asyncio guide, "Common Patterns" > Async Context Managers; patterns guide, "Asyncio
 * Fundamentals" > Async Context Managers). Python's `__aenter__`/`__aexit__` pair is an object with
 * `[Symbol.asyncDispose]()`, and `async with x as y:` is `await using y = await x`: the resource is disposed
 * when the block exits, by a return or by a throw, and several resources are disposed in reverse order.
 *
 * - `AsyncDatabaseConnection` (essential guide): connects on `connect()`, disconnects on dispose; a query
 *   after the block fails with "Not connected".
 * - `managedConnection(url)` (patterns guide's `@asynccontextmanager`): the `finally: await conn.close()`
 *   runs even when the block throws.
 * - `dbManagement(db)` (asyncio guide): stops the database for the block and starts it again afterwards.
 *
 * The database is an in-memory fake with async methods; the guides' 0.1 / 0.2 s waits are 2 / 4 ms.
 *
 * Run: npx tsx examples/guides/essentials-06-context-managers.ts
 */
import { sleep } from 'ferris';
import { isMain } from './support/isMain.js';

/** What happened, in order: the example's result. */
const events: string[] = [];
const note = (line: string) => {
  events.push(line);
  console.log(line);
};

class AsyncDatabaseConnection implements AsyncDisposable {
  #connection: string | undefined;

  private constructor(readonly dbUrl: string) {}

  /** `__aenter__`: connects and returns the open connection. */
  static async connect(dbUrl: string): Promise<AsyncDatabaseConnection> {
    const db = new AsyncDatabaseConnection(dbUrl);
    note(`Connecting to ${dbUrl}`);
    await sleep(2); // connection time
    db.#connection = `connection_to_${dbUrl}`;
    return db;
  }

  async query(sql: string): Promise<string> {
    if (!this.#connection) throw new Error('Not connected');
    await sleep(4); // query time
    return `Results for: ${sql}`;
  }

  /** `__aexit__`: disconnects. */
  async [Symbol.asyncDispose](): Promise<void> {
    note(`Disconnecting from ${this.dbUrl}`);
    await sleep(2); // cleanup
    this.#connection = undefined;
  }
}

/** The patterns guide's `managed_connection(url)`: yield a connection, close it in `finally`. */
async function managedConnection(url: string): Promise<AsyncDatabaseConnection> {
  return AsyncDatabaseConnection.connect(url); // its dispose is the `finally: await conn.close()`
}

/** A database server that can be stopped and started (the asyncio guide's `db_management`). */
class FakeDatabaseServer {
  running = true;
  async stop(): Promise<void> {
    await sleep(1);
    this.running = false;
    note('Database stopped');
  }
  async start(): Promise<void> {
    await sleep(1);
    this.running = true;
    note('Database started');
  }
}

/** `try: await stop_database(); yield; finally: await start_database()`, as a disposable. */
async function dbManagement(server: FakeDatabaseServer): Promise<AsyncDisposable> {
  await server.stop();
  return { [Symbol.asyncDispose]: () => server.start() };
}

export async function main() {
  events.length = 0;
  let results: string[];
  let escaped: AsyncDatabaseConnection;
  {
    await using db = await AsyncDatabaseConnection.connect('postgresql://localhost');
    escaped = db;
    results = [await db.query('SELECT * FROM users'), await db.query('SELECT * FROM orders')];
  }
  note(`Queries: ${results.join(' | ')}`);
  const afterBlock = await escaped.query('SELECT 1').catch((error: Error) => error.message);
  note(`A query after the block: ${afterBlock}`);

  // Several resources: disposed in reverse order, even when the block throws.
  let thrown = '';
  try {
    await using primary = await managedConnection('postgres://primary');
    await using replica = await managedConnection('postgres://replica');
    await primary.query('BEGIN');
    await replica.query('SELECT 42');
    throw new Error('query failed halfway');
  } catch (error) {
    thrown = (error as Error).message;
  }
  note(`[expected] The block threw "${thrown}"; both connections were closed first`);

  const server = new FakeDatabaseServer();
  {
    await using _maintenance = await dbManagement(server);
    note(`Maintenance while the database is ${server.running ? 'running' : 'stopped'}`);
  }
  note(`After the block the database is ${server.running ? 'running' : 'stopped'}`);
  return { results, afterBlock, thrown, events: [...events] };
}

if (isMain(import.meta.url)) await main();
