/**
 * An nginx `http` section (or a bare file of `server`/`upstream` blocks) as
 * the `http` part of a Sluice config, plus what it implies elsewhere: a
 * server holding only nchan publishers becomes the admin listener (Sluice
 * publishes at `POST /api/channels/NAME/events`), ANX `push_port` becomes a
 * server of its own carrying the push channels, and http-level limits —
 * nginx `limit_rate`, ANX `enable_bandwidth_limit` / `default_rate_limit` /
 * `default_burst_size` / `min_file_size` — become `http.limits`.
 */
import { hasVariable, nginxSize, onOff, type ImportContext, type Obj, type Scope } from './import-context.js';
import { parseListen } from './import-listen.js';
import type { HttpSettings } from './import-location.js';
import { importServers } from './import-server.js';
import { UpstreamTable } from './import-upstream.js';

/** What an http section becomes. */
export interface HttpImport {
  http: Obj;
  admin?: Obj;
}

/** Reads an http scope (or the main scope of a bare server file). */
export function importHttp(scope: Scope): HttpImport {
  const ctx = scope.ctx;
  const ups = new UpstreamTable(ctx, 'http');
  for (const u of scope.block.filter((d) => d.name === 'upstream')) {
    ctx.use(u);
    ups.add(scope.child(u, 'upstream'));
  }
  const settings: HttpSettings = { ups, push: [] };
  const all = scope.block.filter((d) => d.name === 'server');
  ctx.use(...all);
  const serverScopes = all.map((d) => scope.child(d, 'server'));
  const publishers = serverScopes.filter(isPublisherServer);
  const admin = adminOf(ctx, publishers);
  const plain = serverScopes.filter((s) => !publishers.includes(s));
  const servers = importServers(plain, settings);
  for (const s of [scope, ...plain]) {
    const push = pushServer(s, settings, servers);
    if (push) servers.push(push);
  }
  const http: Obj = { servers, upstreams: ups.list };
  const limits = httpLimits(scope);
  if (limits) http.limits = limits;
  return { http, admin };
}

/** A server whose every location is an nchan publisher: nginx's side of Sluice's admin publish call. */
function isPublisherServer(s: Scope): boolean {
  const locs = s.block.filter((d) => d.name === 'location');
  return locs.length > 0 && locs.every((l) => l.block?.some((d) => d.name === 'nchan_publisher'));
}

/** The admin listener from the first publisher server; its publisher paths map onto the admin API's. */
function adminOf(ctx: ImportContext, publishers: Scope[]): Obj | undefined {
  let admin: Obj | undefined;
  for (const s of publishers) {
    if (admin) {
      ctx.skipBlock(s.node!, 'Sluice has one admin listener; another publisher server is already imported as it');
      continue;
    }
    const listen = s
      .ownAll('listen')
      .map((d) => parseListen(ctx, d, 'http'))
      .find((l) => l !== undefined);
    if (!listen) continue;
    admin = { listen: listen.address };
    s.ownAll('server_name');
    for (const loc of s.block.filter((d) => d.name === 'location')) {
      const ls = s.child(loc, 'location');
      ctx.use(loc);
      ls.own('nchan_publisher');
      ls.inherited('nchan_message_timeout');
      const le = ls.own('limit_except');
      if (le) ls.child(le, 'limit_except').own('deny');
      const id = ls.inherited('nchan_channel_id') ?? ls.inherited('nchan_publisher_channel_id');
      ls.inherited('nchan_message_buffer_length');
      const path = loc.args[loc.args.length - 1] ?? '';
      const name = id?.args[0] ?? '';
      if (path !== `/api/channels/${name}/events` || hasVariable(name)) {
        ctx.info(
          loc,
          `Sluice publishes on the admin address at POST /api/channels/{channel}/events (nginx published at ${loc.args.join(' ')})`,
        );
      }
    }
  }
  return admin;
}

