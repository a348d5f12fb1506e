/**
 * A publishable SSE channel: a replay ring of the last N events with
 * increasing ids, and its subscribers. Publishing encodes once and writes the
 * same Buffer to every subscriber; a reconnect with `Last-Event-ID` gets
 * exactly the events after that id from the ring, or — when the id fell out
 * of the ring or is unknown — a `sluice-replay-gap` notice and the whole ring.
 */
import type { Counters } from '../telemetry/counters.js';
import { cleanId, encodeEvent } from './encoder.js';
import type { DeliveredEvent, SseClient } from './client.js';

/** A published event as the ring keeps it. */
export interface ChannelEvent extends DeliveredEvent {
  /** Internal sequence number (1, 2, …); auto ids are its decimal string. */
  seq: number;
  id: string;
  /** Wall-clock publish time, epoch ms. */
  t: number;
}

/** What a publisher sends. */
export interface PublishInput {
  event?: string;
  data: string;
  id?: string;
}

/** What a reconnecting client missed. */
export interface Missed {
  events: ChannelEvent[];
  /** True when some events it missed are no longer in the ring (or the id is unknown). */
  gap: boolean;
  /** How many it missed that the ring no longer holds; null when that cannot be counted (unknown or custom ids). */
  lost: number | null;
}

/** The event name of the notice sent when a reconnect asks for events the ring no longer holds. */
export const GAP_EVENT = 'sluice-replay-gap';

/** Fixed-capacity ring of the newest events, oldest first. */
class EventRing {
  private buf: (ChannelEvent | undefined)[] = [];
  private start = 0;
  private count = 0;

  constructor(private capacity: number) {}

  get size(): number {
    return this.count;
  }

