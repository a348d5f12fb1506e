/**
 * An nginx.conf as a Sluice document, for the subset both share:
 *
 *   http { upstream {server … weight= max_fails= fail_timeout= backup down; least_conn|ip_hash|random}
 *          server { listen; location P { alias|root; proxy_pass; return; limit_rate[_after];
 *                                        proxy_buffering; proxy_*_timeout } } }
 *   stream { upstream {…} server { listen [udp]; proxy_pass; proxy_timeout; proxy_responses;
 *                                  proxy_download_rate / proxy_upload_rate } }
 *
 * `limit_rate` inherits http → server → location as in nginx. Anything else
 * becomes a note (regex locations, variables, includes). The result is
 * validated with the Sluice schema before it is returned.
 */
import { stringify } from 'yaml';
import { validateConfigObject, formatConfigError } from '../config/index.js';
import { find, findAll, parseNginx, type Directive } from './parse.js';

/** The outcome of an import. */
export type ImportResult =
  | { ok: true; yaml: string; notes: string[]; config: Record<string, unknown> }
  | { ok: false; errors: { line: number; col: number; message: string }[] };

type Obj = Record<string, unknown>;

/** nginx times: a bare number is seconds. */
function time(v: string): string {
  return /^\d+$/.test(v) ? `${v}s` : v;
}

/** `listen 8080` / `*:80` / `[::]:80` / `127.0.0.1:80 default_server` → host:port (nginx's all-interfaces becomes loopback). */
function listenAddr(args: string[], notes: string[], where: string): string | undefined {
  const a = args[0] ?? '';
  if (a.startsWith('unix:')) {
    notes.push(`${where}: unix sockets are not supported (${a})`);
    return undefined;
  }
  if (/^\d+$/.test(a)) {
    notes.push(`${where}: "listen ${a}" binds every interface in nginx; imported as 127.0.0.1:${a}`);
    return `127.0.0.1:${a}`;
  }
  if (a.startsWith('*:')) return `0.0.0.0:${a.slice(2)}`;
  return a;
}

/** Parses an nginx.conf and maps it onto a Sluice config (YAML text plus notes). */
export function importNginx(text: string, file = 'nginx.conf'): ImportResult {
  const parsed = parseNginx(text);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const notes: string[] = [];
  const top = parsed.directives;
  for (const d of findAll(top, 'include')) notes.push(`${d.line}: include ${d.args[0]} is not followed`);
  const config: Obj = { version: 1 };
  const http = find(top, 'http');
  if (http?.block) config.http = importHttp(http.block, notes);
  const stream = find(top, 'stream');
  if (stream?.block) config.stream = importStream(stream.block, notes);
  const check = validateConfigObject(config, file);
  if (!check.ok)
    return {
      ok: false,
      errors: check.errors.map((e) => ({
        line: 0,
        col: 0,
        message: `imported config is not valid: ${formatConfigError(e).replace(/^[^:]*:\d+:\d+: /, '')} (${e.path})`,
      })),
    };
  const yaml = `# imported by \`sluice import-nginx ${file}\`\n${stringify(config, { lineWidth: 0 })}`;
  return { ok: true, yaml, notes, config };
}

function importUpstream(d: Directive, notes: string[]): Obj {
  const block = d.block ?? [];
  const balance = find(block, 'least_conn')
    ? 'least_conn'
    : find(block, 'ip_hash')
      ? 'ip_hash'
      : find(block, 'random')
        ? 'random'
        : find(block, 'hash')
          ? 'ip_hash'
          : 'round_robin';
  if (find(block, 'hash') && find(block, 'hash')!.args[0] !== '$remote_addr')
    notes.push(`${d.line}: upstream ${d.args[0]}: hash ${find(block, 'hash')!.args[0]} imported as ip_hash`);
  const servers = findAll(block, 'server').map((s) => {
    const out: Obj = { address: s.args[0] };
    for (const p of s.args.slice(1)) {
      const [k, v] = p.split('=');
      if (k === 'weight' || k === 'max_fails' || k === 'max_conns') out[k] = Number(v);
      else if (k === 'fail_timeout') out.fail_timeout = time(v!);
      else if (k === 'backup' || k === 'down') out[k] = true;
      else notes.push(`${s.line}: server parameter ${p} ignored`);
    }
    return out;
  });
  const out: Obj = { name: d.args[0], balance, servers };
  const ka = find(block, 'keepalive');
  if (ka) out.keepalive = Number(ka.args[0]);
  return out;
}

