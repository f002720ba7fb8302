import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on loopback: its base URL and a close() that also ends kept-alive connections. */
export interface Listening {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Stops listening and ends every open connection; resolves once closed. Safe to call any number of times. */
  close(): Promise<void>;
}

/**
 * Starts `server` on 127.0.0.1 with a port the OS picks. The demo's API uses it, and so do the examples'
 * stand-in servers (examples/support/listen.ts re-exports it): the library never imports from examples/.
 * @throws The server's `error` (e.g. EADDRINUSE) if it cannot listen.
 */
export async function listenOnLoopback(server: Server): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };
  return { url: `http://127.0.0.1:${port}`, close };
}
