/**
 * The pool as users have it: its resources are real TCP connections to a loopback server. The server counts
 * the connections it accepts and sees close, so the tests check that the pool opens exactly `created`
 * connections and closes every one of them; the leak check then finds no socket or server handle left.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ResourcePool } from '../../src/pool/ResourcePool.js';

interface Loopback {
  server: Server;
  port: number;
  accepted: Socket[];
  closed: number;
  /** Resolves once the server has seen `n` connections close. */
  closedCount(n: number): Promise<void>;
}

const servers: Server[] = [];

/** An echo-style server: answers each `ping\n` with `pong\n`. */
async function loopback(): Promise<Loopback> {
  const state = { closed: 0 };
  const accepted: Socket[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('data', (chunk) => {
      if (chunk.toString().includes('ping')) socket.write('pong\n');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      state.closed++;
      for (const w of waiters) if (state.closed >= w.n) w.resolve();
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    accepted,
    get closed() {
      return state.closed;
    },
    closedCount: (n) =>
      state.closed >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
  };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.close();
    await once(server, 'close');
  }
});

function connect(port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const onError = (error: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    };
    const onAbort = () => onError(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.connect(port, '127.0.0.1', () => {
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

async function end(socket: Socket): Promise<void> {
  if (socket.destroyed) return;
  const closed = once(socket, 'close');
  socket.destroy();
  await closed;
}

async function ping(socket: Socket): Promise<string> {
  const reply = once(socket, 'data');
  socket.write('ping\n');
  const [chunk] = (await reply) as [Buffer];
  return chunk.toString();
}

function socketPool(port: number, max: number) {
  return new ResourcePool<Socket>({
    create: (signal) => connect(port, signal),
    destroy: end,
    validate: (socket) => !socket.destroyed,
    max,
  });
}

describe('ResourcePool over real TCP connections', () => {
  it('opens exactly as many connections as it created and closes all of them on close()', async () => {
    const srv = await loopback();
    const pool = socketPool(srv.port, 3);
    const replies = await Promise.all(Array.from({ length: 12 }, () => pool.use((socket) => ping(socket))));
    expect(replies).toEqual(Array(12).fill('pong\n'));
    const { created } = pool.stats();
    expect(created).toBeGreaterThanOrEqual(1);
    expect(created).toBeLessThanOrEqual(3);
    expect(srv.accepted).toHaveLength(created);
    await pool.close();
    expect(pool.stats()).toMatchObject({ destroyed: created, size: 0 });
    await srv.closedCount(created);
    expect(srv.closed).toBe(created);
  });

  it('never holds more than max connections open at once while callers queue for them', async () => {
    const srv = await loopback();
    const pool = socketPool(srv.port, 2);
    let open = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        pool.use(async (socket) => {
          open++;
          peak = Math.max(peak, open, srv.accepted.length - srv.closed);
          await ping(socket);
          open--;
        }),
      ),
    );
    expect(peak).toBeLessThanOrEqual(2);
    expect(srv.accepted).toHaveLength(2);
    await pool.close();
    await srv.closedCount(2);
  });

  it('replaces a connection the server closed: validate finds it destroyed', async () => {
    const srv = await loopback();
    const pool = socketPool(srv.port, 1);
    const first = await pool.acquire();
    pool.release(first);
    const gone = once(first, 'close');
    srv.accepted[0]!.destroy();
    await gone;
    const second = await pool.acquire();
    expect(second).not.toBe(first);
    expect(await ping(second)).toBe('pong\n');
    pool.release(second);
    expect(pool.stats()).toMatchObject({ created: 2, destroyed: 1 });
    await pool.close();
    expect(srv.accepted).toHaveLength(2);
    await srv.closedCount(2);
  });

  it('rejects the acquire when the connection is refused, and the next acquire tries again', async () => {
    const srv = await loopback();
    const { port } = srv;
    servers.splice(servers.indexOf(srv.server), 1);
    srv.server.close();
    await once(srv.server, 'close');
    const pool = socketPool(port, 1);
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(pool.stats()).toMatchObject({ created: 0, creating: 0, size: 0 });
    await pool.close();
  });
});
