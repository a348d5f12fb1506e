/**
 * The SSE hub: every publishable channel by name. Channels come from sse
 * routes with `channel:` and live across config applies, so replay rings
 * survive a re-apply; a channel no route names any more is closed (its
 * clients' streams end, so they reconnect elsewhere or get a 404).
 *
 * Registered as `services.modules.get('sse')`; the API publishes through it.
 */
import type { ChannelInfo } from '../api/types.js';
import type { SluiceConfig } from '../config/index.js';
import type { EngineModule, EngineServices } from '../engine/services.js';
import { moduleOf } from '../engine/services.js';
import { SluiceError } from '../util/errors.js';
import { Channel, type PublishInput } from './channel.js';

/** How many recent events `channels()` reports per channel. */
const RECENT_IN_INFO = 20;

/** Channel names with the largest `replay` any route asks for. */
export function channelsOf(config: SluiceConfig): Map<string, number> {
  const out = new Map<string, number>();
  for (const server of config.http?.servers ?? []) {
    for (const route of server.routes) {
      const name = route.sse?.channel;
      if (name === undefined) continue;
      out.set(name, Math.max(out.get(name) ?? 0, route.sse!.replay));
    }
  }
  return out;
}

/** Owns the engine's SSE channels. */
export class SseHub implements EngineModule {
  private readonly byName = new Map<string, Channel>();

  constructor(private readonly services: EngineServices) {}

  apply(next: SluiceConfig): void {
    const wanted = channelsOf(next);
    for (const [name, ch] of this.byName) {
      if (wanted.has(name)) continue;
      ch.close();
      this.byName.delete(name);
      this.services.counters.delete('channel', name);
    }
    for (const [name, replay] of wanted) {
      const ch = this.byName.get(name);
      if (ch) ch.setReplay(replay);
      else
        this.byName.set(
          name,
          new Channel(name, replay, this.services.counters.get('channel', name, { channel: name })),
        );
    }
  }

  stop(): void {
    for (const ch of this.byName.values()) ch.close();
    this.byName.clear();
  }

  /** The channel of that name, if a route defines it. */
  channel(name: string): Channel | undefined {
    return this.byName.get(name);
  }

  /** Publishes to a channel; returns the event id. Throws E_UNKNOWN_CHANNEL for names no route defines. */
  publish(channel: string, ev: PublishInput): string {
    const ch = this.byName.get(channel);
    if (!ch) throw new SluiceError('E_UNKNOWN_CHANNEL', `unknown channel "${channel}"`);
    if (typeof ev?.data !== 'string') throw new SluiceError('E_BAD_REQUEST', 'an event needs "data" as a string');
    return ch.publish(ev).id;
  }

  /** Every channel with its clients and recent events. */
  channels(): ChannelInfo[] {
    return [...this.byName.values()].map((ch) => ({
      name: ch.name,
      clients: ch.clientCount,
      replay: ch.replay,
      lastId: ch.lastId,
      recent: ch.recent(RECENT_IN_INFO).map((e) => ({ id: e.id, event: e.event, data: e.data, t: e.t })),
    }));
  }
}

/** The hub registered on these services, if any. */
export function sseHubOf(services: EngineServices): SseHub | undefined {
  return moduleOf<SseHub>(services, 'sse');
}
