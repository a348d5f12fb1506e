/**
 * An nginx `stream` section as Sluice stream servers and upstreams: listen
 * (tcp or udp), proxy_pass to a group or an address, proxy_timeout,
 * proxy_connect_timeout, proxy_responses, proxy_next_upstream_tries,
 * proxy_download_rate / proxy_upload_rate, limit_conn (a zone keyed by the
 * server) as max_connections. A server's name comes from the comment above
 * it (`# stream server "pg"`, as the export writes it), else its position.
 */
import { hasVariable, nginxSize, nginxTime, type Obj, type Scope } from './import-context.js';
import { parseListen } from './import-listen.js';
import { UpstreamTable } from './import-upstream.js';
import type { Directive } from './parse.js';

/** Reads a `stream { … }` scope. */
export function importStream(scope: Scope): Obj {
  const ctx = scope.ctx;
  const ups = new UpstreamTable(ctx, 'stream');
  for (const u of scope.block.filter((d) => d.name === 'upstream')) {
    ctx.use(u);
    ups.add(scope.child(u, 'upstream'));
  }
  const servers: Obj[] = [];
  const names = new Set<string>();
  scope.block
    .filter((d) => d.name === 'server')
    .forEach((d, i) => {
      ctx.use(d);
      const s = importStreamServer(scope.child(d, 'stream-server'), ups, nameOf(d, i, names));
      if (s) servers.push(s);
    });
  return { upstreams: ups.list, servers };
}

function nameOf(d: Directive, i: number, used: Set<string>): string {
  const m = d.comments?.map((c) => /^stream server "([A-Za-z0-9_.-]+)"$/.exec(c)).find((x) => x);
  let name = m?.[1] ?? `stream${i + 1}`;
  for (let k = 2; used.has(name); k++) name = `${m?.[1] ?? `stream${i + 1}`}-${k}`;
  used.add(name);
  return name;
}

function importStreamServer(scope: Scope, ups: UpstreamTable, name: string): Obj | undefined {
  const ctx = scope.ctx;
  const node = scope.node!;
  const listens = scope.ownAll('listen');
  const listen = listens.map((d) => parseListen(ctx, d, 'stream')).find((l) => l !== undefined);
  for (const extra of listens.slice(1)) ctx.skip(extra, 'a Sluice stream server listens on one address');
  if (!listen) return void ctx.skipBlock(node, 'no listen address that can be imported');
  const pass = scope.own('proxy_pass');
  const target = pass?.args[0];
  if (!pass || !target) return void ctx.skipBlock(node, 'no proxy_pass');
  if (hasVariable(target)) return void ctx.skipBlock(node, `proxy_pass ${target} uses variables`);
  let upstream = target;
  if (!ups.has(target)) {
    if (!/:\d+$/.test(target))
      return void ctx.skipBlock(node, `proxy_pass ${target} is neither an upstream nor host:port`);
    upstream = ups.implicit(target);
  }
  const out: Obj = { name, listen: listen.address, protocol: listen.udp ? 'udp' : 'tcp', upstream };
  for (const [directive, key] of [
    ['proxy_timeout', 'proxy_timeout'],
    ['proxy_connect_timeout', 'connect_timeout'],
  ] as const) {
    const d = scope.inherited(directive);
    if (d && nginxTime(d.args[0] ?? '') && d.args[0] !== '0') out[key] = nginxTime(d.args[0]!);
    else if (d) ctx.skip(d, `"${d.args[0]}" is not a usable time`);
  }
  const tries = scope.inherited('proxy_next_upstream_tries');
  if (tries && /^\d+$/.test(tries.args[0] ?? '')) out.next_upstream_tries = Number(tries.args[0]);
  const responses = scope.inherited('proxy_responses');
  if (responses && listen.udp && /^\d+$/.test(responses.args[0] ?? '')) out.proxy_responses = Number(responses.args[0]);
  else if (responses)
    ctx.skip(
      responses,
      listen.udp ? `"${responses.args[0]}" is not a number` : 'proxy_responses applies to udp servers only',
    );
  limits(scope, out);
  const lc = scope.inherited('limit_conn');
  if (lc && /^[1-9]\d*$/.test(lc.args[1] ?? '')) out.max_connections = Number(lc.args[1]);
  return out;
}

/** proxy_download_rate (upstream → client) and proxy_upload_rate as one limit. */
function limits(scope: Scope, out: Obj): void {
  const down = scope.inherited('proxy_download_rate');
  const up = scope.inherited('proxy_upload_rate');
  const d = down && down.args[0] !== '0' ? nginxSize(down.args[0] ?? '') : undefined;
  const u = up && up.args[0] !== '0' ? nginxSize(up.args[0] ?? '') : undefined;
  if (d && u && d !== u) {
    scope.ctx.skip(up!, `Sluice has one rate per stream server; the download rate ${d} applies both ways`);
    out.limit = { rate: d, direction: 'both' };
  } else if (d && u) out.limit = { rate: d, direction: 'both' };
  else if (d) out.limit = { rate: d, direction: 'out' };
  else if (u) out.limit = { rate: u, direction: 'in' };
}
