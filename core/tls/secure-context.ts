/**
 * TLS contexts from certificates: what a server presents (its chain, leaf
 * first, and key) and what a client trusts (the usual roots plus the
 * user's CA file), built with Node's tls module.
 */
import tls from 'node:tls';

/** A certificate chain and its key, PEM: what a TLS server presents. */
export interface ServerCredentials {
  chain: string;
  key: string;
}

/**
 * Options for `tls.createServer` / `server.setSecureContext` (a tls.Server
 * builds its default context from these; it ignores a ready-made one). The
 * whole chain is sent, so a client that trusts the CA can verify the leaf.
 */
export function serverTlsOptions(c: ServerCredentials): tls.SecureContextOptions {
  return { cert: c.chain, key: c.key, minVersion: 'TLSv1.2' };
}

/** A ready-made context for the same credentials, for an SNI callback to hand out per server name. */
export function serverSecureContext(c: ServerCredentials): tls.SecureContext {
  return tls.createSecureContext(serverTlsOptions(c));
}

/** Node 22 lists the roots it would use itself (bundled, NODE_EXTRA_CA_CERTS, system when enabled); Node 20 knows its bundle. */
function defaultRoots(): readonly string[] {
  const get = (tls as { getCACertificates?: (type?: string) => string[] }).getCACertificates;
  return typeof get === 'function' ? get('default') : tls.rootCertificates;
}

/**
 * The CA list for a client that trusts `extra` besides the usual roots
 * (Node's `ca` option replaces the roots, so they are listed too).
 * Undefined when nothing is added: Node then uses its defaults unchanged.
 */
export function trustedRoots(extra: readonly string[]): string[] | undefined {
  return extra.length === 0 ? undefined : [...defaultRoots(), ...extra];
}

/**
 * A client context trusting `extra` besides the usual roots, built once per
 * upstream group: handed to each connection as `secureContext`, so no
 * request carries the root list (an https.Agent keys its pool by every
 * option, `ca` included — a few hundred KiB of PEM joined per request).
 */
export function clientSecureContext(extra: readonly string[]): tls.SecureContext | undefined {
  const ca = trustedRoots(extra);
  return ca && tls.createSecureContext({ ca });
}

/** Names a `tls: {}` certificate covers: the listen host (unless a wildcard), localhost, 127.0.0.1 and ::1. */
export function localServerNames(listenHost: string): string[] {
  const host = listenHost.replace(/^\[|\]$/g, '').toLowerCase();
  const names = ['localhost', '127.0.0.1', '::1'];
  if (host && host !== '0.0.0.0' && host !== '::' && !names.includes(host)) names.unshift(host);
  return names;
}
