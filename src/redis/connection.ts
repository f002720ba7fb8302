import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions, ReplyError } from 'ioredis';
import { RedisUnavailableError } from '../core/errors.js';
import { linkSignal } from '../core/signals.js';
import { describe } from '../core/validate.js';

/**
 * How every `ferris/redis` class reaches Redis: a shared ioredis instance (the caller's: Ferris never closes
 * it), or ioredis options such as `{ host, port }` or a `redis://host:port` URL (Ferris opens that connection
 * and closes it in `close()`).
 */
export type RedisConnection = Redis | RedisOptions | string;

/**
 * The settings of every connection Ferris opens for commands: no offline queue and one retry, so that a
 * command sent while Redis is down fails at once instead of waiting (ioredis's defaults would hold it about
 * 72 s), while the client keeps reconnecting in the background so work resumes when Redis is back.
 */
const FAIL_FAST: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1 };

/** The ioredis options of a `redis://[user:password@]host[:port][/db]` URL (`rediss://` for TLS). */
function urlOptions(url: string): RedisOptions {
  const u = new URL(url);
  const options: RedisOptions = { host: u.hostname, port: u.port === '' ? 6379 : Number(u.port) };
  if (u.username !== '') options.username = decodeURIComponent(u.username);
  if (u.password !== '') options.password = decodeURIComponent(u.password);
  const db = u.pathname.slice(1);
  if (db !== '') options.db = Number(db);
  if (u.protocol === 'rediss:') options.tls = {};
  return options;
}

/** Whether `value` looks like an ioredis client (a `Redis` or a `Cluster`) rather than options for one. */
function isClient(value: object): value is Redis {
  const v = value as Partial<Redis>;
  return (
    typeof v.duplicate === 'function' && typeof v.sendCommand === 'function' && typeof v.status === 'string'
  );
}

/**
 * One class's hold on Redis: the client to send commands on, whether Ferris owns it, and the duplicates it
 * made (for blocking reads and subscriptions), which it always owns.
 * @internal
 */
export class ConnectionHandle {
  readonly client: Redis;
  readonly owned: boolean;
  readonly #extra = new Set<Redis>();
  readonly #blocking = new Set<Redis>();
  #closed = false;
  /** Until an owned client is first ready: settles when it connects or fails to. */
  #first: Promise<void> | undefined = undefined;

  constructor(where: string, given: unknown) {
    let connection = given;
    if (connection === undefined)
      throw new TypeError(
        `${where} options.connection is required: an ioredis instance or options such as { host, port }.`,
      );
    if (typeof connection === 'string' && /^rediss?:\/\//.test(connection))
      connection = { ...urlOptions(connection) };
    if (connection === null || typeof connection !== 'object')
      throw new TypeError(
        `${where} options.connection must be an ioredis instance, ioredis options or a redis:// URL, got ${describe(connection)}.`,
      );
    if (isClient(connection)) {
      this.client = connection;
      this.owned = false;
    } else {
      const client = watch(
        new Redis({ ...(connection as RedisOptions), ...FAIL_FAST } as RedisOptions as never),
      );
      this.client = client;
      this.owned = true;
      // The first connection is awaited (a command sent before it would fail at once); after that, fail fast.
      this.#first = new Promise<void>((resolve, reject) => {
        const settle = (error?: unknown): void => {
          client.off('ready', settle);
          client.off('error', settle);
          client.off('end', settle);
          this.#first = undefined;
          if (error === undefined || client.status === 'ready') resolve();
          else reject(error instanceof Error ? error : new Error('The connection was closed.'));
        };
        client.on('ready', settle);
        client.on('error', settle);
        client.on('end', settle);
      });
      this.#first.catch(ignore);
    }
  }

  /**
   * The client, once ready to take commands: an owned client's first connection is awaited; after it, and for
   * a shared instance, commands go straight to the client (which fails fast or queues as configured).
   */
  ready(): Promise<Redis> | Redis {
    const first = this.#first;
    if (first === undefined) return this.client;
    return first.then(() => this.client);
  }

  /** The options this handle's client was made with. */
  get options(): RedisOptions {
    return this.client.options;
  }

  /**
   * A new connection to the same server, owned by this handle (closed by `close()`), with `overrides` on top
   * of the original's options: BullMQ's blocking clients need `{ maxRetriesPerRequest: null }`. A `blocking`
   * duplicate (one that waits in XREAD BLOCK) is disconnected on close, since a QUIT would wait behind its read.
   */
  duplicate(overrides: RedisOptions = {}, blocking = false): Redis {
    const copy = watch(this.client.duplicate(overrides));
    this.#extra.add(copy);
    if (blocking) this.#blocking.add(copy);
    return copy;
  }

  /** Closes a duplicate made by this handle now. */
  async release(copy: Redis): Promise<void> {
    if (!this.#extra.delete(copy)) return;
    await quit(copy);
  }

  /** Closes the duplicates, and the client when Ferris owns it. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const all = [...this.#extra];
    this.#extra.clear();
    if (this.owned) all.push(this.client);
    await Promise.all(all.map((client) => (this.#blocking.has(client) ? end(client) : quit(client))));
    this.#blocking.clear();
  }
}

/** Keeps the client's connection errors from being reported as unhandled 'error' events: calls report them. */
function watch(client: Redis): Redis {
  client.on('error', ignore);
  return client;
}

function ignore(): void {}

/** Closes a client: QUIT when connected, a plain disconnect otherwise (QUIT would wait for a reconnect). */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // The connection dropped while quitting: disconnect below.
    }
  }
  end(client);
}

