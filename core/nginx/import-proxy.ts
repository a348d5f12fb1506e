/**
 * A proxying location (`proxy_pass`) as a Sluice `proxy`: the target group
 * (an upstream block, or a one-server group made for an address; over TLS
 * for https, or the URL shorthand for a host named directly), nginx's
 * prefix replacement when proxy_pass has a URI part, buffering, timeouts,
 * next-upstream tries, and the request headers — the X-Forwarded-* / X-Real-IP
 * / Upgrade set Sluice sends anyway is recognised, literal extras are kept.
 */
import { isIpLiteral, parseUpstreamUrl } from '../config/index.js';
import { hasVariable, nginxTime, onOff, type Obj, type Scope } from './import-context.js';
import { fitsUrlShorthand, groupHost, groupTls, readProxyTls } from './import-proxy-tls.js';
import type { UpstreamTable } from './import-upstream.js';
import type { Directive } from './parse.js';

/** proxy_set_header lines Sluice's proxy already sends as nginx users write them. */
const BUILT_IN_HEADERS: Record<string, RegExp> = {
  'x-forwarded-for': /^\$proxy_add_x_forwarded_for$|^\$remote_addr$/,
  'x-real-ip': /^\$remote_addr$/,
  'x-forwarded-proto': /^\$scheme$|^https?$/,
  'x-forwarded-host': /^\$host$|^\$http_host$|^\$host:\$server_port$/,
  upgrade: /^\$http_upgrade$/,
  connection: /^\$connection_upgrade$|^\$sluice_connection$|^\$http_connection$|^"?upgrade"?$|^$|^close$|^keep-alive$/i,
};

/** The longest read_timeout nginx takes (its timers hold 2^31 ms): the export writes it for read_timeout 0. */
export const NGINX_NO_TIMEOUT = '24d';

/** Reads a location's proxy settings; undefined when proxy_pass cannot be imported (noted). */
export function importProxy(scope: Scope, pass: Directive, ups: UpstreamTable): Obj | undefined {
  const ctx = scope.ctx;
  const url = pass.args[0] ?? '';
  if (hasVariable(url))
    return void ctx.skip(pass, `the target ${url} uses variables; Sluice proxies to a fixed upstream`);
  const m = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(url);
  if (!m) return void ctx.skip(pass, `"${url}" is not an http:// or https:// URL`);
  const [, scheme, host, uri] = m;
  if (host!.startsWith('unix:')) return void ctx.skip(pass, `unix sockets are not supported (${host})`);
  const out: Obj = {};
  if (uri !== undefined) out.uri = uri;
  const loc = scope.node;
  if (loc && /^(~|~\*|@)/.test(loc.args[0] ?? '') && uri !== undefined)
    ctx.info(pass, 'a URI part after a regex location is applied as a prefix replacement');
  proxySettings(scope, out);
  const clientHost = proxyHeaders(scope, out, host!);
  const upstream =
    scheme === 'https' ? secureTarget(scope, pass, ups, host!, out, clientHost) : plainTarget(pass, ups, host!);
  const hc = scope.own('health_check');
  if (hc) ups.attachHealthCheck(upstream, hc);
  return { upstream, ...out };
}

/** `http://NAME`: the upstream block of that name, else a one-server group for the address. */
function plainTarget(pass: Directive, ups: UpstreamTable, host: string): string {
  const upstream = ups.has(host) ? host : ups.implicit(/:\d+$/.test(host) ? host : `${host}:80`);
  ups.useTls(upstream, undefined, pass);
  return upstream;
}

/**
 * `https://NAME`: the URL shorthand when a host is named directly with the
 * shorthand's settings, else a group (the upstream block, or one made for the
 * address) carrying the location's TLS settings. The Host Sluice sends such
 * an upstream by default is left out of the route.
 */
function secureTarget(
  scope: Scope,
  pass: Directive,
  ups: UpstreamTable,
  host: string,
  out: Obj,
  clientHost: Directive | undefined,
): string {
  const t = readProxyTls(scope, pass, host);
  let upstream: string;
  let defaultHost: string;
  const url = parseUpstreamUrl(`https://${host}`);
  if (!ups.has(host) && !scope.has('health_check') && typeof url !== 'string' && fitsUrlShorthand(host, t)) {
    upstream = url.name;
    defaultHost = url.authority;
    if (!t.sni && !isIpLiteral(url.host))
      scope.ctx.info(
        scope.inherited('proxy_ssl_server_name') ?? pass,
        `nginx sends no server name (SNI) without proxy_ssl_server_name on; Sluice sends ${url.host}`,
      );
  } else {
    upstream = ups.has(host) ? host : ups.implicit(/:\d+$/.test(host) ? host : `${host}:443`);
    const first = ((ups.get(upstream)!.servers as Obj[])[0]?.address as string | undefined) ?? host;
    const tls = groupTls(scope, pass, t, first);
    ups.useTls(upstream, tls, pass);
    defaultHost = groupHost(first, (ups.get(upstream)!.tls as Obj | undefined) ?? tls);
  }
  if (out.host === defaultHost) delete out.host;
  if (clientHost)
    scope.ctx.info(
      clientHost,
      `Sluice names a TLS upstream by its own host (Host: ${(out.host as string | undefined) ?? defaultHost}); the client's Host is not forwarded`,
    );
  return upstream;
}

