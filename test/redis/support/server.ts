import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedisServer } from '../../../examples/support/redisServer.js';

/** One redis-server for a test file, and one client connected to it that its tests share. */
export interface RedisForTests {
  /** The server (started before the file's first test). */
  readonly server: RedisServer;
  /** The shared client (connected before the file's first test). */
  readonly shared: Redis;
}

/**
 * Starts a redis-server on a free loopback port before the file's tests, with a shared client (`options` are
 * the client's, on top of the server's host and port), and stops both after them. Call it at the top of a
 * test file; read `server` and `shared` inside the tests.
 */
export function useRedisServer(options: { maxRetriesPerRequest?: number | null } = {}): RedisForTests {
  let server: RedisServer | undefined;
  let shared: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    shared = new Redis({ ...options, host: server.host, port: server.port });
    await shared.ping();
  });
  afterAll(async () => {
    await shared?.quit();
    await server?.stop();
  });
  return {
    get server() {
      if (server === undefined)
        throw new Error('the redis-server starts in beforeAll: read it inside a test');
      return server;
    },
    get shared() {
      if (shared === undefined)
        throw new Error('the shared client connects in beforeAll: read it inside a test');
      return shared;
    },
  };
}
