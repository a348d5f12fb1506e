/**
 * TLS in an exported nginx.conf, both ways of it:
 *
 *   HTTPS server   listen ADDR ssl [http2];  (or `http2 on;` for nginx ≥ 1.25.1)
 *                  ssl_certificate / ssl_certificate_key, http2_max_concurrent_streams
 *   HTTPS upstream proxy_pass https://group;  proxy_ssl_server_name / _name / _verify /
 *                  _verify_depth / _trusted_certificate, and the Host Sluice sends
 *
 * A `tls: {}` server presents the leaf Sluice's local CA issues for it; the
 * CLI writes that certificate to files and passes their paths, marked by a
 * comment the import recognises. Isomorphic.
 */
import {
  http2Enabled,
  isIpLiteral,
  parseAddress,
  parseUpstreamUrl,
  tlsHostHeader,
  type HttpServerConfig,
  type HttpUpstreamConfig,
} from '../config/index.js';
import { quote, type Conf } from './conf-writer.js';

/** The nginx an export is written for: what `nginx -V` says, when it could be asked. */
export interface NginxTarget {
  /** `1.22.1`; unknown: the HTTP/2 syntax every nginx accepts (`listen … http2`). */
  version?: string;
  /** False when nginx was built without ngx_http_v2_module. */
  http2?: boolean;
}

/** Certificate files of a `tls: {}` server: the local CA's leaf for its listener, written out for nginx. */
export interface LocalCertificateFiles {
  /** PEM chain: the leaf, then the local CA. */
  cert: string;
  key: string;
  /** The names the leaf covers. */
  hosts: string[];
  /** The local CA certificate clients trust. */
  ca: string;
  /** The leaf's last day (YYYY-MM-DD). */
  notAfter?: string;
}

/** What the TLS parts of an export need from its options. */
export interface TlsExportOptions {
  nginx?: NginxTarget;
  /** Files for each `tls: {}` server, by server name (the CLI writes them from the local CA). */
  localCertificates?: Record<string, LocalCertificateFiles>;
  /** The CA bundle nginx verifies upstreams against when their group names no `ca` file. */
  systemRoots?: string;
  resolvePath?: (p: string) => string;
}

/** Debian's (and Ubuntu's, Alpine's) bundle of the system's trusted roots. */
export const DEBIAN_SYSTEM_ROOTS = '/etc/ssl/certs/ca-certificates.crt';

/** Bundles of system roots where distributions keep them: read back as "the system's roots". */
export const SYSTEM_ROOT_BUNDLES = [
  DEBIAN_SYSTEM_ROOTS,
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
];

/** The comment above a `tls: {}` server's ssl_certificate starts so; the import reads it back as `tls: {}`. */
export const LOCAL_CA_MARK = 'tls: {}';

/** Sluice verifies chains as deep as OpenSSL allows by default; nginx stops at 1 unless told. */
export const VERIFY_DEPTH = 100;

/** nginx 1.25.1 moved HTTP/2 from a listen parameter to the `http2` directive. */
function http2Directive(target: NginxTarget | undefined): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(target?.version ?? '');
  if (!m) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)));
}

/** The files a TLS server's certificate comes from; undefined for `tls: {}` without written files. */
function certificateFiles(s: HttpServerConfig, opts: TlsExportOptions): { cert: string; key: string } | undefined {
  if (!s.tls) return undefined;
  const abs = opts.resolvePath ?? ((p: string) => p);
  if (s.tls.cert !== undefined && s.tls.key !== undefined) return { cert: abs(s.tls.cert), key: abs(s.tls.key) };
  return opts.localCertificates?.[s.name];
}

/** True when the server is exported as HTTP/2. */
function speaksHttp2(s: HttpServerConfig, opts: TlsExportOptions): boolean {
  return http2Enabled(s) && opts.nginx?.http2 !== false;
}

/** The listen parameters of a server: ` ssl`, ` ssl http2` (nginx before 1.25.1), or nothing. */
export function listenTlsParams(s: HttpServerConfig, opts: TlsExportOptions): string {
  if (!certificateFiles(s, opts)) return '';
  return speaksHttp2(s, opts) && !http2Directive(opts.nginx) ? ' ssl http2' : ' ssl';
}

