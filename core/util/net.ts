/** Socket address helpers shared by the HTTP and stream listeners. */
import type { Socket } from 'node:net';

/** `host:port`, with IPv6 hosts in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The bound address of a server (`127.0.0.1:54321` for port 0), or `fallback` when not bound. */
export function boundAddress(server: { address(): unknown } | undefined, fallback: string): string {
  const a = server?.address() as { address: string; port: number } | string | null | undefined;
  return a && typeof a === 'object' ? formatAddress(a.address, a.port) : fallback;
}

/** The client's IP with IPv4-mapped IPv6 unwrapped (`::ffff:127.0.0.1` → `127.0.0.1`). */
export function clientIp(socket: Pick<Socket, 'remoteAddress'>): string {
  return unmapIp(socket.remoteAddress ?? '');
}

/** Unwraps an IPv4-mapped IPv6 address. */
export function unmapIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
