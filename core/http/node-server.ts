/**
 * The Node server behind an HTTP listener, as the server config asks:
 *
 *   no tls            ─▶ http.Server                                  HTTP/1.1
 *   tls, http2: off   ─▶ https.Server      + plain-HTTP guard         HTTP/1.1 over TLS
 *   tls (http2 on)    ─▶ Http2SecureServer + plain-HTTP guard         ALPN h2 and http/1.1 on one port
 *
 * HTTP/1 connections get the same limits on all three (header size and
 * timeout, keep-alive); HTTP/2 ones get the stream limit and header list
 * size as SETTINGS. Requests of both arrive as the same 'request' event.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { http2Enabled, type HttpServerConfig } from '../config/index.js';
import { serverTlsOptions, type ServerCredentials } from '../tls/index.js';
import { Http2Response } from './h2-response.js';
import { Http1Response } from './http1-response.js';
import type { H2Sessions } from './h2-sessions.js';
import type { PlainHttpGuard } from './plain-http-guard.js';
import type { SluiceError } from '../util/errors.js';

/** How a listener speaks: plain HTTP/1.1, HTTP/1.1 over TLS, or TLS with HTTP/2 and HTTP/1.1. */
export type TransportKind = 'http' | 'https' | 'h2';

/** One of the three servers. */
export type NodeServer = http.Server | https.Server | http2.Http2SecureServer;

/** A bound server with what belongs to it alone. */
export interface BoundServer {
  server: NodeServer;
  kind: TransportKind;
  /** HTTP/2 connections (h2 servers only). */
  sessions?: H2Sessions;
  /** The plain-HTTP guard (TLS servers only). */
  guard?: PlainHttpGuard;
}

/** How often Node looks for requests whose headers are overdue (the granularity of header_timeout). */
const HEADER_CHECK_MS = 250;

/** The transport a server config asks for. */
export function transportKind(server: HttpServerConfig): TransportKind {
  if (!server.tls) return 'http';
  return http2Enabled(server) ? 'h2' : 'https';
}

/** The HTTP/1 connection limits of a server config, as Node's server fields. */
function http1Options(c: HttpServerConfig) {
  return {
    maxHeaderSize: c.max_header_size,
    headersTimeout: c.header_timeout,
    requestTimeout: 0, // uploads and streams are long; header_timeout guards slow headers
    keepAliveTimeout: c.keepalive_timeout,
    // Node checks header timeouts on this tick (default 30 s, far past a typical header_timeout).
    connectionsCheckingInterval: HEADER_CHECK_MS,
    noDelay: true,
    // Route headers join the head as it goes out (see ./http1-response.ts); typed as Node's own class.
    ServerResponse: Http1Response as typeof http.ServerResponse,
  };
}

/** HTTP/2 SETTINGS the server announces. */
export function h2Settings(c: HttpServerConfig): http2.Settings {
  return { maxConcurrentStreams: c.max_concurrent_streams, maxHeaderListSize: c.max_header_size };
}

/** Creates the server for `config` (credentials required unless the transport is plain HTTP). */
export function createNodeServer(config: HttpServerConfig, creds: ServerCredentials | undefined): NodeServer {
  const kind = transportKind(config);
  const h1 = http1Options(config);
  if (kind === 'http') return http.createServer(h1);
  const tls = { ...serverTlsOptions(creds!), handshakeTimeout: config.header_timeout };
  if (kind === 'https') return https.createServer({ ...tls, ...h1 });
  const server = http2.createSecureServer({
    ...tls,
    allowHTTP1: true,
    noDelay: true,
    settings: h2Settings(config),
    // Node's typings want the exact class; the subclass is one (see ./h2-response.ts).
    Http2ServerResponse: Http2Response as unknown as typeof http2.Http2ServerResponse,
    Http1ServerResponse: Http1Response as typeof http.ServerResponse,
  });
  // HTTP/1.1 connections on this port follow the same limits as on the other two servers.
  Object.assign(server, {
    maxHeaderSize: h1.maxHeaderSize,
    headersTimeout: h1.headersTimeout,
    requestTimeout: h1.requestTimeout,
    keepAliveTimeout: h1.keepAliveTimeout,
    connectionsCheckingInterval: h1.connectionsCheckingInterval,
  });
  return server;
}

/** Applies changed HTTP/1 timeouts to a running server (new requests and idle periods use them). */
export function updateHttp1Limits(server: NodeServer, config: HttpServerConfig): void {
  Object.assign(server, { keepAliveTimeout: config.keepalive_timeout, headersTimeout: config.header_timeout });
}

/** Idle HTTP/1 keep-alive connections of a server close now. */
export function closeIdle(server: NodeServer): void {
  (server as Partial<http.Server>).closeIdleConnections?.();
}

/** A server that no longer accepts: idle HTTP/1 connections close, HTTP/2 ones get GOAWAY; exchanges in progress finish. */
export function retire(bound: BoundServer): void {
  closeIdle(bound.server);
  bound.sessions?.closeAll();
}

/** `HTTPS (h2, http/1.1)` and the like, for the log. */
export function describeTransport(kind: TransportKind): string {
  return kind === 'h2' ? 'HTTPS (h2, http/1.1)' : kind === 'https' ? 'HTTPS (http/1.1)' : 'HTTP';
}

/** Runs `bind` again while the address is still taken (a port just released), up to about half a second. */
export async function whileAddressInUse<T>(bind: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await bind();
    } catch (err) {
      if (attempt >= 20 || (err as SluiceError).code !== 'E_ADDR_IN_USE') throw err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
