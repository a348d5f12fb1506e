/**
 * The URL shorthand of `proxy.upstream`: `https://api.openai.com` or
 * `http://127.0.0.1:3000` stands for a group of one server, so putting
 * Sluice in front of a real API takes one line. The group is named by the
 * normalised URL (a name no declared upstream can have), and its server is
 * reached over TLS for https with the URL's host as SNI and Host.
 */
import { z } from 'zod';
import { name } from './fields.js';
import { normalizeAddress, parseAddress } from './units.js';

/** A parsed upstream URL. */
export interface UpstreamUrl {
  /** The normalised URL, used as the implicit group's name: `https://api.openai.com`, `http://127.0.0.1:3000`. */
  name: string;
  tls: boolean;
  /** `host:port` of the one server (IPv6 as `[::1]:port`). */
  address: string;
  /** The URL's host as written (lowercased), without brackets: what SNI and Host name. */
  host: string;
  /** `host[:port]` as a Host header writes it (default port left out). */
  authority: string;
}

/** True when an upstream reference is written as a URL rather than a group name. */
export function isUpstreamUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/** Parses `http(s)://host[:port]`; a string is the reason it is not one. */
export function parseUpstreamUrl(text: string): UpstreamUrl | string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https')
    return `unsupported scheme "${scheme}:" in upstream URL ${JSON.stringify(text)}: use http:// or https://`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `invalid upstream URL ${JSON.stringify(text)}: expected ${scheme}://host[:port]`;
  }
  if (url.username || url.password)
    return `upstream URL ${JSON.stringify(text)} carries credentials; send them with proxy.headers instead`;
  if (url.pathname !== '/' || url.search || url.hash) {
    return `upstream URL ${JSON.stringify(text)} has a path or query; the proxy forwards each request's own path, so write ${url.protocol}//${url.host}`;
  }
  const tls = scheme === 'https';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  const address = normalizeAddress(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  if (!address || port === 0) return `invalid upstream URL ${JSON.stringify(text)}: expected ${scheme}://host[:port]`;
  return { name: `${url.protocol}//${url.host}`, tls, address, host, authority: url.host };
}

/** `proxy.upstream`: a group name, or a URL that is normalised to the implicit group's name. */
export function upstreamRef() {
  return z
    .string()
    .transform((v, ctx) => {
      if (!isUpstreamUrl(v)) {
        const r = name.safeParse(v);
        if (!r.success)
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(v)} is neither an upstream name (letters, digits, "_", "." and "-") nor a URL such as https://api.openai.com`,
          });
        return v;
      }
      const url = parseUpstreamUrl(v);
      if (typeof url === 'string') {
        ctx.addIssue({ code: 'custom', message: url });
        return z.NEVER;
      }
      return url.name;
    })
    .meta({
      description: 'an http.upstreams name, or a URL: https://host[:port] or http://host:port (a group of one server)',
    });
}

/** True for an IPv4 or IPv6 literal (no brackets): such a host is never sent as SNI. */
export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/**
 * The config as a user would write it again: without the groups materialised
 * from URL shorthands (their names are URLs, which an upstream cannot declare).
 */
export function withoutImplicitUpstreams<T extends { http: { upstreams: { name: string }[] } }>(config: T): T {
  const upstreams = config.http.upstreams.filter((u) => !isUpstreamUrl(u.name));
  return upstreams.length === config.http.upstreams.length
    ? config
    : { ...config, http: { ...config.http, upstreams } };
}

/** The SNI name for a TLS connection to `address`: the configured name, else the address's host unless it is an IP ('' sends none). */
export function tlsServerName(address: string, configured?: string): string {
  if (configured) return configured;
  const host = parseAddress(address)?.host ?? '';
  return isIpLiteral(host) ? '' : host;
}

/** The Host header naming a TLS upstream: its server name (else the address's host), with the port unless it is 443. */
export function tlsHostHeader(address: string, configured?: string): string {
  const a = parseAddress(address);
  if (!a) return address;
  const name = configured ?? (a.host.includes(':') ? `[${a.host}]` : a.host);
  return a.port === 443 ? name : `${name}:${a.port}`;
}
