/**
 * SSE channel routes as nchan, nginx's pub/sub module:
 *
 *   GET  <route path>                         nchan_subscriber eventsource   (each server)
 *   POST <admin>/api/channels/NAME/events     nchan_publisher                (the admin address)
 *
 * the same publish call Sluice's admin API answers, with the raw body as the
 * event's data (and `X-EventSource-Event` as its type), so `sluice publish`
 * and `curl -d` work against either. `replay` is nchan's message buffer,
 * `heartbeat` its eventsource ping (a `: heartbeat` comment, as Sluice
 * sends), `max_clients` its subscriber cap; new subscribers get only new
 * events, as in Sluice. With `--redis URL`, channels live in Redis so
 * several nginx nodes share them. Isomorphic.
 */
import type { RouteConfig, SluiceConfig } from '../config/index.js';
import { quote, type Conf } from './conf-writer.js';

/** Options that change how channels are exported. */
export interface ChannelExportOptions {
  /** Redis URL (`redis://127.0.0.1:6379`): channels shared by every nginx using it. */
  redis?: string;
}

/** Every channel of the config with the settings nchan keeps per channel (replay). */
export function channelsOf(config: SluiceConfig): Map<string, { replay: number }> {
  const out = new Map<string, { replay: number }>();
  for (const s of config.http.servers) {
    for (const r of s.routes) {
      const ch = r.sse?.channel;
      if (ch && !out.has(ch)) out.set(ch, { replay: r.sse!.replay });
    }
  }
  return out;
}

/** http-level lines: Redis for channels shared between nginx nodes. */
export function exportChannelStore(c: Conf, opts: ChannelExportOptions): void {
  if (!opts.redis) return;
  c.comment('SSE channels live in Redis: every nginx with this configuration serves the same channels.');
  c.line(`nchan_redis_url ${quote(opts.redis)};`).line('nchan_use_redis on;');
}

/** The body of a channel route's location: an eventsource subscriber. */
export function exportSubscriber(c: Conf, r: RouteConfig): void {
  const sse = r.sse!;
  c.line('nchan_subscriber eventsource;');
  c.line(`nchan_channel_id ${sse.channel};`);
  messageSettings(c, sse.replay);
  c.line('nchan_subscriber_first_message newest;');
  c.line(`nchan_eventsource_ping_interval ${Math.max(1, Math.ceil(sse.heartbeat / 1000))};`);
  c.line('nchan_eventsource_ping_comment " heartbeat";').line('nchan_eventsource_ping_event "";');
  c.line(`nchan_max_channel_subscribers ${sse.max_clients};`);
  // nchan answers CORS itself; an add_header would send the header twice.
  c.line(`nchan_access_control_allow_origin ${quote(r.cors === false ? '' : (r.cors ?? '*'))};`);
  if (sse.retry !== undefined)
    c.comment(`retry: ${sse.retry} ms has no nchan setting; clients use their default reconnection delay`);
}

/** Buffer length and no expiry: the last `replay` events stay for Last-Event-ID, as Sluice keeps them. */
function messageSettings(c: Conf, replay: number): void {
  c.line(`nchan_message_buffer_length ${replay};`);
  c.line('nchan_message_timeout 0;');
}

/**
 * The publisher server on the admin address: one location per channel at
 * the path Sluice's admin API takes publishes on; other methods are refused.
 */
export function exportPublishers(c: Conf, config: SluiceConfig): void {
  const channels = channelsOf(config);
  if (channels.size === 0) return;
  if (!config.admin) {
    c.comment(
      `channels ${[...channels.keys()].join(', ')}: no admin listener in the config, so no publisher is exported (add admin: { listen: 127.0.0.1:9900 })`,
    );
    return;
  }
  c.blank().comment(
    `Sluice admin API ${config.admin.listen}: publishing on SSE channels (POST /api/channels/NAME/events, the body is the event's data).`,
  );
  c.open('server');
  c.line(`listen ${config.admin.listen};`);
  c.line('server_name sluice-admin;');
  for (const [name, { replay }] of channels) {
    c.open(`location = /api/channels/${name}/events`);
    c.open('limit_except POST').line('deny all;').close();
    if (config.admin.token) {
      c.open(`if ($http_authorization != ${quote(`Bearer ${config.admin.token}`)})`)
        .line('return 401;')
        .close();
    }
    c.line('nchan_publisher;');
    c.line(`nchan_channel_id ${name};`);
    messageSettings(c, replay);
    c.close();
  }
  c.close();
}
