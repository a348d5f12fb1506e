/**
 * One nginx `location` (nested ones too) as Sluice routes. The handler is
 * chosen in nginx's order — `return`, then `proxy_pass`, then an nchan or
 * ANX push channel, then static files from `alias` or the inherited `root`
 * (root + path, as nginx joins them) — and the route takes what applies to
 * it: limit_rate / bandwidth_limit, add_header, client_max_body_size,
 * limit_except (methods).
 */
import { hasVariable, nginxSize, nginxTime, onOff, type Obj, type Scope } from './import-context.js';
import { importProxy } from './import-proxy.js';
import type { UpstreamTable } from './import-upstream.js';
import type { Directive } from './parse.js';

/** What the http section decided that locations use. */
export interface HttpSettings {
  ups: UpstreamTable;
  /** ANX push channel routes made so far, with the server they belong to (push_port serves them again). */
  push: { route: Obj; server: Scope | undefined }[];
}

/** A route with where it came from. */
export interface RouteDraft {
  route: Obj;
  loc: Directive;
  /** From `location = /p`: an exact match Sluice can only serve as a prefix. */
  exact: boolean;
  /** The export's `location = /p { return 301 /p/; }` beside a static `/p/`. */
  slashRedirect: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Routes of a location and the locations nested in it. */
export function importLocation(scope: Scope, http: HttpSettings): RouteDraft[] {
  const loc = scope.node!;
  scope.ctx.use(loc);
  const [first = '', second] = loc.args;
  const mod = second !== undefined ? first : first.startsWith('=') && first.length > 1 ? '=' : '';
  const raw = second ?? (mod === '=' ? first.slice(1) : first);
  if (mod === '~' || mod === '~*' || raw.startsWith('@')) {
    scope.ctx.skipBlock(
      loc,
      `${raw.startsWith('@') ? 'named' : 'regex'} locations have no Sluice equivalent (routes match by path prefix)`,
    );
    return [];
  }
  if (!raw.startsWith('/')) {
    scope.ctx.skipBlock(loc, `"${raw}" does not start with "/"`);
    return [];
  }
  const path = raw === '/' ? '/' : raw.replace(/\/+$/, '');
  const out: RouteDraft[] = [];
  const route = buildRoute(scope, path, http);
  if (route) {
    const ret = route.respond as Obj | undefined;
    const slashRedirect =
      mod === '=' &&
      ret !== undefined &&
      ret.status === 301 &&
      (ret.headers as Obj | undefined)?.Location === `${path}/`;
    out.push({ route, loc, exact: mod === '=', slashRedirect });
  }
  for (const d of scope.block) if (d.name === 'location') out.push(...importLocation(scope.child(d, 'location'), http));
  return out;
}

/** The route of one location (without its nested locations); undefined when it cannot be imported (noted). */
function buildRoute(scope: Scope, path: string, http: HttpSettings): Obj | undefined {
  const route: Obj = { path };
  const kind = handler(scope, path, http, route);
  if (!kind) return undefined;
  const methods = limitExcept(scope);
  if (methods) route.methods = methods;
  applyLimit(scope, route);
  applyHeaders(scope, route, kind);
  const body = scope.inherited('client_max_body_size');
  const size = body?.args[0];
  if (body && size !== '0') {
    if (size && nginxSize(size)) route.max_body_size = nginxSize(size);
    else scope.ctx.skip(body, `"${size}" is not a size`);
  } else if (!body && kind === 'proxy') route.max_body_size = '1m'; // nginx's default
  const lc = scope.own('limit_conn');
  if (lc) scope.ctx.skip(lc, 'Sluice caps connections per server (max_connections), not per location');
  const gz = scope.own('gzip');
  if (gz) scope.ctx.skip(gz, 'Sluice compresses per server, not per location');
  const cte = scope.inherited('chunked_transfer_encoding');
  if (cte && onOff(cte) === false) scope.ctx.skip(cte, 'Sluice always sends a response of unknown length chunked');
  return route;
}

/** Sets the route's kind in nginx's order of handlers; returns it, or undefined when none applies. */
function handler(scope: Scope, path: string, http: HttpSettings, route: Obj): string | undefined {
  const ctx = scope.ctx;
  const ret = scope.own('return');
  if (ret) return returnRoute(scope, ret, route) ? 'respond' : undefined;
  const pass = scope.own('proxy_pass');
  if (pass) {
    const proxy = importProxy(scope, pass, http.ups);
    if (!proxy) return undefined;
    route.proxy = proxy;
    return 'proxy';
  }
  const sub = scope.own('nchan_subscriber');
  if (sub) return nchanRoute(scope, sub, route) ? 'sse' : undefined;
  const pub = scope.own('nchan_publisher');
  if (pub) {
    ctx.skipBlock(
      scope.node!,
      'publish through the admin API (POST /api/channels/NAME/events), which the admin listener serves',
      `location ${path} (nchan_publisher)`,
    );
    return undefined;
  }
  const pushChannel = scope.own('push_channel');
  const pushType = scope.own('push_type');
  if (pushChannel || pushType) return pushRoute(scope, http, route, pushChannel, pushType) ? 'sse' : undefined;
  return staticRoute(scope, path, route) ? 'static' : undefined;
}

/** `return CODE [TEXT]`, `return 3xx URL`, `return URL`, `return 444`. */
function returnRoute(scope: Scope, ret: Directive, route: Obj): boolean | void {
  const ctx = scope.ctx;
  const [a = '', b] = ret.args;
  const url = /^(https?:\/\/|\$scheme)/.test(a) ? a : undefined;
  const code = url ? 302 : Number(a);
  if (!Number.isInteger(code) || code < 100 || code > 999)
    return ctx.skip(ret, `"${ret.args.join(' ')}" is not a status code`);
  if (code === 444) {
    route.respond = { status: 503 };
    route.faults = { drop_connection: 1 };
    return true;
  }
  if (code > 599) return ctx.skip(ret, `status ${code} is outside 100–599`);
  const text = (url ?? b ?? '').replace(/\$\{dollar\}|\$dollar\b/g, '$');
  const respond: Obj = { status: code };
  if (REDIRECTS.has(code) && (url || b !== undefined)) {
    if (hasVariable(text)) return ctx.skip(ret, `the redirect target ${text} uses variables`);
    respond.headers = { Location: text };
  } else if (text) {
    if (hasVariable(text)) ctx.info(ret, 'the text uses nginx variables; imported as written');
    respond.body = text;
  }
  const dt = scope.inherited('default_type');
  if (dt?.args[0] && respond.body !== undefined) respond.content_type = dt.args[0];
  route.respond = respond;
  return true;
}

/** An nchan subscriber location as an SSE channel route. */
function nchanRoute(scope: Scope, sub: Directive, route: Obj): boolean | void {
  const ctx = scope.ctx;
  const types = sub.args.length
    ? sub.args
    : ['websocket', 'eventsource', 'longpoll', 'intervalpoll', 'chunked', 'multipart-mixed', 'http-raw-stream'];
  if (!types.includes('eventsource'))
    return ctx.skipBlock(
      scope.node!,
      `Sluice channels speak Server-Sent Events; nchan_subscriber ${types.join(' ')} has no eventsource`,
    );
  const others = types.filter((t) => t !== 'eventsource');
  if (others.length) ctx.info(sub, `only eventsource is imported (${others.join(', ')} are not)`);
  const idDir = scope.inherited('nchan_channel_id') ?? scope.inherited('nchan_subscriber_channel_id');
  const id = idDir?.args;
  if (!idDir || !id?.length) return ctx.skipBlock(scope.node!, 'no nchan_channel_id');
  if (id.length > 1)
    return ctx.skipBlock(scope.node!, 'a location subscribing to several channels has no Sluice equivalent');
  if (hasVariable(id[0]!) || !/^[A-Za-z0-9_.-]+$/.test(id[0]!))
    return ctx.skipBlock(scope.node!, `the channel id ${id[0]} is not a fixed name`);
  const sse: Obj = { channel: id[0] };
  const buf = scope.inherited('nchan_message_buffer_length');
  sse.replay = buf && /^\d+$/.test(buf.args[0] ?? '') ? Number(buf.args[0]) : 10; // nchan keeps 10 by default
  const ping = scope.inherited('nchan_eventsource_ping_interval');
  if (ping && ping.args[0] !== '0' && nginxTime(ping.args[0] ?? '')) sse.heartbeat = nginxTime(ping.args[0]!);
  scope.inherited('nchan_eventsource_ping_comment');
  scope.inherited('nchan_eventsource_ping_event');
  const max = scope.inherited('nchan_max_channel_subscribers');
  if (max && /^[1-9]\d*$/.test(max.args[0] ?? '')) sse.max_clients = Number(max.args[0]);
  const firstMsg = scope.inherited('nchan_subscriber_first_message');
  if (firstMsg?.args[0] !== 'newest')
    ctx.info(
      firstMsg ?? sub,
      'a new Sluice subscriber gets the events published after it connects (nchan sends it the buffered ones first unless nchan_subscriber_first_message newest)',
    );
  const acao = scope.inherited('nchan_access_control_allow_origin');
  if (acao) route.cors = acao.args[0] ? acao.args[0] : false;
  const timeout = scope.inherited('nchan_message_timeout');
  if (timeout && timeout.args[0] !== '0') ctx.info(timeout, 'Sluice keeps the last `replay` events without expiry');
  route.sse = sse;
  return true;
}

/** ANX `push_type sse; push_channel NAME;` as an SSE channel route. */
function pushRoute(
  scope: Scope,
  http: HttpSettings,
  route: Obj,
  channel: Directive | undefined,
  type: Directive | undefined,
): boolean | void {
  const ctx = scope.ctx;
  const loc = scope.node!;
  const enabled = scope.inherited('push_enabled');
  if (onOff(enabled) !== true)
    return ctx.skipBlock(loc, enabled ? 'push_enabled is off' : 'push_enabled on is missing');
  if (type && type.args[0] !== 'sse')
    return ctx.skipBlock(loc, `push_type ${type.args[0]}: Sluice channels speak Server-Sent Events`);
  const name = channel?.args[0];
  if (!name || !/^[A-Za-z0-9_.-]+$/.test(name))
    return ctx.skipBlock(loc, name ? `"${name}" is not a valid channel name` : 'no push_channel');
  const sse: Obj = { channel: name };
  const max = scope.inherited('push_max_clients');
  const beat = scope.inherited('push_heartbeat_interval');
  if (max && /^[1-9]\d*$/.test(max.args[0] ?? '')) sse.max_clients = Number(max.args[0]);
  if (beat && nginxTime(beat.args[0] ?? '')) sse.heartbeat = nginxTime(beat.args[0]!);
  route.sse = sse;
  http.push.push({ route, server: scope.up('server') });
  return true;
}

/** Static files: `alias` as is, or the inherited `root` joined with the location path. */
function staticRoute(scope: Scope, path: string, route: Obj): boolean | void {
  const ctx = scope.ctx;
  const alias = scope.own('alias');
  const root = alias ? undefined : scope.inherited('root');
  let dir: string;
  if (alias) dir = (alias.args[0] ?? '').replace(/(.)\/+$/, '$1');
  else if (root) dir = `${(root.args[0] ?? '').replace(/\/+$/, '')}${path === '/' ? '' : path}` || '/';
  else {
    dir = path === '/' ? 'html' : `html${path}`;
    ctx.info(scope.node!, `no root or alias: nginx serves <prefix>/${dir}; imported as ./${dir}`);
  }
  const d = alias ?? root;
  if (d && hasVariable(d.args[0] ?? '')) return ctx.skipBlock(scope.node!, `${d.name} ${d.args[0]} uses variables`);
  const st: Obj = { root: dir };
  const index = scope.inherited('index');
  if (index?.args[0]) {
    st.index = index.args[0];
    if (index.args.length > 1)
      ctx.info(
        index,
        `Sluice tries one index name; ${index.args[0]} is imported, ${index.args.slice(1).join(' ')} not`,
      );
  }
  const auto = scope.inherited('autoindex');
  if (onOff(auto)) st.autoindex = true;
  const tryFiles = scope.own('try_files');
  if (tryFiles && tryFiles.args.join(' ') !== '$uri $uri/ =404')
    ctx.skip(tryFiles, 'Sluice serves the file or directory the path names, else 404 (try_files $uri $uri/ =404)');
  route.static = st;
  return true;
}

/** `limit_except GET POST { deny all; }` → the methods the route answers. */
function limitExcept(scope: Scope): string[] | undefined {
  const le = scope.own('limit_except');
  if (!le) return undefined;
  const inner = scope.child(le, 'limit_except');
  const deny = inner.own('deny');
  if (!deny || deny.args[0] !== 'all')
    scope.ctx.info(le, 'other methods get 405 in Sluice (access rules inside limit_except are not imported)');
  const methods = le.args.map((m) => m.toUpperCase());
  return methods.filter((m, i) => methods.indexOf(m) === i && !(m === 'HEAD' && methods.includes('GET')));
}

/** limit_rate / limit_rate_after (server and location; http-level ones are the server-wide default) or ANX bandwidth_limit. */
function applyLimit(scope: Scope, route: Obj): void {
  const ctx = scope.ctx;
  const enable = onOff(scope.inherited('enable_bandwidth_limit'));
  // The nearest limit wins: a location's bandwidth_limit over its server's limit_rate, and the other way round.
  const d = scope.nearest(
    enable ? ['limit_rate', 'bandwidth_limit', 'default_rate_limit'] : ['limit_rate', 'bandwidth_limit'],
    'server',
  );
  if (!d) return;
  const anx = d.name === 'limit_rate' ? undefined : d;
  const after = anx ? undefined : scope.inherited('limit_rate_after', 'server');
  const v = d.args[0] ?? '';
  if (anx && enable === false) return ctx.skip(anx, 'enable_bandwidth_limit is off');
  if (hasVariable(v)) return ctx.skip(d, `${v} uses variables (Sluice's server-wide rules live in http.limits)`);
  if (v === '0') return;
  if (!nginxSize(v)) return ctx.skip(d, `"${v}" is not a rate`);
  const limit: Obj = { rate: nginxSize(v) };
  const a = after?.args[0];
  if (a && a !== '0' && nginxSize(a)) limit.after = nginxSize(a);
  const burst = anx && enable ? scope.inherited('default_burst_size') : undefined;
  if (burst && nginxSize(burst.args[0] ?? '')) limit.burst = nginxSize(burst.args[0]!);
  route.limit = limit;
}

/** add_header (nginx inheritance: the nearest level with any wins); Access-Control-Allow-Origin is the route's cors. */
function applyHeaders(scope: Scope, route: Obj, kind: string): void {
  const headers: Record<string, string> = {};
  let cors = (route.cors as string | false | undefined) ?? (kind === 'proxy' ? undefined : false);
  for (const d of scope.inheritedList('add_header')) {
    const [name = '', value = ''] = d.args;
    if (hasVariable(value)) {
      scope.ctx.skip(d, `${name} ${value} uses variables`);
      continue;
    }
    const v = value.replace(/\$\{dollar\}|\$dollar\b/g, '$');
    const lower = name.toLowerCase();
    if (lower === 'access-control-allow-origin') cors = v;
    else if (lower === 'cache-control' && kind === 'static' && /^max-age=\d+$/.test(v))
      (route.static as Obj).max_age = `${v.slice(8)}s`;
    else headers[name] = v;
  }
  if (cors !== undefined) route.cors = cors;
  if (Object.keys(headers).length) route.headers = headers;
}