/** limit_rate / limit_rate_after as inherited down to one location. */
interface Inherited {
  rate?: string;
  after?: string;
}

function inherit(block: Directive[], parent: Inherited, notes: string[]): Inherited {
  const rate = find(block, 'limit_rate');
  const after = find(block, 'limit_rate_after');
  const out = { ...parent };
  for (const [d, key] of [
    [rate, 'rate'],
    [after, 'after'],
  ] as const) {
    if (!d) continue;
    if (d.args[0]!.includes('$')) notes.push(`${d.line}: ${d.name} ${d.args[0]} uses variables; left out`);
    else out[key] = d.args[0];
  }
  return out;
}

function importHttp(block: Directive[], notes: string[]): Obj {
  const upstreams = findAll(block, 'upstream').map((u) => importUpstream(u, notes));
  const names = new Set(upstreams.map((u) => u.name as string));
  // http-level limit_rate is the server-wide default; server-level ones are inherited by locations.
  const httpLimit = inherit(block, {}, notes);
  const limits =
    httpLimit.rate && httpLimit.rate !== '0'
      ? {
          default: {
            rate: httpLimit.rate,
            ...(httpLimit.after && httpLimit.after !== '0' ? { after: httpLimit.after } : {}),
          },
        }
      : undefined;
  const servers = findAll(block, 'server').map((s, i) => {
    const sb = s.block ?? [];
    const name = find(sb, 'server_name')?.args[0]?.replace(/[^A-Za-z0-9_-]/g, '_') || `server${i + 1}`;
    const listen = listenAddr(find(sb, 'listen')?.args ?? ['80'], notes, `${s.line}`);
    const limit = inherit(sb, {}, notes);
    const routes: Obj[] = [];
    for (const loc of findAll(sb, 'location')) {
      const r = importLocation(loc, limit, upstreams, names, notes);
      if (r && !routes.some((x) => x.path === r.path)) routes.push(r);
    }
    return { name, listen, routes };
  });
  return { servers, upstreams, ...(limits ? { limits } : {}) };
}

