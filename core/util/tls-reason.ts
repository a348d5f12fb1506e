/**
 * Short reasons for TLS connections that failed: OpenSSL's verify codes and
 * Node's name check become a few words a user recognises (`certificate has
 * expired`, `hostname mismatch: …`), shared by the proxy's 502 bodies and
 * the health checks' down reasons.
 */

/** What Node attaches to a failed TLS connection's error. */
type TlsError = NodeJS.ErrnoException & { reason?: string; host?: string; cert?: { subjectaltname?: string } };

const VERIFY_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate issued by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate issued by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate issued by an unknown authority',
  CERT_SIGNATURE_FAILURE: 'certificate signature is invalid',
  CERT_REVOKED: 'certificate has been revoked',
  INVALID_PURPOSE: 'certificate is not meant for a TLS server',
  INVALID_CA: 'an issuer in the chain is not a CA',
};

/** The names a certificate covers, from Node's `subjectaltname` text (`DNS:a, IP Address:1.2.3.4`). */
function coveredNames(san: string | undefined): string {
  const names = (san ?? '')
    .split(', ')
    .map((e) => e.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  if (names.length === 0) return 'no names';
  return names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
}

/** A short reason when `err` is a TLS failure (verification or handshake), else undefined. */
export function tlsFailureReason(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as TlsError;
  const code = e.code ?? '';
  const known = VERIFY_REASONS[code];
  if (known) return known;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `hostname mismatch: the certificate is for ${coveredNames(e.cert?.subjectaltname)}, not ${e.host ?? 'this name'}`;
  if (/wrong version number|packet length too long|http request/i.test(e.message))
    return 'TLS handshake failed: the server does not speak TLS on this port';
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO' || /\bSSL\b|TLS/.test(e.message))
    return `TLS handshake failed: ${e.message.split('\n')[0]!.replace(/^.*?:error:[0-9A-F]+:/, '')}`;
  return undefined;
}
