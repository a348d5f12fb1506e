/**
 * A bounded log of recent exchanges. Records are created per request (cheap:
 * a small object); chunk timelines and SSE decoding happen only while someone
 * observes (`observed`), and are capped.
 *
 * Retention has two parts, so a flood of short requests cannot push live
 * streams out:
 *
 *   ring  ── the `capacity` most recent exchanges, in id order
 *   live  ── exchanges pushed out of the ring while still open, until they end
 *            (at most `liveCapacity`); the last few that ended stay readable
 */
import { CAPTURE_LIMITS, streamNotes, type ExchangeRecord } from './exchange-record.js';
import { isEventStream, SseCapture } from './sse-capture.js';
import { StreamTally } from './stream-tally.js';
import { contentEncoding } from './content-encoding.js';
import { recordContentType, responseHeadersOf } from './sent-headers.js';
import { RecordRing } from './record-ring.js';

/** Live exchanges that ended after leaving the ring and stay readable (their detail, a HAR export). */
const ENDED_LIVE_KEPT = 100;

/** The recent-exchanges ring, the live exchanges it let go, plus observer bookkeeping. */
export class TrafficLog {
  private readonly ring: RecordRing;
  /** Open exchanges evicted from the ring, by id (insertion order = id order). */
  private readonly live = new Map<number, ExchangeRecord>();
  /** Exchanges that ended after moving to `live`, oldest first. */
  private readonly endedLive: ExchangeRecord[] = [];
  private nextId = 1;
  private observers = 0;
  private readonly updateListeners = new Set<(r: ExchangeRecord) => void>();

  constructor(
    capacity = 1000,
    private readonly liveCapacity = 10_000,
  ) {
    this.ring = new RecordRing(capacity);
  }

  setCapacity(n: number): void {
    for (const old of this.ring.resize(n)) this.evicted(old);
  }

  /** A record left the ring; one still open moves to `live` instead of going. */
  private evicted(old: ExchangeRecord): void {
    if (old.outcome !== 'open') return;
    this.live.set(old.id, old);
    if (this.live.size > this.liveCapacity) this.live.delete(this.live.keys().next().value!);
  }

  /** True while a UI or API client watches traffic detail; gates capture work. */
  get observed(): boolean {
    return this.observers > 0;
  }

  /** Marks one more observer; returns the function that removes it. */
  observe(): () => void {
    this.observers++;
    let done = false;
    return () => {
      if (!done) {
        done = true;
        this.observers--;
      }
    };
  }

  /**
   * Starts a record and keeps it in the ring. Every field is set here, those
   * known later too, so all records share one shape (no hidden-class change,
   * no dictionary mode when the listener fills them in).
   */
  begin(
    fields: Omit<
      ExchangeRecord,
      'id' | 'bytesIn' | 'bytesOut' | 'outcome' | 'chunks' | 'events' | 'stream' | 'headerBlock'
    >,
  ): ExchangeRecord {
    const rec: ExchangeRecord = {
      id: this.nextId++,
      listener: fields.listener,
      route: fields.route,
      kind: fields.kind,
      method: fields.method,
      url: fields.url,
      client: fields.client,
      startedAt: fields.startedAt,
      protocol: fields.protocol,
      tls: fields.tls,
      requestHeaders: fields.requestHeaders,
      status: fields.status,
      responseHeaders: fields.responseHeaders,
      headerBlock: undefined,
      contentType: fields.contentType,
      bytesIn: 0,
      bytesOut: 0,
      connectMs: fields.connectMs,
      ttfbMs: fields.ttfbMs,
      durationMs: fields.durationMs,
      outcome: 'open',
      error: fields.error,
      upstream: fields.upstream,
      upstreamTls: fields.upstreamTls,
      chunks: [],
      events: [],
      stream: undefined,
    };
    if (this.ring.capacity > 0) {
      const old = this.ring.push(rec);
      if (old !== undefined) this.evicted(old);
    }
    return rec;
  }

