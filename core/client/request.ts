/**
 * Opens one request of the stream client with Node's http/https clients:
 * any method, headers and body; `https://` with the system's CAs plus any
 * given (`--cacert`) or none checked (`--insecure`); redirects followed as
 * browsers do. Failures become one-line reasons a user can act on.
 *
 *   URL ─▶ http(s).request ──▶ response (any status)
 *               │ refused, DNS, TLS, timeout
 *               └──────────────▶ ClientFailure (kind, one line)
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';

/** What a failure means for the session: a network loss may be retried; the others end it. */
export type FailureKind = 'network' | 'tls' | 'http' | 'not-stream' | 'limit' | 'usage';

/** A request that could not produce a stream, with a one-line reason. */
export class ClientFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'ClientFailure';
  }
}

/** One request to send. */
export interface SendOptions {
  url: URL;
  method: string;
  headers: [string, string][];
  body?: string;
  insecure?: boolean;
  ca?: string;
  /** TCP + TLS handshake must finish within this (ms). */
  connectTimeoutMs: number;
  /** Aborts the request at any point (the session was stopped). */
  signal?: AbortSignal;
}

/** Redirects followed before giving up (browsers allow 20; a stream needs few). */
const MAX_REDIRECTS = 5;

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in an untrusted self-signed CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is not signed by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the certificate's issuer is not a trusted CA",
  UNABLE_TO_GET_ISSUER_CERT: "the certificate's issuer is unknown",
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is for another host name',
};

/** Turns a socket/TLS error into a ClientFailure. */
export function classifyError(err: NodeJS.ErrnoException, url: URL): ClientFailure {
  const code = err.code ?? '';
  const where = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  if (TLS_REASONS[code]) {
    return new ClientFailure(
      'tls',
      `TLS error: ${TLS_REASONS[code]} (${code}) at ${where}; trust its CA (--cacert FILE) or skip the check (--insecure)`,
    );
  }
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || /\bSSL\b|TLS/i.test(err.message)) {
    return new ClientFailure(
      'tls',
      `TLS handshake with ${where} failed: ${err.message.split('\n')[0]}${url.protocol === 'https:' ? ' (is it an HTTPS port?)' : ''}`,
    );
  }
  if (code === 'ECONNREFUSED') return new ClientFailure('network', `connection refused by ${where}`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ClientFailure('network', `host not found: ${url.hostname}`);
  if (code === 'ECONNRESET') return new ClientFailure('network', `connection reset by ${where}`);
  if (code === 'ETIMEDOUT') return new ClientFailure('network', `no connection to ${where} within the connect timeout`);
  return new ClientFailure(
    'network',
    `${where}: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`,
  );
}

/** Sends one request; resolves with the response whatever its status. */
function sendOnce(o: SendOptions): Promise<{ res: IncomingMessage; destroy(): void }> {
  const secure = o.url.protocol === 'https:';
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of o.headers) {
    const k = name.toLowerCase();
    const cur = headers[k];
    headers[k] = cur === undefined ? value : Array.isArray(cur) ? [...cur, value] : [cur, value];
  }
  if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
  const options: https.RequestOptions = {
    method: o.method,
    headers,
    agent: false,
    signal: o.signal,
    ...(secure ? { rejectUnauthorized: !o.insecure, ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(o.url, options);
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      o.connectTimeoutMs,
    );
    req.once('socket', (socket) => {
      const connected = () => clearTimeout(timer);
      if (!socket.connecting) connected();
      else socket.once(secure ? 'secureConnect' : 'connect', connected);
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(classifyError(err as NodeJS.ErrnoException, o.url));
    });
    req.once('response', (res) => {
      clearTimeout(timer);
      resolve({ res, destroy: () => req.destroy() });
    });
    req.end(o.body);
  });
}

/** Sends the request, following redirects (303, and 301/302 after a POST, continue as GET without a body, as fetch does). */
export async function send(o: SendOptions): Promise<{ res: IncomingMessage; url: URL; destroy(): void }> {
  let current = o;
  for (let hop = 0; ; hop++) {
    const r = await sendOnce(current);
    const status = r.res.statusCode ?? 0;
    const location = r.res.headers.location;
    if (![301, 302, 303, 307, 308].includes(status) || !location) return { ...r, url: current.url };
    r.res.resume();
    r.destroy();
    if (hop >= MAX_REDIRECTS)
      throw new ClientFailure('http', `more than ${MAX_REDIRECTS} redirects (last: ${status} to ${location})`);
    const next = new URL(location, current.url);
    const asGet = status === 303 || ((status === 301 || status === 302) && current.method === 'POST');
    current = {
      ...current,
      url: next,
      method: asGet ? 'GET' : current.method,
      body: asGet ? undefined : current.body,
      headers: asGet ? current.headers.filter(([n]) => n.toLowerCase() !== 'content-type') : current.headers,
    };
  }
}
