/**
 * `proxy_pass https://…` with its `proxy_ssl_*` settings as a Sluice
 * upstream `tls` block, nginx's defaults applied where nginx applies them:
 * no verification unless `proxy_ssl_verify on`, no SNI unless
 * `proxy_ssl_server_name on`, the name checked is `$proxy_host` unless
 * `proxy_ssl_name` says otherwise. A host proxied to directly whose settings
 * are the URL shorthand's (verified against the system's roots, named by its
 * host) reads back as `upstream: https://host[:port]`.
 */
import { isIpLiteral, parseAddress, parseUpstreamUrl, tlsHostHeader } from '../config/index.js';
import { SYSTEM_ROOT_BUNDLES, VERIFY_DEPTH } from './export-tls.js';
import { hasVariable, onOff, type Obj, type Scope } from './import-context.js';
import type { Directive } from './parse.js';

/** What a location says about TLS to its upstream, nginx's defaults applied. */
export interface ProxyTls {
  /** The name nginx checks the certificate against (and sends as SNI when asked to), without a port. */
  name: string;
  verify: boolean;
  /** True with `proxy_ssl_server_name on`. */
  sni: boolean;
  /** The trusted CA file; undefined for the system's roots or when nothing is verified. */
  ca?: string;
}

/** `host`, `host:port`, `[v6]:port` → the host alone (how nginx strips the port off $proxy_host). */
export function withoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') < 0 ? undefined : host.indexOf(']'));
  return host.replace(/:\d*$/, '');
}

/** Reads a location's proxy_ssl_* settings; `proxyHost` is the proxy_pass host as written. */
export function readProxyTls(scope: Scope, pass: Directive, proxyHost: string): ProxyTls {
  const ctx = scope.ctx;
  const verifyDir = scope.inherited('proxy_ssl_verify');
  const verify = onOff(verifyDir) === true;
  if (!verifyDir)
    ctx.info(
      pass,
      "nginx does not check the upstream's certificate without proxy_ssl_verify on: imported as verify: off",
    );
  const nameDir = scope.inherited('proxy_ssl_name');
  let name = withoutPort(proxyHost);
  const written = nameDir?.args[0] ?? '$proxy_host';
  if (written !== '$proxy_host' && hasVariable(written))
    ctx.skip(nameDir!, `${written} uses variables; Sluice names the upstream by a fixed name (here ${name})`);
  else if (written !== '$proxy_host') name = withoutPort(written);
  const sni = onOff(scope.inherited('proxy_ssl_server_name')) === true;
  const out: ProxyTls = { name: name.toLowerCase(), verify, sni };
  const trusted = scope.inherited('proxy_ssl_trusted_certificate');
  const file = trusted?.args[0] ?? '';
  if (trusted && !verify) ctx.skip(trusted, 'proxy_ssl_verify is off: nothing is checked against it');
  else if (trusted && hasVariable(file)) ctx.skip(trusted, `${file} uses variables`);
  else if (trusted && !SYSTEM_ROOT_BUNDLES.includes(file)) out.ca = file;
  if (verify && !trusted)
    ctx.info(
      verifyDir!,
      "nginx trusts no CA without proxy_ssl_trusted_certificate (every certificate fails); Sluice verifies against the system's roots",
    );
  const depth = scope.inherited('proxy_ssl_verify_depth');
  if (depth && verify && Number(depth.args[0]) < VERIFY_DEPTH)
    ctx.info(
      depth,
      `Sluice verifies chains of up to ${VERIFY_DEPTH} certificates; the limit ${depth.args[0]} is not imported`,
    );
  return out;
}

/** True when a directly named host's settings are what `upstream: https://host[:port]` does. */
export function fitsUrlShorthand(hostPort: string, t: ProxyTls): boolean {
  const url = parseUpstreamUrl(`https://${hostPort}`);
  return typeof url !== 'string' && t.verify && t.ca === undefined && t.name === url.host;
}

/** The host (normalised: localhost is 127.0.0.1) Sluice derives a TLS name from for a server address. */
function addressHost(address: string): string {
  return parseAddress(address)?.host ?? withoutPort(address);
}

/**
 * The `tls` block of a group whose first server is `firstAddress`:
 * `server_name` only where it differs from what Sluice derives itself.
 * Notes what nginx did differently (SNI).
 */
export function groupTls(scope: Scope, pass: Directive, t: ProxyTls, firstAddress: string): Obj {
  const ctx = scope.ctx;
  const derived = addressHost(firstAddress);
  const out: Obj = {};
  // Without verification or SNI, nginx uses the name for nothing: Sluice's own default stands.
  const name = t.verify || t.sni ? t.name : derived;
  if (name !== derived) {
    const nameDir = scope.inherited('proxy_ssl_name') ?? pass;
    if (isIpLiteral(name) || !/^[A-Za-z0-9.-]+$/.test(name))
      ctx.info(
        nameDir,
        `"${name}" is not a host name to send as SNI; Sluice checks each server's certificate against its own address`,
      );
    else out.server_name = name;
  }
  if (!t.verify) out.verify = 'off';
  if (t.ca !== undefined) out.ca = t.ca;
  const sent = (out.server_name as string | undefined) ?? (isIpLiteral(derived) ? '' : derived);
  if (!t.sni && sent)
    ctx.info(
      scope.inherited('proxy_ssl_server_name') ?? pass,
      `nginx sends no server name (SNI) without proxy_ssl_server_name on; Sluice sends ${sent}`,
    );
  return out;
}

/** The Host Sluice sends a TLS group by default (what the import leaves out when nginx sends the same). */
export function groupHost(firstAddress: string, tls: Obj): string {
  return tlsHostHeader(firstAddress, tls.server_name as string | undefined);
}