/** Drops a client's connection at once, without waiting for Redis. */
function end(client: Redis): void {
  if (client.status === 'end') return;
  client.disconnect();
  // A client waiting between reconnect attempts has no socket left to close, so ioredis never moves it to 'end'
  // after disconnect(): finish it here, or whoever waits for its 'end' (BullMQ's close()) would wait forever.
  if (client.status === 'reconnecting')
    (client as unknown as { setStatus?: (s: string) => void }).setStatus?.('end');
}

/**
 * Turns a client's failure into the error a caller sees: a reply from Redis itself (a script error, a wrong
 * type) stays as it is; anything else means Redis could not be reached, a `RedisUnavailableError` with the
 * client's error as `cause`.
 * @internal
 */
export function unavailable(error: unknown): unknown {
  if (error instanceof ReplyError || error instanceof RedisUnavailableError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new RedisUnavailableError(`Redis is unavailable: ${detail}`, { cause: error });
}

/**
 * Settles with `promise`, or earlier with `signal.reason` when `signal` aborts, or with a `TimeoutError` after
 * `timeout` ms; a client failure becomes a `RedisUnavailableError`. A late outcome of `promise` is dropped.
 * @internal
 */
export function withinWait<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  timeout: number | undefined,
): Promise<T> {
  if (signal === undefined && (timeout === undefined || timeout === Number.POSITIVE_INFINITY))
    return promise.catch((error: unknown) => Promise.reject(unavailable(error)));
  return new Promise<T>((resolve, reject) => {
    const scope = linkSignal(signal, { timeout, onAbort: reject });
    if (scope.aborted) {
      promise.catch(ignore);
      return;
    }
    promise.then(
      (value) => {
        scope.dispose();
        resolve(value);
      },
      (error: unknown) => {
        scope.dispose();
        reject(unavailable(error));
      },
    );
  });
}

/**
 * One Lua script of `src/redis/scripts/`, read once and run with EVALSHA, falling back to EVAL when Redis does
 * not know it yet (a new or restarted server). It does not touch the client (no `defineCommand`), so a shared
 * instance stays as its owner made it.
 * @internal
 */
export class Script {
  readonly #lua: string;
  readonly #sha: string;
  readonly #keys: number;

  constructor(file: string, keys: number) {
    this.#lua = readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8');
    this.#sha = createHash('sha1').update(this.#lua).digest('hex');
    this.#keys = keys;
  }

  async run(
    client: Redis | Promise<Redis>,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const redis = await client;
    try {
      return await redis.evalsha(this.#sha, this.#keys, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof ReplyError) || !(error as Error).message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.#lua, this.#keys, ...keys, ...args);
    }
  }
}