function proxySettings(scope: Scope, out: Obj): void {
  const ctx = scope.ctx;
  const buffering = scope.inherited('proxy_buffering');
  if (onOff(buffering) !== undefined) out.buffering = onOff(buffering) ? 'on' : 'off';
  const reqBuf = scope.inherited('proxy_request_buffering');
  if (reqBuf && onOff(reqBuf) !== false)
    ctx.skip(reqBuf, 'Sluice streams request bodies to the upstream as they arrive (proxy_request_buffering off)');
  for (const [name, key] of [
    ['proxy_connect_timeout', 'connect_timeout'],
    ['proxy_read_timeout', 'read_timeout'],
    ['proxy_send_timeout', 'send_timeout'],
  ] as const) {
    const d = scope.inherited(name);
    if (!d) continue;
    const v = d.args[0] ?? '';
    if (key === 'read_timeout' && (v === '0' || v === NGINX_NO_TIMEOUT)) {
      out.read_timeout = 0;
      if (v === '0') ctx.info(d, 'nginx times out at once with 0; imported as 0, no timeout');
    } else if (v === '0') ctx.skip(d, `0 is not a usable ${key} (nginx would time out at once)`);
    else if (nginxTime(v)) out[key] = nginxTime(v);
    else ctx.skip(d, `"${v}" is not a time`);
  }
  const version = scope.inherited('proxy_http_version');
  if (version && version.args[0] !== '1.1')
    ctx.skip(version, 'Sluice speaks HTTP/1.1 to upstreams (keep-alive, chunked streaming)');
  const tries = scope.inherited('proxy_next_upstream_tries');
  if (tries && /^\d+$/.test(tries.args[0] ?? '')) out.next_upstream_tries = Number(tries.args[0]);
  const next = scope.inherited('proxy_next_upstream');
  if (next) {
    if (next.args[0] === 'off') out.next_upstream_tries = 1;
    const extra = next.args.filter((a) => !['error', 'timeout', 'off', 'non_idempotent'].includes(a));
    if (extra.length)
      ctx.info(
        next,
        `Sluice tries the next server on errors and timeouts before an answer; ${extra.join(', ')} not imported`,
      );
  }
  const nextTimeout = scope.inherited('proxy_next_upstream_timeout');
  if (nextTimeout && nextTimeout.args[0] !== '0')
    ctx.skip(nextTimeout, 'Sluice bounds retries by next_upstream_tries, not by time');
}

/**
 * Request headers; `proxyHost` is the proxy_pass host as written (nginx's
 * `$proxy_host`, its default Host). Returns the directive asking for the
 * client's Host, if one does.
 */
function proxyHeaders(scope: Scope, out: Obj, proxyHost: string): Directive | undefined {
  const ctx = scope.ctx;
  const extra: Record<string, string> = {};
  let host: string | undefined;
  let hostSet = false;
  let clientHost: Directive | undefined;
  for (const d of scope.inheritedList('proxy_set_header')) {
    const [name = '', value = ''] = d.args;
    const lower = name.toLowerCase();
    if (lower === 'host') {
      hostSet = true;
      if (value === '$host' || value === '$http_host') {
        clientHost = d; // Sluice's default for a plain group: the client's Host
        continue;
      }
      if (value === '$proxy_host') host = proxyHost;
      else if (hasVariable(value))
        ctx.skip(d, `the Host value ${value} uses variables; Sluice sends the client's Host`);
      else host = value;
      continue;
    }
    const builtIn = BUILT_IN_HEADERS[lower];
    if (builtIn?.test(value)) continue; // Sluice's proxy sets it the same way
    if (builtIn) ctx.info(d, `Sluice sets ${name} itself; the value ${value || '""'} is not imported`);
    else if (value === '') ctx.skip(d, `removing ${name} from proxied requests is not supported`);
    else if (hasVariable(value)) ctx.skip(d, `${name} ${value} uses variables; Sluice adds fixed headers only`);
    else extra[name] = value;
  }
  // nginx sends the proxy_pass host unless told otherwise.
  if (!hostSet) host = proxyHost;
  if (host !== undefined) out.host = host;
  if (Object.keys(extra).length) out.headers = extra;
  return clientHost;
}
