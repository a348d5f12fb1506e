/**
 * Plain TCP peers for the stream proxy tests: an upstream server that allows
 * half-open connections, a client connection, reading a socket to its end,
 * and the YAML of one stream server in front of one upstream group.
 */
import net from 'node:net';

/** A TCP server on 127.0.0.1 (a free port) calling `onConn` with each connection; half-open allowed. */
export async function serve(onConn: (s: net.Socket) => void): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer({ allowHalfOpen: true }, onConn);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, server };
}

/** A client connection to `addr` (host:port), resolved once connected. */
export function connect(addr: string, allowHalfOpen = false): Promise<net.Socket> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port: Number(port), allowHalfOpen }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Every byte the socket receives until its end. */
export function readAll(s: net.Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
  });
}

/**
 * A stream server `s` in front of the group `up`: one server on `port` unless
 * `servers` is given; `extra` adds fields to the server (starting with a comma).
 */
export const streamYaml = (port: number, extra = '', servers = `[ { address: 127.0.0.1:${port} } ]`) => `
stream:
  upstreams: [ { name: up, servers: ${servers} } ]
  servers: [ { name: s, listen: 0, upstream: up${extra} } ]
`;
