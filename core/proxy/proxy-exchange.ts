/**
 * Proxies one exchange to an upstream group: pick a server, attempt, and on
 * a failure before any response (refused, DNS, connect timeout, reset) count
 * it against the server (`max_fails`) and try the next one, up to
 * `next_upstream_tries` (0 = each server once). What is left becomes a 502
 * (504 for timeouts) with a one-line reason.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { ProxyConfig } from '../config/index.js';
import type { Peer, UpstreamGroup } from '../balance/index.js';
import type { Exchange } from '../kernel/index.js';
import { hasEnded, isHttp2, untilEnded } from '../kernel/index.js';
import { CleanAbort, SluiceError } from '../util/errors.js';
import { tlsSummary } from '../tls/peer-summary.js';
import { attempt, AttemptError } from './attempt.js';
import { forwardResponse } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import { upstreamTarget } from './rewrite.js';
import type { HttpUpstreams } from './upstreams.js';
import type { UpstreamTransport } from './upstream-transport.js';

/** A stale keep-alive socket is retried on a fresh one this often, without counting a failure. */
const STALE_RETRIES = 2;

/** True when the request carries a body to stream upstream (HTTP/2: its headers did not end the stream). */
export function hasBody(ex: Exchange): boolean {
  const h = ex.req.headers;
  if (h['content-length'] !== undefined) return h['content-length'] !== '0';
  if (isHttp2(ex.res)) return !ex.res.stream.endAfterHeaders;
  return h['transfer-encoding'] !== undefined;
}

/** Forwards `ex` to `cfg.upstream`; throws SluiceError (502/504) when no server answered. */
export async function proxyExchange(ex: Exchange, cfg: ProxyConfig, mod: HttpUpstreams): Promise<void> {
  const group = mod.group(cfg.upstream);
  const transport = mod.transport(cfg.upstream);
  if (!group || !transport) throw new SluiceError('E_UPSTREAM_CONNECT', `upstream ${cfg.upstream}: not configured`);
  if (transport.error) throw new SluiceError('E_UPSTREAM_CONNECT', `upstream ${group.name}: ${transport.error}`);
  const tries = group.tries(cfg.next_upstream_tries);
  const tried = new Set<Peer>();
  const headers = upstreamRequestHeaders(ex.req, { client: ex.client, host: cfg.host, extra: cfg.headers });
  const body = hasBody(ex) ? (write: (c: Buffer) => Promise<void>) => ex.pipeBody(write) : undefined;
  let last: AttemptError | undefined;
  let stale = 0;
  while (tried.size < tries) {
    const peer = group.pick({ clientIp: ex.client, exclude: tried });
    if (!peer) break;
    const outcome = await tryPeer(ex, cfg, mod, group, peer, withHost(headers, cfg, transport, peer.address), body);
    if (outcome === 'done') return;
    last = outcome;
    if (outcome.staleSocket && !outcome.bodyStarted && stale++ < STALE_RETRIES) continue;
    tried.add(peer);
    // Once the body streamed or the server took the request, another server must not get it twice.
    if (outcome.bodyStarted || outcome.kind === 'read-timeout' || outcome.kind === 'protocol') break;
  }
  throw failure(group, last);
}

/** One attempt on one peer: 'done' when a response was forwarded, else the failure. */
async function tryPeer(
  ex: Exchange,
  cfg: ProxyConfig,
  mod: HttpUpstreams,
  group: UpstreamGroup,
  peer: Peer,
  headers: OutgoingHttpHeaders,
  body: ((w: (c: Buffer) => Promise<void>) => Promise<void>) | undefined,
): Promise<'done' | AttemptError> {
  const clock = ex.services.clock;
  const counters = mod.counters(group.name, peer);
  counters.requests++;
  counters.active++;
  ex.record.upstream = peer.address;
  const a = attempt({
    address: peer.address,
    transport: mod.transport(group.name)!,
    method: ex.req.method ?? 'GET',
    path: upstreamTarget(ex.req.url ?? '/', ex.pathname, ex.prefix, cfg.uri),
    headers,
    connectTimeout: cfg.connect_timeout,
    readTimeout: cfg.read_timeout,
    clock,
    body:
      body &&
      ((write) =>
        body(async (c) => {
          counters.bytesOut += c.length;
          await write(c);
        })),
    onConnect: (socket) => {
      ex.record.connectMs = clock.now() - ex.record.startedAt;
      if (socket instanceof TLSSocket) ex.record.upstreamTls = tlsSummary(socket);
    },
  });
  // The client left or the listener drains: stop the upstream request. whenEnded() costs one promise;
  // a signal would cost an AbortController, a listener and an Error per request.
  let settled = false;
  void untilEnded(ex).then(() => {
    if (!settled) a.request.destroy();
  });
  let ok = false;
  try {
    const res = await a.response;
    ok = true;
    await forwardResponse(ex, res, {
      readTimeout: cfg.read_timeout,
      sendTimeout: cfg.send_timeout,
      buffering: cfg.buffering,
      address: peer.address,
      group: group.name,
      upstream: counters,
      cause: a.lastError,
      onSse: () => {
        mod.sseActive++;
        return () => {
          mod.sseActive--;
        };
      },
    });
    return 'done';
  } catch (err) {
    if (hasEnded(ex)) {
      ok = true; // the client left; the server did nothing wrong
      throw new CleanAbort('client closed');
    }
    if (!(err instanceof AttemptError)) {
      if (err instanceof SluiceError && err.code !== 'E_UPSTREAM_TIMEOUT') ok = false; // broken body: count against the server
      throw err;
    }
    if (err.clientFault) {
      ok = true;
      throw err.clientFault; // 413: the client's body, not the server, ended the attempt
    }
    if (!err.staleSocket) counters.errors++;
    ok = err.staleSocket;
    return err;
  } finally {
    settled = true;
    counters.active--;
    group.release(peer, ok ? 'ok' : 'fail');
  }
}

/** The request headers for one server: TLS and URL upstreams are named by their own host unless the route sets one. */
function withHost(
  headers: OutgoingHttpHeaders,
  cfg: ProxyConfig,
  transport: UpstreamTransport,
  address: string,
): OutgoingHttpHeaders {
  if (cfg.host !== undefined) return headers;
  const host = transport.hostFor(address);
  return host === undefined ? headers : { ...headers, host };
}

/** The 502/504 for a request no server answered. */
function failure(group: UpstreamGroup, last: AttemptError | undefined): SluiceError {
  if (!last) return new SluiceError('E_UPSTREAM_CONNECT', `upstream ${group.name}: no server available (all down)`);
  const timeout = last.kind === 'connect-timeout' || last.kind === 'read-timeout';
  const code = timeout ? 'E_UPSTREAM_TIMEOUT' : last.kind === 'protocol' ? 'E_UPSTREAM_PROTOCOL' : 'E_UPSTREAM_CONNECT';
  return new SluiceError(code, `upstream ${group.name}: ${last.message}`);
}
