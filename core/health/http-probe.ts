/**
 * HTTP health probe: `GET path` on the server; healthy when the status is in
 * the expected list (default any 2xx or 3xx). Over TLS the certificate is
 * verified as the proxy verifies it, so a server with an expired or wrong
 * certificate is down with that reason. The body is drained and the
 * connection closed, so probes never hold sockets.
 */
import type { SecureContext } from 'node:tls';
import http from 'node:http';
import https from 'node:https';
import { parseAddress, tlsHostHeader } from '../config/index.js';
import { tlsFailureReason } from '../util/tls-reason.js';
import { ProbeError, type Probe } from './probe.js';

/** TLS settings for probing one server (as the proxy connects to it). */
export interface ProbeTls {
  /** SNI and the name checked against the certificate ('' for none: an IP address is checked). */
  servername: string;
  rejectUnauthorized: boolean;
  /** The roots to verify against, when not Node's defaults. */
  secureContext?: SecureContext;
}

/** Settings of an HTTP probe. */
export interface HttpProbeOptions {
  path: string;
  /** Expected statuses; undefined = any 2xx/3xx. */
  status?: number[];
  /** Host header; default the server's address (its TLS name over TLS). */
  host?: string;
  /** Probe over TLS with these settings per server address. */
  tls?: (address: string) => ProbeTls | undefined;
}

/** Probes `GET path` over a fresh connection. */
export class HttpProbe implements Probe {
  constructor(private readonly options: HttpProbeOptions) {}

  explain(): string {
    const expect = this.options.status?.join('/') ?? '2xx/3xx';
    return `GET ${this.options.path}${this.options.tls ? ' over TLS' : ''} expecting ${expect}`;
  }

  check(address: string, signal: AbortSignal): Promise<void> {
    const target = parseAddress(address);
    if (!target) return Promise.reject(new ProbeError(`bad address ${address}`));
    const tls = this.options.tls?.(address);
    const host = this.options.host ?? (tls ? tlsHostHeader(address, tls.servername || undefined) : address);
    return new Promise((resolve, reject) => {
      const options = {
        host: target.host,
        port: target.port,
        path: this.options.path,
        method: 'GET',
        agent: false as const,
        signal,
        headers: { host, 'user-agent': 'sluice-health-check', connection: 'close' },
      };
      const onResponse = (res: http.IncomingMessage) => {
        const code = res.statusCode ?? 0;
        res.resume();
        res.on('error', () => {});
        if (this.expected(code)) resolve();
        else reject(new ProbeError(`GET ${this.options.path} answered ${code}`));
      };
      const req = tls ? https.request({ ...options, ...tls }, onResponse) : http.request(options, onResponse);
      req.on('error', (err: NodeJS.ErrnoException) => reject(new ProbeError(reason(err))));
      req.end();
    });
  }

  private expected(code: number): boolean {
    return this.options.status ? this.options.status.includes(code) : code >= 200 && code < 400;
  }
}

function reason(err: NodeJS.ErrnoException): string {
  if (err.code === 'ABORT_ERR') return 'aborted';
  return tlsFailureReason(err) ?? `${err.code ?? 'error'} ${err.message.replace(/^.*?: /, '')}`.trim();
}
