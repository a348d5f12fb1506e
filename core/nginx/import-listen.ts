/**
 * nginx `listen` as a Sluice address. nginx's "every interface" forms
 * (`8080`, `*:8080`, `[::]:8080`) become 127.0.0.1 — Sluice's default, so an
 * imported workbench is not opened to the network by accident — with a note;
 * an explicit address is kept. Parameters nginx tunes the socket with are
 * listed; `ssl`, `http2` and `default_server` are read.
 */
import type { ImportContext } from './import-context.js';
import type { Directive } from './parse.js';

/** One parsed listen directive. */
export interface Listen {
  d: Directive;
  /** Sluice form: `127.0.0.1:8080`, `[::1]:8080`. */
  address: string;
  /** nginx's all-interfaces form on IPv6 (`[::]:80`), usually a twin of an IPv4 listen. */
  v6any: boolean;
  ssl: boolean;
  http2: boolean;
  udp: boolean;
  defaultServer: boolean;
}

/** Socket parameters Sluice sets itself; each is noted once per listen. */
const SOCKET_PARAMS =
  /^(backlog|rcvbuf|sndbuf|accept_filter|deferred|bind|ipv6only|reuseport|so_keepalive|fastopen|setfib|proxy_protocol|quic|reuseport)(=|$)/;

/** Parses one listen; undefined when it cannot be imported (noted). `defaultPort` is nginx's 80 (http) or none (stream). */
export function parseListen(ctx: ImportContext, d: Directive, section: 'http' | 'stream'): Listen | undefined {
  const [addr = '', ...params] = d.args;
  if (addr.startsWith('unix:')) return void ctx.skip(d, `unix sockets are not supported (${addr})`);
  const out: Listen = { d, address: '', v6any: false, ssl: false, http2: false, udp: false, defaultServer: false };
  for (const p of params) {
    if (p === 'default_server' || p === 'default') out.defaultServer = true;
    else if (p === 'ssl') out.ssl = true;
    else if (p === 'http2') out.http2 = true;
    else if (p === 'udp' && section === 'stream') out.udp = true;
    else if (SOCKET_PARAMS.test(p)) ctx.skip(d, 'Sluice sets its sockets up itself', `listen ${p}`);
    else ctx.skip(d, 'Sluice has no such listen parameter', `listen ${p}`);
  }
  let host: string | undefined;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(addr);
  if (v6) [host, port] = [v6[1], v6[2]];
  else if (/^\d+$/.test(addr)) port = addr;
  else if (/^[^:]+:\d+$/.test(addr)) [host, port] = addr.split(':') as [string, string];
  else if (/^[A-Za-z0-9.*-]+$/.test(addr)) host = addr;
  else return void ctx.skip(d, `"${addr}" is not an address`);
  if (port === undefined) {
    if (section === 'stream') return void ctx.skip(d, `a stream listen needs a port (${addr})`);
    port = '80';
  }
  const every = host === undefined || host === '*' || host === '::';
  out.v6any = host === '::';
  if (every) {
    out.address = `127.0.0.1:${port}`;
    ctx.info(
      d,
      `nginx listens on every interface; imported as 127.0.0.1:${port} (write 0.0.0.0:${port} to open it to the network)`,
    );
  } else
    out.address = host!.includes(':') ? `[${host}]:${port}` : `${host === 'localhost' ? '127.0.0.1' : host}:${port}`;
  return out;
}
