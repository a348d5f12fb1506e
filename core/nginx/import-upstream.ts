/**
 * nginx `upstream` blocks (http and stream) as Sluice upstream groups:
 * balancing method, servers with weight/max_fails/fail_timeout/backup/down/
 * max_conns, `keepalive`, and active checks written as ANX does inside the
 * block (`health_check interval=5s timeout=3s`) or as NGINX Plus does in a
 * proxying location (`health_check interval=5 fails=3 passes=2 uri=/health`),
 * and how the locations proxying to a group reach it (plain HTTP or TLS).
 */
import { nginxTime, type ImportContext, type Obj, type Scope } from './import-context.js';
import type { Directive } from './parse.js';

/** The upstream groups of one section (http or stream), by name, in file order. */
export class UpstreamTable {
  readonly list: Obj[] = [];
  private readonly names = new Set<string>();
  /** How each group is reached, as the first location proxying to it said. */
  private readonly transports = new Map<string, { key: string; d: Directive }>();

  constructor(
    private readonly ctx: ImportContext,
    private readonly section: 'http' | 'stream',
  ) {}

  has(name: string): boolean {
    return this.names.has(name);
  }

  get(name: string): Obj | undefined {
    return this.list.find((u) => u.name === name);
  }

  /** Imports one `upstream NAME { … }` block. */
  add(scope: Scope): void {
    const d = scope.node!;
    const name = d.args[0] ?? '';
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return this.ctx.skipBlock(d, `the name "${name}" is not a valid Sluice name`);
    if (this.names.has(name)) return this.ctx.skipBlock(d, `upstream "${name}" is defined twice; the first is kept`);
    const servers = scope.ownAll('server').flatMap((s) => this.server(s));
    if (servers.length === 0) return this.ctx.skipBlock(d, 'no server of it could be imported');
    const out: Obj = { name, balance: this.balance(scope), servers };
    const ka = scope.own('keepalive');
    if (ka && this.section === 'http') {
      if (/^\d+$/.test(ka.args[0] ?? '')) out.keepalive = Number(ka.args[0]);
      else this.ctx.skip(ka, `"${ka.args[0]}" is not a number`);
    }
    for (const k of ['keepalive_timeout', 'keepalive_requests', 'keepalive_time']) {
      const d = scope.own(k);
      if (d) this.ctx.skip(d, 'Sluice keeps idle upstream connections until the upstream closes them');
    }
    const hc = scope.own('health_check');
    if (hc) out.health_check = this.healthCheck(hc);
    this.names.add(name);
    this.list.push(out);
  }

  /** An upstream made for a `proxy_pass` to an address (nginx resolves it into a one-server group too). */
  implicit(address: string): string {
    const name = `up_${address.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
    if (!this.names.has(name)) {
      this.names.add(name);
      this.list.push({ name, servers: [{ address }] });
    }
    return name;
  }

  /**
   * Sets a group's TLS (undefined: plain HTTP) from the first location
   * proxying to it; nginx sets it per location, Sluice per group, so a
   * location asking for something else is noted.
   */
  useTls(group: string, tls: Obj | undefined, d: Directive): void {
    const key = JSON.stringify(tls ?? null);
    const first = this.transports.get(group);
    if (first) {
      if (first.key === key) return;
      const at = `${first.d.file}:${first.d.line}`;
      const how =
        first.key === 'null'
          ? `stays plain HTTP as ${at} proxies to it`
          : tls
            ? `keeps the TLS settings of ${at}`
            : `is reached over TLS as ${at} says`;
      this.ctx.info(d, `Sluice sets TLS per upstream group: ${group} ${how}`);
      return;
    }
    this.transports.set(group, { key, d });
    const u = this.get(group);
    if (u && tls) u.tls = tls;
  }

  /** NGINX Plus `health_check` in a location: applies to the group the location proxies to. */
  attachHealthCheck(group: string, d: Directive): void {
    const u = this.get(group);
    if (!u) return this.ctx.skip(d, `upstream "${group}" is not a group defined in this configuration`);
    if (u.health_check) return this.ctx.skip(d, `upstream "${group}" already has a health check`);
    u.health_check = this.healthCheck(d);
  }

  private balance(scope: Scope): string {
    const lc = scope.own('least_conn');
    const ih = scope.own('ip_hash');
    const rnd = scope.own('random');
    const hash = scope.own('hash');
    if (lc) return 'least_conn';
    if (ih) return 'ip_hash';
    if (rnd) {
      if (rnd.args.length && rnd.args[0] !== 'two')
        this.ctx.info(rnd, `random ${rnd.args.join(' ')} imported as random (two choices, the less loaded wins)`);
      return 'random';
    }
    if (hash) {
      const key = hash.args[0] ?? '';
      if (/^\$(binary_)?remote_addr$/.test(key)) return 'ip_hash';
      this.ctx.skip(
        hash,
        `Sluice hashes only the client address (ip_hash); "hash ${hash.args.join(' ')}" is balanced round robin`,
      );
    }
    return 'round_robin';
  }

  private server(d: Directive): Obj[] {
    const [addr, ...params] = d.args;
    if (!addr || addr.startsWith('unix:')) {
      this.ctx.skip(d, addr ? `unix sockets are not supported (${addr})` : 'no address');
      return [];
    }
    const address =
      /:\d+$/.test(addr) && !/^\[[^\]]*\]$/.test(addr) ? addr : `${addr}:${this.section === 'http' ? 80 : 0}`;
    if (this.section === 'stream' && !/:\d+$/.test(addr)) {
      this.ctx.skip(d, `a stream server needs a port (${addr})`);
      return [];
    }
    const out: Obj = { address };
    for (const p of params) {
      const [k, v = ''] = p.split('=');
      if ((k === 'weight' || k === 'max_fails' || k === 'max_conns') && /^\d+$/.test(v)) out[k] = Number(v);
      else if (k === 'fail_timeout' && nginxTime(v)) out.fail_timeout = nginxTime(v);
      else if (k === 'backup' || k === 'down') out[k] = true;
      else this.ctx.skip(d, `Sluice has no server parameter like it`, `server ${addr} ${p}`);
    }
    return [out];
  }

  /** `health_check interval=5s timeout=3s fails=3 passes=2 uri=/health` → a health_check object. */
  private healthCheck(d: Directive): Obj {
    const out: Obj = {};
    for (const p of d.args) {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      if ((k === 'interval' || k === 'timeout') && nginxTime(v)) out[k] = nginxTime(v);
      else if ((k === 'fails' || k === 'passes') && /^[1-9]\d*$/.test(v)) out[k] = Number(v);
      else if (k === 'uri' && v.startsWith('/') && this.section === 'http') out.path = v;
      else this.ctx.skip(d, 'Sluice checks with interval, timeout, fails, passes and (http) uri', `health_check ${p}`);
    }
    return out;
  }
}
