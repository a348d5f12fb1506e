/**
 * Protocol upgrades (WebSocket) through the proxy: the handshake goes to an
 * upstream server with Connection/Upgrade kept; on 101 both sockets are
 * spliced and bytes flow unchanged both ways (pipe() honours backpressure).
 * A non-101 answer is relayed as a plain response; no server → 502.
 */
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProxyConfig } from '../config/index.js';
import type { UpgradeRequest } from '../kernel/index.js';
import { tlsFailureReason } from '../util/tls-reason.js';
import { upstreamRequestHeaders } from './headers.js';
import { upstreamTarget } from './rewrite.js';
import type { HttpUpstreams } from './upstreams.js';

/** Writes a raw response head (the socket is no longer an http.ServerResponse). */
function rawHead(status: number, message: string, headers: IncomingMessage['rawHeaders']): string {
  let out = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) out += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${out}\r\n`;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Proxies one upgrade request to the route's upstream. */
export function proxyUpgrade(u: UpgradeRequest, cfg: ProxyConfig, mod: HttpUpstreams): void {
  const group = mod.group(cfg.upstream);
  const transport = mod.transport(cfg.upstream);
  u.socket.on('error', () => {});
  if (!group || !transport) return refuse(u.socket, 502, `upstream ${cfg.upstream}: not configured`);
  if (transport.error) return refuse(u.socket, 502, `upstream ${group.name}: ${transport.error}`);
  const peer = group.pick({ clientIp: u.client });
  if (!peer) return refuse(u.socket, 502, `upstream ${group.name}: no server available (all down)`);
  const counters = mod.counters(group.name, peer);
  counters.requests++;
  counters.active++;
  let released = false;
  const release = (outcome: 'ok' | 'fail') => {
    if (released) return;
    released = true;
    counters.active--;
    group.release(peer, outcome);
  };
  const headers = upstreamRequestHeaders(u.req, {
    client: u.client,
    host: cfg.host ?? transport.hostFor(peer.address),
    extra: cfg.headers,
    upgrade: true,
  });
  const up = transport.request(peer.address, {
    method: u.req.method,
    path: u.route ? upstreamTarget(u.req.url ?? '/', u.route.pathname, u.route.prefix, cfg.uri) : u.req.url,
    headers,
    agent: false,
    setHost: false,
    timeout: cfg.connect_timeout,
  });
  up.on('timeout', () => up.destroy(new Error(`connect to ${peer.address} timed out`)));
  up.on('error', (err) => {
    counters.errors++;
    release('fail');
    const tls = tlsFailureReason(err);
    refuse(u.socket, 502, `upstream ${group.name}: ${tls ? `${tls} (${peer.address})` : err.message}`);
  });
  up.on('response', (res) => {
    // Not upgraded: relay the answer as is and close.
    u.socket.write(
      rawHead(
        res.statusCode ?? 502,
        res.statusMessage ?? '',
        res.rawHeaders.filter((_, i, a) =>
          i % 2 === 0 ? !/^transfer-encoding$/i.test(a[i]!) : !/^transfer-encoding$/i.test(a[i - 1]!),
        ),
      ),
    );
    res.pipe(u.socket);
    res.on('error', () => u.socket.destroy());
    res.on('end', () => release('ok'));
  });
  up.on('upgrade', (res, upSocket, upHead) => {
    up.setTimeout(0);
    upSocket.setTimeout(0);
    u.socket.write(rawHead(101, res.statusMessage ?? 'Switching Protocols', res.rawHeaders));
    if (upHead.length) u.socket.write(upHead);
    if (u.head.length) upSocket.write(u.head);
    upSocket.on('error', () => u.socket.destroy());
    u.socket.on('error', () => upSocket.destroy());
    upSocket.on('data', (c: Buffer) => {
      counters.bytesIn += c.length;
    });
    u.socket.on('data', (c: Buffer) => {
      counters.bytesOut += c.length;
    });
    upSocket.pipe(u.socket);
    u.socket.pipe(upSocket);
    const done = () => {
      release('ok');
      u.socket.destroy();
      upSocket.destroy();
    };
    upSocket.on('close', done);
    u.socket.on('close', done);
  });
  u.socket.on('close', () => {
    if (!released) up.destroy();
  });
  up.end();
}
