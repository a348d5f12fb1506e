/**
 * `sluice publish CHANNEL DATA [--event E] [--id I] [--admin URL] [--token T] [--config FILE]`:
 * publishes one event through a running engine's admin API (or the nchan
 * publisher of an exported nginx, at the same path) and prints its id.
 * The admin address comes from --admin, else the config file's `admin.listen`,
 * else 127.0.0.1:9900; the token from --token, else the config file.
 */
import type { Command } from 'commander';
import { formatConfigError } from '../config/index.js';
import { loadConfigFile } from '../engine/config-file.js';
import { consoleOut, type Out } from './run.js';

/** Options of one publish. */
export interface PublishOptions {
  event?: string;
  id?: string;
  admin?: string;
  token?: string;
  config?: string;
}

/** `127.0.0.1:9900`, `:9900` or `http://host:port` → a base URL. */
export function adminBaseUrl(address: string): string {
  const a = address.trim().replace(/\/+$/, '');
  if (/^https?:\/\//i.test(a)) return a;
  return `http://${a.startsWith(':') ? `127.0.0.1${a}` : a}`;
}

/** Where and with which token to reach the admin API. */
async function target(opts: PublishOptions, out: Out): Promise<{ base: string; token?: string } | undefined> {
  let address = opts.admin;
  let token = opts.token;
  if (opts.config) {
    const loaded = await loadConfigFile(opts.config);
    if (!loaded.ok) {
      for (const e of loaded.errors) out.error(formatConfigError({ ...e, file: opts.config }));
      return undefined;
    }
    if (!loaded.config.admin && !address) {
      out.error(
        `sluice publish: ${opts.config} has no admin section, so the engine runs no control API; add "admin: { listen: 127.0.0.1:9900 }"`,
      );
      return undefined;
    }
    address ??= loaded.config.admin?.listen;
    token ??= loaded.config.admin?.token;
  }
  return { base: adminBaseUrl(address ?? '127.0.0.1:9900'), token };
}

/** Why a fetch failed, in words (`connection refused`). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return 'host not found';
  if (cause?.code) return cause.code;
  return cause?.message ?? (err as Error).message;
}

/**
 * The request of one publish. The data goes as the raw body (text/plain) with
 * the type in `X-EventSource-Event`, which Sluice and nginx + nchan both
 * read; only an explicit id needs Sluice's JSON form (nchan assigns ids).
 */
export function publishRequest(
  data: string,
  opts: Pick<PublishOptions, 'event' | 'id'>,
): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.id !== undefined) {
    headers['content-type'] = 'application/json';
    return { headers, body: JSON.stringify({ data, event: opts.event, id: opts.id }) };
  }
  headers['content-type'] = 'text/plain; charset=utf-8';
  if (opts.event !== undefined) headers['x-eventsource-event'] = opts.event;
  return { headers, body: data };
}

/** The event id in a publish answer: Sluice's `{ id }` or nchan's `{ last_message_id }`. */
function answeredId(text: string): { id?: string; error?: string } {
  try {
    const body = JSON.parse(text) as { id?: unknown; last_message_id?: unknown; error?: string };
    const id = body.id ?? body.last_message_id;
    return { id: typeof id === 'string' ? id : undefined, error: body.error };
  } catch {
    return {};
  }
}

/** Publishes; returns the process exit code (0 ok, 1 failed). */
export async function publish(
  channel: string,
  data: string,
  opts: PublishOptions,
  out: Out = consoleOut,
): Promise<number> {
  const t = await target(opts, out);
  if (!t) return 1;
  const url = `${t.base}/api/channels/${encodeURIComponent(channel)}/events`;
  const { headers, body } = publishRequest(data, opts);
  if (t.token) headers.authorization = `Bearer ${t.token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    out.error(
      `sluice publish: cannot reach the admin API at ${t.base} (${networkReason(err)}); is \`sluice run\` running with an admin section?`,
    );
    return 1;
  }
  const text = await res.text();
  const answer = answeredId(text);
  // Sluice answers 202; nchan 202 (nobody subscribed) or 201 (delivered).
  if ((res.status === 202 || res.status === 201) && answer.id !== undefined) {
    out.log(answer.id);
    return 0;
  }
  out.error(`sluice publish: ${res.status} ${answer.error ?? text.trim().slice(0, 200)}`);
  return 1;
}

/** Registers `sluice publish`. */
export function installPublish(program: Command): void {
  program
    .command('publish')
    .description('publish an event on an SSE channel of a running engine, through its admin API; prints the event id')
    .argument('<channel>', 'channel name (an sse route with channel: NAME)')
    .argument('<data>', 'event data (multi-line data becomes several data: lines)')
    .option('-e, --event <type>', 'event type (the "event:" field)')
    .option('-i, --id <id>', 'event id (default: the channel assigns one; Sluice only — nchan assigns its own)')
    .option('-a, --admin <address>', 'admin API address, e.g. 127.0.0.1:9900 or http://host:port')
    .option('-t, --token <token>', 'admin.token, when the admin API requires one')
    .option('-c, --config <file>', 'read the admin address and token from this config file')
    .action(async (channel: string, data: string, opts: PublishOptions) => {
      process.exitCode = await publish(channel, data, opts);
    });
}