  /**
   * Records a chunk arrival when observed (call after adding it to
   * `bytesOut`): its time in the capped timeline, and in the tally the
   * diagnostics read. The first one notes when capture began mid-stream.
   */
  chunk(rec: ExchangeRecord, bytes: number, now: number): void {
    const t = now - rec.startedAt;
    const notes = streamNotes(rec);
    if (!notes.tally) {
      const midStream = rec.bytesOut > bytes;
      if (midStream) notes.captureFrom = { t, bytes: rec.bytesOut - bytes };
      notes.tally = new StreamTally(midStream ? t : 0);
    }
    notes.tally.chunk(t, bytes);
    if (rec.chunks.length < CAPTURE_LIMITS.chunks) rec.chunks.push({ t, bytes });
  }

  /**
   * Captures one response chunk while observed: its timing, and for
   * `text/event-stream` responses our own SSE handler did not write (proxied
   * ones) the decoded events. The response's headers must be kept (or its content type set) before the first chunk.
   */
  capture(rec: ExchangeRecord, chunk: Uint8Array, now: number): void {
    this.chunk(rec, chunk.length, now);
    // The notes exist now (chunk() made them): the decoder lives there, not in a map beside every record.
    const notes = rec.stream!;
    let dec = notes.decoder;
    if (dec === undefined) {
      dec = notes.decoder =
        rec.kind !== 'sse' && isEventStream(recordContentType(rec))
          ? new SseCapture(
              rec,
              rec.bytesOut > chunk.length,
              contentEncoding(responseHeadersOf(rec)?.['content-encoding']),
            )
          : null;
    }
    if (dec && !dec.done) dec.feed(chunk, now);
  }

  /** Notifies listeners that a record changed state (started, ended); an ended one's decoder reads the last bytes, and an ended live record moves to the ended few. */
  changed(rec: ExchangeRecord): void {
    if (rec.outcome !== 'open') rec.stream?.decoder?.end(rec.startedAt + (rec.durationMs ?? 0));
    if (rec.outcome !== 'open' && this.live.delete(rec.id)) {
      this.endedLive.push(rec);
      if (this.endedLive.length > ENDED_LIVE_KEPT) this.endedLive.shift();
    }
    for (const fn of this.updateListeners) fn(rec);
  }

  onChange(fn: (r: ExchangeRecord) => void): () => void {
    this.updateListeners.add(fn);
    return () => this.updateListeners.delete(fn);
  }

  /** Records outside the ring (live, then ended), in id order: all older than the ring's. */
  private kept(): ExchangeRecord[] {
    if (this.live.size === 0 && this.endedLive.length === 0) return [];
    return [...this.live.values(), ...this.endedLive].sort((a, b) => a.id - b.id);
  }

  /** Most recent first: the ring, then the live exchanges it let go. */
  recent(limit = 100): ExchangeRecord[] {
    const out = this.ring.newest(limit);
    if (out.length < limit)
      out.push(
        ...this.kept()
          .reverse()
          .slice(0, limit - out.length),
      );
    return out;
  }

  /** Records newer than `afterId`, oldest first (live ones included: a stream may have left the ring before anyone looked). */
  since(afterId: number): ExchangeRecord[] {
    let i = this.ring.length;
    while (i > 0 && this.ring.at(i - 1)!.id > afterId) i--;
    const fromRing = this.ring.from(i);
    const first = this.ring.at(0)?.id ?? Infinity;
    if (afterId + 1 >= first) return fromRing;
    return [...this.kept().filter((r) => r.id > afterId), ...fromRing];
  }

  /** The id the next record will get (ids only grow). */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** Open exchanges kept outside the ring (diagnostics, tests). */
  get liveCount(): number {
    return this.live.size;
  }

  get(id: number): ExchangeRecord | undefined {
    // The ring is in id order: binary search.
    let lo = 0;
    let hi = this.ring.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ring.at(mid)!;
      if (r.id === id) return r;
      if (r.id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return this.live.get(id) ?? this.endedLive.find((r) => r.id === id);
  }
}