/** ANX `push_port` (http or server level): a server of its own on that port, carrying the push channel routes in its scope. */
function pushServer(scope: Scope, settings: HttpSettings, servers: Obj[]): Obj | undefined {
  const ctx = scope.ctx;
  const port = scope.own('push_port');
  if (!port) return undefined;
  if (onOff(scope.inherited('push_enabled')) !== true) return void ctx.skip(port, 'push_enabled is not on');
  if (!/^\d+$/.test(port.args[0] ?? '')) return void ctx.skip(port, `"${port.args[0]}" is not a port`);
  const address = `127.0.0.1:${port.args[0]}`;
  if (servers.some((s) => s.listen === address)) return void ctx.skip(port, `${address} is already a server's address`);
  const mine = settings.push.filter((p) => scope.level !== 'server' || p.server === scope).map((p) => p.route);
  const routes = mine.filter((r, i, all) => all.findIndex((o) => o.path === r.path) === i);
  if (routes.length === 0) return void ctx.skip(port, 'no push channel location to serve there');
  ctx.info(port, `the push channels are served on ${address} too (the same channels as on their server)`);
  let name = 'push';
  for (let i = 2; servers.some((s) => s.name === name); i++) name = `push-${i}`;
  return { name, listen: address, routes: routes.map((r) => ({ ...r })) };
}

/** http-level limit_rate and ANX defaults as `http.limits`. */
function httpLimits(scope: Scope): Obj | undefined {
  const ctx = scope.ctx;
  const out: Obj = {};
  const rate = scope.own('limit_rate');
  const after = scope.own('limit_rate_after');
  if (rate && hasVariable(rate.args[0] ?? ''))
    ctx.skip(
      rate,
      `${rate.args[0]} uses variables: Sluice's limit rules (http.limits.rules) are not read back from map chains`,
    );
  else if (rate && rate.args[0] !== '0' && nginxSize(rate.args[0] ?? '')) {
    out.default = {
      rate: nginxSize(rate.args[0]!),
      ...(after && after.args[0] !== '0' && nginxSize(after.args[0] ?? '') ? { after: nginxSize(after.args[0]!) } : {}),
    };
  }
  if (after && hasVariable(after.args[0] ?? '')) ctx.skip(after, `${after.args[0]} uses variables`);
  const anx = anxDefault(scope);
  if (anx?.rule) out.rules = [anx.rule];
  else if (anx?.limit) {
    if (out.default) ctx.skip(anx.d, 'limit_rate at the http level already sets the default limit');
    else out.default = anx.limit;
  }
  return Object.keys(out).length ? out : undefined;
}

/** ANX `enable_bandwidth_limit on; default_rate_limit R; default_burst_size B; min_file_size S;`. */
function anxDefault(scope: Scope): { limit?: Obj; rule?: Obj; d: NonNullable<ReturnType<Scope['own']>> } | undefined {
  const ctx = scope.ctx;
  const enable = scope.own('enable_bandwidth_limit');
  const rate = scope.own('default_rate_limit');
  const burst = scope.own('default_burst_size');
  const min = scope.own('min_file_size');
  const rest = [rate, burst, min].filter((d) => d !== undefined);
  if (!onOff(enable)) {
    for (const d of rest)
      ctx.skip(d!, enable ? 'enable_bandwidth_limit is off' : 'enable_bandwidth_limit on is missing');
    return undefined;
  }
  const r = nginxSize(rate?.args[0] ?? '');
  if (!rate || !r) {
    for (const d of rest) ctx.skip(d!, 'no usable default_rate_limit');
    return undefined;
  }
  const limit: Obj = { rate: r };
  const b = nginxSize(burst?.args[0] ?? '');
  if (burst && b) limit.burst = b;
  else if (burst) ctx.skip(burst, `"${burst.args[0]}" is not a size`);
  const m = nginxSize(min?.args[0] ?? '');
  if (min && m) return { rule: { match: { min_size: m }, ...limit }, d: rate };
  if (min) ctx.skip(min, `"${min.args[0]}" is not a size`);
  return { limit, d: rate };
}
