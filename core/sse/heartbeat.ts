/**
 * Heartbeats shared by every client with the same period: one timer per
 * period (per clock) sends the same pre-encoded comment to all of them,
 * instead of a timer per connection. A group's timer runs only while it has
 * members, so an idle engine has none.
 */
import type { Clock } from '../util/clock.js';
import { HEARTBEAT, frameChunk } from './encoder.js';
import type { SseClient } from './client.js';

const HEARTBEAT_FRAMED = frameChunk(HEARTBEAT);

/** Clients beating at one period. */
export class HeartbeatGroup {
  readonly members = new Set<SseClient>();
  private timer: { cancel(): void } | undefined;
  private readonly tick: () => void;

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
  ) {
    this.tick = this.beat.bind(this);
  }

  add(client: SseClient): void {
    this.members.add(client);
    this.timer ??= this.clock.setTimeout(this.tick, this.everyMs);
  }

  unsubscribe(client: SseClient): void {
    this.members.delete(client);
    if (this.members.size === 0) {
      this.timer?.cancel();
      this.timer = undefined;
    }
  }

  private beat(): void {
    this.timer = undefined;
    for (const c of this.members) {
      if (c.closed) this.members.delete(c);
      else c.sendShared(HEARTBEAT, HEARTBEAT_FRAMED);
    }
    if (this.members.size > 0) this.timer = this.clock.setTimeout(this.tick, this.everyMs);
  }
}

const groups = new WeakMap<Clock, Map<number, HeartbeatGroup>>();

/** Sends `client` a heartbeat comment every `everyMs` (shared timer); returns its group (`unsubscribe(client)` stops it). */
export function startHeartbeat(client: SseClient, everyMs: number, clock: Clock): HeartbeatGroup {
  let byPeriod = groups.get(clock);
  if (!byPeriod) groups.set(clock, (byPeriod = new Map()));
  let group = byPeriod.get(everyMs);
  if (!group) byPeriod.set(everyMs, (group = new HeartbeatGroup(clock, everyMs)));
  group.add(client);
  return group;
}
