/**
 * What the traffic detail shows about a TLS connection: protocol, cipher,
 * whether the peer verified, and its certificate in a few fields. Read once
 * per connection (a kept-alive socket serves many exchanges).
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { TlsSummary } from '../api/types.js';

const seen = new WeakMap<TLSSocket, TlsSummary>();

/** `CN=api.test, O=Example` from Node's parsed name object. */
function dn(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}

/** The summary of a connected TLS socket (cached per socket). */
export function tlsSummary(socket: TLSSocket): TlsSummary {
  const cached = seen.get(socket);
  if (cached) return cached;
  const cert = socket.getPeerCertificate();
  const error = socket.authorizationError as unknown as Error | string | null | undefined;
  const summary: TlsSummary = {
    protocol: socket.getProtocol() ?? undefined,
    cipher: socket.getCipher()?.name,
    authorized: socket.authorized,
    authorizationError: error ? String(error instanceof Error ? error.message : error) : undefined,
    certificate:
      cert && cert.raw
        ? {
            subject: dn(cert.subject),
            issuer: dn(cert.issuer),
            altNames: (cert.subjectaltname ?? '')
              .split(', ')
              .map((e) => e.replace(/^(DNS|IP Address):/, ''))
              .filter(Boolean),
            validFrom: new Date(cert.valid_from).toISOString(),
            validTo: new Date(cert.valid_to).toISOString(),
            serialNumber: cert.serialNumber,
            fingerprint256: cert.fingerprint256,
          }
        : undefined,
  };
  seen.set(socket, summary);
  return summary;
}
