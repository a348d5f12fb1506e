/** Small address helpers shared by the TCP and UDP stream listeners. */
import type { Socket } from 'node:net';

/** `host:port`, with IPv6 hosts in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The client's IP with IPv4-mapped IPv6 unwrapped (`::ffff:127.0.0.1` → `127.0.0.1`). */
export function clientIp(socket: Socket): string {
  return unmapIp(socket.remoteAddress ?? '');
}

/** Unwraps an IPv4-mapped IPv6 address. */
export function unmapIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