/** A server block's certificate lines and HTTP/2 settings. */
export function exportServerTls(c: Conf, s: HttpServerConfig, opts: TlsExportOptions): void {
  if (!s.tls) return;
  const files = certificateFiles(s, opts);
  if (!files) {
    c.comment(
      "tls: {} serves a certificate from Sluice's local CA; without its files (sluice export-nginx writes them) this server is exported as plain HTTP",
    );
    return;
  }
  const local = s.tls.cert === undefined ? opts.localCertificates?.[s.name] : undefined;
  if (local) {
    c.comment(
      `${LOCAL_CA_MARK}: sluice export-nginx wrote the certificate Sluice's local CA issues for this listener (${local.hosts.join(', ')}) to these files${local.notAfter ? `, valid until ${local.notAfter}` : ''}.`,
    );
    c.comment(`Clients trust ${local.ca} (curl --cacert, NODE_EXTRA_CA_CERTS); export again to renew.`);
  }
  c.line(`ssl_certificate ${quote(files.cert)};`).line(`ssl_certificate_key ${quote(files.key)};`);
  if (http2Enabled(s) && opts.nginx?.http2 === false)
    c.comment('HTTP/2: this nginx is built without ngx_http_v2_module; it answers over HTTP/1.1');
  if (!speaksHttp2(s, opts)) return;
  if (http2Directive(opts.nginx)) c.line('http2 on;');
  c.line(`http2_max_concurrent_streams ${s.max_concurrent_streams};`);
}

/** The host part of an upstream server's address as nginx writes a name (IPv6 in brackets). */
function hostOf(address: string): string {
  const host = parseAddress(address)?.host ?? address;
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The Host header Sluice sends to a group when the route sets none: a URL
 * upstream's authority, a TLS group's server name (or its first server's
 * host) with the port unless 443; undefined for a plain group (the client's).
 */
export function upstreamHost(group: HttpUpstreamConfig | undefined): string | undefined {
  if (!group) return undefined;
  const url = parseUpstreamUrl(group.name);
  if (typeof url !== 'string') return url.authority;
  if (!group.tls) return undefined;
  return tlsHostHeader(group.servers[0]!.address, group.tls.server_name);
}

/** What nginx cannot do alike for every server of a TLS group, as comments. */
function groupComments(c: Conf, group: HttpUpstreamConfig): void {
  const tls = group.tls!;
  const hosts = new Set(group.servers.map((s) => hostOf(s.address)));
  const ports = new Set(group.servers.map((s) => parseAddress(s.address)?.port));
  if (tls.server_name === undefined && hosts.size > 1)
    c.comment(
      `nginx names every server of ${group.name} alike (SNI, certificate name, Host); Sluice names each by its own host`,
    );
  else if (ports.size > 1 && !isUrl(group))
    c.comment(`nginx sends one Host to every server of ${group.name}; Sluice adds each server's own port`);
  const name = tls.server_name ?? hostOf(group.servers[0]!.address);
  if (tls.verify && isIpLiteral(name.replace(/^\[|\]$/g, '')))
    c.comment(
      'nginx checks an upstream certificate by name only, never by IP address: give the group tls.server_name for it to verify',
    );
}

function isUrl(group: HttpUpstreamConfig): boolean {
  return typeof parseUpstreamUrl(group.name) !== 'string';
}

/** The proxy_ssl_* lines of a location proxying to a TLS group. */
export function exportProxyTls(c: Conf, group: HttpUpstreamConfig, opts: TlsExportOptions): void {
  const tls = group.tls;
  if (!tls) return;
  groupComments(c, group);
  c.line('proxy_ssl_server_name on;');
  c.line(`proxy_ssl_name ${tls.server_name ?? hostOf(group.servers[0]!.address)};`);
  c.line(`proxy_ssl_verify ${tls.verify ? 'on' : 'off'};`);
  if (!tls.verify) return;
  c.line(`proxy_ssl_verify_depth ${VERIFY_DEPTH};`);
  if (tls.ca !== undefined) {
    const abs = opts.resolvePath ?? ((p: string) => p);
    c.comment('nginx trusts only this file; Sluice trusts it besides the usual roots');
    c.line(`proxy_ssl_trusted_certificate ${quote(abs(tls.ca))};`);
  } else {
    c.comment("the system's trusted roots, as Sluice verifies against the usual roots");
    c.line(`proxy_ssl_trusted_certificate ${quote(opts.systemRoots ?? DEBIAN_SYSTEM_ROOTS)};`);
  }
}
