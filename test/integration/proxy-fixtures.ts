/**
 * Upstream servers for proxy tests: Node http servers on port 0 that can be
 * killed (every socket destroyed) and brought back on the same port.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A real upstream HTTP server. */
export interface Upstream {
  port: number;
  address: string;
  server: http.Server;
  /** Stops listening and destroys open connections (a crashed backend). */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  revive(): Promise<void>;
  close(): Promise<void>;
}

/** Starts an upstream with `handler` on 127.0.0.1 (port 0 unless given). */
export async function startUpstream(handler: http.RequestListener, port = 0): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const make = () => {
    const s = http.createServer({ keepAliveTimeout: 30_000 }, handler);
    s.on('connection', (c: Socket) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
    });
    return s;
  };
  const listen = (s: http.Server, p: number) =>
    new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(p, '127.0.0.1', () => resolve());
    });
  const u: Upstream = {
    port: 0,
    address: '',
    server: make(),
    async kill() {
      const closed = new Promise<void>((r) => u.server.close(() => r()));
      for (const c of sockets) c.destroy();
      await closed;
    },
    async revive() {
      u.server = make();
      await listen(u.server, u.port);
    },
    close: () => u.kill().catch(() => {}),
  };
  await listen(u.server, port);
  u.port = (u.server.address() as AddressInfo).port;
  u.address = `127.0.0.1:${u.port}`;
  return u;
}

/** GET through Node http with a fresh connection; resolves status, headers and body. */
export function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
