/**
 * A bounded log of recent exchanges. Records are created per request (cheap:
 * a small object); chunk timelines and SSE decoding happen only while someone
 * observes (`observed`), and are capped.
 */
import { CAPTURE_LIMITS, type ExchangeRecord } from './exchange-record.js';
import { isEventStream, SseCapture } from './sse-capture.js';

/** The recent-exchanges ring plus observer bookkeeping. */
export class TrafficLog {
  private readonly ring: ExchangeRecord[] = [];
  private nextId = 1;
  private observers = 0;
  private readonly updateListeners = new Set<(r: ExchangeRecord) => void>();
  /** SSE decoders of observed event-stream exchanges (null: not an event stream). */
  private readonly decoders = new WeakMap<ExchangeRecord, SseCapture | null>();

  constructor(private capacity = 1000) {}

  setCapacity(n: number): void {
    this.capacity = n;
    while (this.ring.length > n) this.ring.shift();
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
  begin(fields: Omit<ExchangeRecord, 'id' | 'bytesIn' | 'bytesOut' | 'outcome' | 'chunks' | 'events'>): ExchangeRecord {
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
    };
    if (this.capacity > 0) {
      this.ring.push(rec);
      if (this.ring.length > this.capacity) this.ring.shift();
    }
    return rec;
  }

  /** Records a chunk arrival when observed. */
  chunk(rec: ExchangeRecord, bytes: number, now: number): void {
    if (rec.chunks.length < CAPTURE_LIMITS.chunks) rec.chunks.push({ t: now - rec.startedAt, bytes });
  }

  /**
   * Captures one response chunk while observed: its timing, and for
   * `text/event-stream` responses our own SSE handler did not write (proxied
   * ones) the decoded events. `rec.contentType` must be set before the first chunk.
   */
  capture(rec: ExchangeRecord, chunk: Uint8Array, now: number): void {
    this.chunk(rec, chunk.length, now);
    let dec = this.decoders.get(rec);
    if (dec === undefined) {
      dec =
        rec.kind !== 'sse' && isEventStream(rec.contentType) ? new SseCapture(rec, rec.bytesOut > chunk.length) : null;
      this.decoders.set(rec, dec);
    }
    if (dec && !dec.done) dec.feed(chunk, now);
  }

  /** Notifies listeners that a record changed state (started, ended). */
  changed(rec: ExchangeRecord): void {
    for (const fn of this.updateListeners) fn(rec);
  }

  onChange(fn: (r: ExchangeRecord) => void): () => void {
    this.updateListeners.add(fn);
    return () => this.updateListeners.delete(fn);
  }

  /** Most recent first. */
  recent(limit = 100): ExchangeRecord[] {
    return this.ring.slice(-limit).reverse();
  }

  /** Records newer than `afterId`, oldest first. */
  since(afterId: number): ExchangeRecord[] {
    let i = this.ring.length;
    while (i > 0 && this.ring[i - 1]!.id > afterId) i--;
    return this.ring.slice(i);
  }

  /** The id the next record will get (ids only grow). */
  get lastId(): number {
    return this.nextId - 1;
  }

  get(id: number): ExchangeRecord | undefined {
    return this.ring.find((r) => r.id === id);
  }
}
