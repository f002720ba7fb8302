/**
 * An in-memory stand-in for a SQL database with an async driver (asyncpg, aiomysql), for the pool examples:
 * connecting and querying take a millisecond or two, and only `SELECT * FROM <table>` is understood.
 */
import { sleep } from 'ferris';

/** One connection to a {@link FakeDatabase}. */
export class FakeConnection {
  #open = true;
  queries = 0;

  constructor(
    readonly id: number,
    readonly db: FakeDatabase,
  ) {}

  get open(): boolean {
    return this.#open;
  }

  /** A cursor, as aiomysql's `conn.cursor()`. */
  cursor(): FakeCursor {
    return new FakeCursor(this);
  }

  /** Runs `sql` and returns its rows. */
  async query(sql: string, signal?: AbortSignal): Promise<unknown[]> {
    if (!this.#open) throw new Error(`connection ${this.id} is closed`);
    await sleep(2, { signal });
    this.queries++;
    const table = /^SELECT \* FROM (\w+)$/i.exec(sql.trim())?.[1];
    const rows = table === undefined ? undefined : this.db.tables.get(table);
    if (rows === undefined) throw new Error(`unknown query: ${sql}`);
    return rows.map((row) => ({ ...row }));
  }

  async close(): Promise<void> {
    await sleep(1);
    this.#open = false;
    this.db.openConnections--;
  }
}

/** aiomysql's cursor: `execute()` then `fetchall()`. */
export class FakeCursor {
  #rows: unknown[] = [];
  constructor(readonly connection: FakeConnection) {}

  async execute(sql: string, signal?: AbortSignal): Promise<void> {
    this.#rows = await this.connection.query(sql, signal);
  }

  async fetchall(): Promise<unknown[]> {
    return this.#rows;
  }
}

/** The database: some tables, and the connections open to it. */
export class FakeDatabase {
  readonly tables = new Map<string, Record<string, unknown>[]>();
  openConnections = 0;
  #nextId = 1;

  constructor(readonly dsn: string) {}

  async connect(signal?: AbortSignal): Promise<FakeConnection> {
    await sleep(2, { signal });
    this.openConnections++;
    return new FakeConnection(this.#nextId++, this);
  }
}