function importLocation(
  loc: Directive,
  parent: Inherited,
  upstreams: Obj[],
  names: Set<string>,
  notes: string[],
): Obj | undefined {
  const [mod, p] = loc.args.length > 1 ? [loc.args[0], loc.args[1]!] : ['', loc.args[0]!];
  if (mod === '~' || mod === '~*' || mod === '@' || p.startsWith('@')) {
    notes.push(`${loc.line}: location ${loc.args.join(' ')} (regex or named) is not supported; left out`);
    return undefined;
  }
  const block = loc.block ?? [];
  const path = p === '/' ? '/' : p.replace(/\/$/, '');
  const route: Obj = { path };
  const ret = find(block, 'return');
  const alias = find(block, 'alias');
  const root = find(block, 'root');
  const proxy = find(block, 'proxy_pass');
  if (ret && /^30[1278]$/.test(ret.args[0] ?? '') && mod === '=') return undefined; // export's "/x → /x/" redirect
  if (alias) route.static = { root: alias.args[0]!.replace(/(.)\/$/, '$1') };
  else if (root) route.static = { root: `${root.args[0]!.replace(/\/$/, '')}${path === '/' ? '' : path}` };
  else if (proxy) route.proxy = importProxy(proxy, block, upstreams, names, notes);
  else if (ret) {
    const code = Number(ret.args[0]);
    if (!Number.isInteger(code)) {
      notes.push(`${ret.line}: return ${ret.args.join(' ')} left out`);
      return undefined;
    }
    const dt = find(block, 'default_type');
    const body = (ret.args[1] ?? '').replace(/\$\{dollar\}|\$dollar\b/g, '$');
    if (/\$[a-z_{]/i.test(body)) notes.push(`${ret.line}: return text with nginx variables is imported literally`);
    route.respond = { status: code, body, ...(dt ? { content_type: dt.args[0] } : {}) };
  } else {
    notes.push(`${loc.line}: location ${p} has no alias, root, proxy_pass or return; left out`);
    return undefined;
  }
  const ai = find(block, 'autoindex');
  if (route.static && ai?.args[0] === 'on') (route.static as Obj).autoindex = true;
  const lim = inherit(block, parent, notes);
  if (lim.rate && lim.rate !== '0')
    route.limit = { rate: lim.rate, ...(lim.after && lim.after !== '0' ? { after: lim.after } : {}) };
  return route;
}

function importProxy(d: Directive, block: Directive[], upstreams: Obj[], names: Set<string>, notes: string[]): Obj {
  const target = d.args[0]!.replace(/^https?:\/\//, '');
  if (/^https:/.test(d.args[0]!)) notes.push(`${d.line}: proxy_pass to https is imported as http`);
  const host = target.replace(/\/.*$/, '');
  if (target !== host)
    notes.push(`${d.line}: the URI part of proxy_pass ${d.args[0]} is dropped (Sluice forwards the full path)`);
  let upstream = host;
  if (!names.has(host)) {
    upstream = `up_${host.replace(/[^A-Za-z0-9]/g, '_')}`;
    if (!names.has(upstream)) {
      names.add(upstream);
      upstreams.push({ name: upstream, servers: [{ address: host.includes(':') ? host : `${host}:80` }] });
    }
  }
  const out: Obj = { upstream };
  const buf = find(block, 'proxy_buffering');
  if (buf) out.buffering = buf.args[0] === 'on';
  for (const [k, key] of [
    ['proxy_connect_timeout', 'connect_timeout'],
    ['proxy_read_timeout', 'read_timeout'],
    ['proxy_send_timeout', 'send_timeout'],
  ] as const) {
    const t = find(block, k);
    if (t) out[key] = time(t.args[0]!);
  }
  const tries = find(block, 'proxy_next_upstream_tries');
  if (tries) out.next_upstream_tries = Number(tries.args[0]);
  const hostHeader = findAll(block, 'proxy_set_header').find((h) => h.args[0]?.toLowerCase() === 'host');
  if (hostHeader && !hostHeader.args[1]!.includes('$')) out.host = hostHeader.args[1];
  return out;
}

function importStream(block: Directive[], notes: string[]): Obj {
  const upstreams = findAll(block, 'upstream').map((u) => importUpstream(u, notes));
  const names = new Set(upstreams.map((u) => u.name as string));
  const servers = findAll(block, 'server').map((s, i) => {
    const sb = s.block ?? [];
    const l = find(sb, 'listen');
    let target = find(sb, 'proxy_pass')?.args[0];
    if (target && !names.has(target)) {
      const name = `up_${target.replace(/[^A-Za-z0-9]/g, '_')}`;
      if (!names.has(name)) {
        names.add(name);
        upstreams.push({ name, servers: [{ address: target }] });
      }
      target = name;
    }
    const udp = l?.args.includes('udp') ?? false;
    const out: Obj = {
      name: `stream${i + 1}`,
      listen: listenAddr(l?.args ?? [], notes, `${s.line}`),
      protocol: udp ? 'udp' : 'tcp',
      upstream: target,
    };
    const pt = find(sb, 'proxy_timeout');
    if (pt) out.proxy_timeout = time(pt.args[0]!);
    const ct = find(sb, 'proxy_connect_timeout');
    if (ct) out.connect_timeout = time(ct.args[0]!);
    const pr = find(sb, 'proxy_responses');
    if (pr && udp) out.proxy_responses = Number(pr.args[0]);
    const down = find(sb, 'proxy_download_rate')?.args[0];
    const up = find(sb, 'proxy_upload_rate')?.args[0];
    const rate = down ?? up;
    if (rate && rate !== '0') {
      out.limit = { rate, direction: down && up ? 'both' : down ? 'out' : 'in' };
      if (down && up && down !== up)
        notes.push(`${s.line}: different upload and download rates; imported ${down} both ways`);
    }
    return out;
  });
  return { upstreams, servers };
}
