/**
 * An nginx HTTPS server's TLS as Sluice's. nginx makes an address TLS when
 * any `listen` of it says `ssl` (or a server says the old `ssl on;`), and
 * HTTP/2 when any says `http2` (or, from 1.25.1, a server says `http2 on;`);
 * the certificate comes from the server block. Sluice has one server per
 * address, so per address: `tls` from the default server's `ssl_certificate`
 * / `ssl_certificate_key`, `http2`, and `http2_max_concurrent_streams` →
 * `max_concurrent_streams` (nginx's 128 when unset). A certificate the
 * export wrote from Sluice's local CA reads back as `tls: {}`. Protocols,
 * ciphers, session caches and the like are listed by the import's notes.
 */
import { MAX_CONCURRENT_STREAMS } from '../config/index.js';
import { LOCAL_CA_MARK } from './export-tls.js';
import { hasVariable, onOff, type ImportContext, type Obj, type Scope } from './import-context.js';
import type { Listen } from './import-listen.js';
import type { Directive } from './parse.js';

/** Records one listener-wide setting with the directive it came from. */
export type SettingSink = (key: string, value: unknown, d: Directive | undefined) => void;

/** nginx's http2_max_concurrent_streams when a configuration does not set it. */
const NGINX_DEFAULT_STREAMS = 128;

/** What one server block says about TLS and HTTP/2. */
export interface ServerTls {
  /** The `tls` value, read when some listen of the server is `ssl`. */
  cert?: { value: Obj; d: Directive };
  /** `http2 on|off;` (nginx ≥ 1.25.1). */
  http2?: Directive;
  streams?: Directive;
}

/** One server block's part of an address: its listen there and its TLS. */
export interface TlsMember {
  listen: Listen;
  tls: ServerTls;
}

/** Reads a server block's TLS directives (`ssl on;` turns every listen of it to ssl). */
export function readServerTls(scope: Scope, listens: Listen[]): ServerTls {
  const ctx = scope.ctx;
  const sslOn = scope.inherited('ssl');
  if (sslOn && onOff(sslOn)) {
    for (const l of listens) l.ssl = true;
    ctx.info(sslOn, 'ssl on (gone since nginx 1.25.1) is imported as listen … ssl on every address of the server');
  } else if (sslOn) ctx.use(sslOn);
  const out: ServerTls = {
    http2: scope.inherited('http2'),
    streams: scope.inherited('http2_max_concurrent_streams'),
  };
  const ssl = listens.find((l) => l.ssl);
  if (ssl) out.cert = { value: certificate(scope, ssl.d), d: ssl.d };
  return out;
}

/**
 * The TLS settings of one address from the server blocks listening on it
 * (`def` is nginx's default server there); what Sluice cannot do per
 * address as nginx does per server is noted.
 */
export function addressTls(
  ctx: ImportContext,
  address: string,
  members: TlsMember[],
  def: TlsMember,
  set: SettingSink,
): void {
  const sslListen = members.find((m) => m.listen.ssl);
  const h2Listen = members.find((m) => m.listen.http2)?.listen.d;
  const h2dir = def.tls.http2;
  const http2 = h2Listen !== undefined || onOff(h2dir) === true;
  if (!sslListen) {
    if (h2Listen) ctx.skip(h2Listen, 'Sluice serves HTTP/2 over TLS only (no cleartext h2c)', 'listen http2');
    else if (http2) ctx.info(h2dir!, `${address} is plain HTTP: Sluice serves HTTP/2 over TLS only (no cleartext h2c)`);
    for (const m of members)
      if (m.tls.streams && !m.tls.cert) ctx.skip(m.tls.streams, 'the server does not speak HTTP/2');
    return;
  }
  const own = def.tls.cert ?? sslListen.tls.cert!;
  set('tls', own.value, own.d);
  for (const m of members)
    if (m.tls.cert && JSON.stringify(m.tls.cert.value) !== JSON.stringify(own.value))
      ctx.info(
        m.tls.cert.d,
        `Sluice serves one certificate per address; ${address} presents the default server's (nginx picks one by SNI)`,
      );
  if (!http2) {
    set('http2', 'off', sslListen.listen.d); // nginx speaks HTTP/2 only where it is asked to
    if (def.tls.streams) ctx.skip(def.tls.streams, 'the server does not speak HTTP/2');
    return;
  }
  set('http2', 'on', h2Listen ?? h2dir);
  const streams = def.tls.streams;
  const n = Number(streams?.args[0] ?? NGINX_DEFAULT_STREAMS);
  if (streams && !(Number.isInteger(n) && n >= 1 && n <= MAX_CONCURRENT_STREAMS))
    return ctx.skip(streams, `"${streams.args[0]}" is not a stream count from 1 to ${MAX_CONCURRENT_STREAMS}`);
  set('max_concurrent_streams', n, streams ?? h2Listen ?? h2dir);
}

/** `{ cert, key }` from the first certificate pair; `{}` (the local CA) when there is none to use. */
function certificate(scope: Scope, listen: Directive): Obj {
  const ctx = scope.ctx;
  const [cert, ...moreCerts] = scope.inheritedList('ssl_certificate');
  const [key, ...moreKeys] = scope.inheritedList('ssl_certificate_key');
  for (const d of [...moreCerts, ...moreKeys])
    ctx.skip(d, 'Sluice serves one certificate per server (the first pair is imported)');
  if (cert?.comments?.some((c) => c.startsWith(LOCAL_CA_MARK))) {
    ctx.use(key);
    ctx.info(cert, "the certificate sluice export-nginx wrote from Sluice's local CA: imported as tls: {}");
    return {};
  }
  const unusable = [cert, key].find((d) => d && (hasVariable(d.args[0] ?? '') || /^data:/.test(d.args[0] ?? '')));
  if (unusable) {
    ctx.skip(unusable, 'Sluice reads the certificate and key from files named in the config');
    ctx.use(cert, key);
  }
  if (!cert || !key || unusable) {
    ctx.info(
      listen,
      "no usable ssl_certificate / ssl_certificate_key: imported as tls: {}, a certificate from Sluice's local CA",
    );
    return {};
  }
  return { cert: cert.args[0], key: key.args[0] };
}
