/**
 * Proxies one exchange to an upstream group: pick a server, attempt, and on
 * a failure before any response (refused, DNS, connect timeout, reset) count
 * it against the server (`max_fails`) and try the next one, up to
 * `next_upstream_tries` (0 = each server once). What is left becomes a 502
 * (504 for timeouts) with a one-line reason.
 */
import type { ProxyConfig } from '../config/index.js';
import type { Peer, UpstreamGroup } from '../balance/index.js';
import type { Exchange } from '../http/exchange.js';
import { hasEnded, untilEnded } from '../http/exchange-end.js';
import { CleanAbort, SluiceError } from '../util/errors.js';
import { attempt, AttemptError } from './attempt.js';
import { forwardResponse } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import type { UpstreamsModule } from './upstreams.js';

/** A stale keep-alive socket is retried on a fresh one this often, without counting a failure. */
const STALE_RETRIES = 2;

/** True when the request carries a body to stream upstream. */
export function hasBody(ex: Exchange): boolean {
  const h = ex.req.headers;
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}

/** Forwards `ex` to `cfg.upstream`; throws SluiceError (502/504) when no server answered. */
export async function proxyExchange(ex: Exchange, cfg: ProxyConfig, mod: UpstreamsModule | undefined): Promise<void> {
  const group = mod?.group(cfg.upstream);
  if (!mod || !group) throw new SluiceError('E_UPSTREAM_CONNECT', `upstream ${cfg.upstream}: not configured`);
  const tries = group.tries(cfg.next_upstream_tries);
  const tried = new Set<Peer>();
  const headers = upstreamRequestHeaders(ex.req, { client: ex.client, host: cfg.host, extra: cfg.headers });
  const body = hasBody(ex) ? (write: (c: Buffer) => Promise<void>) => ex.pipeBody(write) : undefined;
  let last: AttemptError | undefined;
  let stale = 0;
  while (tried.size < tries) {
    const peer = group.pick({ clientIp: ex.client, exclude: tried });
    if (!peer) break;
    const outcome = await tryPeer(ex, cfg, mod, group, peer, headers, body);
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
  mod: UpstreamsModule,
  group: UpstreamGroup,
  peer: Peer,
  headers: ReturnType<typeof upstreamRequestHeaders>,
  body: ((w: (c: Buffer) => Promise<void>) => Promise<void>) | undefined,
): Promise<'done' | AttemptError> {
  const clock = ex.services.clock;
  const counters = mod.counters(group.name, peer.address);
  counters.requests++;
  counters.active++;
  ex.record.upstream = peer.address;
  const a = attempt({
    address: peer.address,
    agent: mod.agent(group.name) ?? false,
    method: ex.req.method ?? 'GET',
    path: ex.req.url ?? '/',
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
    onConnect: () => {
      ex.record.connectMs = clock.now() - ex.record.startedAt;
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
    if (!err.staleSocket) counters.errors++;
    ok = err.staleSocket;
    return err;
  } finally {
    settled = true;
    counters.active--;
    group.release(peer, ok ? 'ok' : 'fail');
  }
}

/** The 502/504 for a request no server answered. */
function failure(group: UpstreamGroup, last: AttemptError | undefined): SluiceError {
  if (!last) return new SluiceError('E_UPSTREAM_CONNECT', `upstream ${group.name}: no server available (all down)`);
  const timeout = last.kind === 'connect-timeout' || last.kind === 'read-timeout';
  const code = timeout ? 'E_UPSTREAM_TIMEOUT' : last.kind === 'protocol' ? 'E_UPSTREAM_PROTOCOL' : 'E_UPSTREAM_CONNECT';
  return new SluiceError(code, `upstream ${group.name}: ${last.message}`);
}