  push(ev: ChannelEvent): void {
    if (this.capacity === 0) return;
    if (this.count < this.capacity) {
      this.buf[(this.start + this.count) % this.capacity] = ev;
      this.count++;
    } else {
      this.buf[this.start] = ev;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The i-th oldest event. */
  at(i: number): ChannelEvent {
    return this.buf[(this.start + i) % this.capacity]!;
  }

  /** Events from index i to the newest. */
  from(i: number): ChannelEvent[] {
    const out: ChannelEvent[] = [];
    for (let k = Math.max(0, i); k < this.count; k++) out.push(this.at(k));
    return out;
  }

  /** Changes capacity keeping the newest events. */
  resize(capacity: number): void {
    const keep = this.from(Math.max(0, this.count - capacity));
    this.capacity = capacity;
    this.buf = [];
    this.start = 0;
    this.count = 0;
    for (const ev of keep) this.push(ev);
  }
}

/** One channel: ring, ids, subscribers and its counters. */
export class Channel {
  private readonly ring: EventRing;
  private seq = 0;
  private last: ChannelEvent | undefined;
  private readonly subscribers = new Set<SseClient>();
  /** Clients corked for the current batch of publishes (see publish()). */
  private corked: SseClient[] | null = null;
  /** A publish already went out in this event-loop turn (endBatch is scheduled). */
  private inTurn = false;
  private readonly endBatch: () => void;

  /** `[counters]`, shared by every subscriber (its extra counters). */
  readonly counterList: Counters[];

  constructor(
    readonly name: string,
    private replaySize: number,
    readonly counters: Counters,
  ) {
    this.counterList = [counters];
    this.ring = new EventRing(replaySize);
    this.endBatch = this.uncorkAll.bind(this);
  }

  /** Events kept for Last-Event-ID. */
  get replay(): number {
    return this.replaySize;
  }

  /** Subscribers right now. */
  get clientCount(): number {
    return this.subscribers.size;
  }

  /** The id of the newest event, if any. */
  get lastId(): string | undefined {
    return this.last?.id;
  }

  /** Changes the ring size (a config apply); the newest events stay. */
  setReplay(n: number): void {
    if (n === this.replaySize) return;
    this.replaySize = n;
    this.ring.resize(n);
  }

  /** Publishes to every subscriber (one encode, the same Buffer for all) and keeps the event in the ring. */
  publish(input: PublishInput): ChannelEvent {
    const seq = ++this.seq;
    // Stored as it goes on the wire, so a client's Last-Event-ID matches it.
    const id = input.id !== undefined && cleanId(input.id) !== '' ? cleanId(input.id) : String(seq);
    const ev: ChannelEvent = {
      seq,
      id,
      event: input.event || undefined,
      data: input.data,
      t: Date.now(),
      bytes: Buffer.alloc(0),
    };
    ev.bytes = encodeEvent(ev);
    this.ring.push(ev);
    this.last = ev;
    if (this.subscribers.size > 0) {
      if (!this.inTurn) {
        this.inTurn = true;
        setImmediate(this.endBatch);
      } else if (!this.corked) this.corkAll();
    }
    for (const c of this.subscribers) c.deliver(ev);
    return ev;
  }

  /**
   * The first publish of an event-loop turn is written at once (a lone
   * publish pays nothing for batching). When a second one arrives in the
   * same turn (a burst of API calls), sockets are corked until setImmediate,
   * after the turn's I/O callbacks: the rest of the burst leaves in one
   * writev per client instead of one write per event.
   */
  private corkAll(): void {
    const list: SseClient[] = [];
    for (const c of this.subscribers) if (c.cork()) list.push(c);
    this.corked = list;
  }

  private uncorkAll(): void {
    this.inTurn = false;
    const list = this.corked;
    if (!list) return;
    this.corked = null;
    for (const c of list) c.uncork();
  }

  /** The events a client that last saw `lastEventId` missed. */
  missedSince(lastEventId: string): Missed {
    if (this.last && lastEventId === this.last.id) return { events: [], gap: false, lost: 0 };
    const n = this.ring.size;
    for (let i = n - 1; i >= 0; i--) {
      if (this.ring.at(i).id === lastEventId) return { events: this.ring.from(i + 1), gap: false, lost: 0 };
    }
    // Not in the ring: an auto id just before the oldest kept event missed nothing that is lost.
    const oldest = n > 0 ? this.ring.at(0) : undefined;
    if (
      oldest &&
      /^\d+$/.test(lastEventId) &&
      Number(lastEventId) === oldest.seq - 1 &&
      oldest.id === String(oldest.seq)
    ) {
      return { events: this.ring.from(0), gap: false, lost: 0 };
    }
    const events = this.ring.from(0);
    return { events, gap: true, lost: this.lostSince(lastEventId, events.length) };
  }

  /** Events published after an auto id that the ring no longer holds; null for ids that are not this channel's auto ids. */
  private lostSince(lastEventId: string, replayed: number): number | null {
    const last = this.last;
    if (!last || last.id !== String(last.seq) || !/^\d+$/.test(lastEventId)) return null;
    const seen = Number(lastEventId);
    if (seen > last.seq) return null;
    return Math.max(0, last.seq - seen - replayed);
  }

  /** Adds a subscriber (call after sending what it missed, in the same tick). */
  subscribe(client: SseClient): void {
    this.subscribers.add(client);
    this.counters.active = this.subscribers.size;
    this.counters.requests++;
  }

  /** Removes a subscriber (gone, dropped); a second call does nothing. */
  unsubscribe(client: SseClient): void {
    if (this.subscribers.delete(client)) this.counters.active = this.subscribers.size;
  }

  /** The newest events, oldest first (for the API's channel table). */
  recent(limit = 20): ChannelEvent[] {
    return this.ring.from(this.ring.size - limit);
  }

  /** Ends every subscriber's stream (channel removed or engine stopped); clients will reconnect. */
  close(): void {
    for (const c of this.subscribers) c.end();
    this.subscribers.clear();
    this.counters.active = 0;
  }
}
