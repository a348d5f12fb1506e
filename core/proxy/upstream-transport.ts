/**
 * How the proxy reaches one upstream group's servers: plain HTTP, or TLS
 * with SNI, verification against the usual roots plus the group's `ca`
 * file, over a keep-alive agent either way. A transport is rebuilt when its
 * settings or its CA file's content change (an apply reloads the file).
 *
 *   route ─▶ group.pick() ─▶ transport.request(peer) ─▶ http(s).Agent ─▶ server
 */
import http, { type ClientRequest, type RequestOptions } from 'node:http';
import https from 'node:https';
import type { SecureContext } from 'node:tls';
import { isAbsolute, resolve } from 'node:path';
import {
  parseAddress,
  parseUpstreamUrl,
  tlsHostHeader,
  tlsServerName,
  type HttpUpstreamConfig,
  type UpstreamTlsConfig,
} from '../config/index.js';
import { readCaFileSync } from '../tls/pem-files.js';
import { clientSecureContext } from '../tls/secure-context.js';

/** TLS settings a connection to one server of the group uses. */
export interface UpstreamTlsOptions {
  servername: string;
  rejectUnauthorized: boolean;
  /** The usual roots plus the group's CA file, when it has one; undefined: Node's defaults. */
  secureContext?: SecureContext;
}

/** The transport of one upstream group: its agent and how it speaks to each server. */
export class UpstreamTransport {
  readonly agent: http.Agent;
  /** Why the group cannot be reached at all (an unreadable `tls.ca`); every request answers 502 with it. */
  readonly error?: string;
  private readonly context?: SecureContext;

  private constructor(
    /** What the transport was built from: equal keys, same transport. */
    readonly key: string,
    private readonly tls: UpstreamTlsConfig | undefined,
    private readonly urlAuthority: string | undefined,
    keepalive: number,
    ca: { extra?: string[]; error?: string },
  ) {
    this.context = ca.extra && clientSecureContext(ca.extra);
    this.error = ca.error;
    const options = { keepAlive: keepalive > 0, maxFreeSockets: Math.max(keepalive, 1), scheduling: 'lifo' as const };
    // Verification lives on the agent (it keys its pool); SNI and the trust context go with each request.
    this.agent = tls ? new https.Agent({ ...options, rejectUnauthorized: tls.verify }) : new http.Agent(options);
  }

  /** The transport for a group's config; `baseDir` resolves a relative `tls.ca`. */
  static for(cfg: HttpUpstreamConfig, baseDir: string): UpstreamTransport {
    const ca = cfg.tls?.ca !== undefined ? loadCa(cfg.tls.ca, baseDir) : {};
    const url = parseUpstreamUrl(cfg.name);
    const key = JSON.stringify({ keepalive: cfg.keepalive, tls: cfg.tls, ca });
    return new UpstreamTransport(key, cfg.tls, typeof url === 'string' ? undefined : url.authority, cfg.keepalive, ca);
  }

  /** True when the group speaks TLS to its servers. */
  get secure(): boolean {
    return this.tls !== undefined;
  }

  /** The TLS settings for `address` (undefined for plain HTTP). */
  tlsFor(address: string): UpstreamTlsOptions | undefined {
    if (!this.tls) return undefined;
    return {
      servername: tlsServerName(address, this.tls.server_name),
      rejectUnauthorized: this.tls.verify,
      secureContext: this.context,
    };
  }

  /**
   * The Host header when the route sets none: a TLS or URL upstream is named
   * by its own host (a public API behind a CDN routes on it); a plain named
   * group gets the client's (undefined).
   */
  hostFor(address: string): string | undefined {
    if (this.urlAuthority !== undefined) return this.urlAuthority;
    return this.tls ? tlsHostHeader(address, this.tls.server_name) : undefined;
  }

  /** Starts a request to `address`; `agent: false` asks for a connection of its own (upgrades). */
  request(
    address: string,
    options: Omit<RequestOptions, 'host' | 'port' | 'agent'> & { agent?: false },
  ): ClientRequest {
    const target = parseAddress(address)!;
    const base = { ...options, host: target.host, port: target.port, agent: options.agent ?? this.agent };
    const tls = this.tlsFor(address);
    if (!tls) return http.request(base);
    return https.request({ ...base, ...tls });
  }

  /** Closes idle sockets; requests in flight finish on theirs, which then close instead of idling. */
  retire(): void {
    (this.agent as http.Agent & { keepAlive: boolean }).keepAlive = false;
    for (const list of Object.values(this.agent.freeSockets)) for (const s of list ?? []) s.destroy();
  }

  destroy(): void {
    this.agent.destroy();
  }
}

function loadCa(file: string, baseDir: string): { extra?: string[]; error?: string } {
  try {
    return { extra: readCaFileSync(isAbsolute(file) ? file : resolve(baseDir, file), `tls.ca ${file}`) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
