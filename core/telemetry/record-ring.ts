/**
 * The traffic log's recent exchanges: a fixed-size circular buffer in id
 * order. Every request adds one record and, once full, lets the oldest go;
 * shifting a plain array of a thousand records would move them all each time.
 */
import type { ExchangeRecord } from './exchange-record.js';

/** Records oldest to newest, at most `capacity`. */
export class RecordRing {
  private slots: (ExchangeRecord | undefined)[];
  /** Index of the oldest record. */
  private head = 0;
  private count = 0;

  constructor(private cap: number) {
    this.slots = new Array<ExchangeRecord | undefined>(cap).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  get capacity(): number {
    return this.cap;
  }

  /** The i-th record from the oldest (0) to the newest (length - 1). */
  at(i: number): ExchangeRecord | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.slots[(this.head + i) % this.cap];
  }

  /** Adds the newest record; returns the oldest when it had to make room. */
  push(rec: ExchangeRecord): ExchangeRecord | undefined {
    if (this.cap === 0) return rec;
    if (this.count < this.cap) {
      this.slots[(this.head + this.count++) % this.cap] = rec;
      return undefined;
    }
    const old = this.slots[this.head];
    this.slots[this.head] = rec;
    this.head = (this.head + 1) % this.cap;
    return old;
  }

  /** Records from the i-th oldest on, oldest first. */
  from(i: number): ExchangeRecord[] {
    const out: ExchangeRecord[] = [];
    for (let k = Math.max(0, i); k < this.count; k++) out.push(this.slots[(this.head + k) % this.cap]!);
    return out;
  }

  /** The newest `n` records, newest first. */
  newest(n: number): ExchangeRecord[] {
    const out: ExchangeRecord[] = [];
    for (let k = this.count - 1; k >= 0 && out.length < n; k--) out.push(this.slots[(this.head + k) % this.cap]!);
    return out;
  }

  /** Changes the size; returns the records that no longer fit, oldest first. */
  resize(cap: number): ExchangeRecord[] {
    const all = this.from(0);
    const dropped = all.splice(0, Math.max(0, all.length - cap));
    this.cap = cap;
    this.slots = new Array<ExchangeRecord | undefined>(cap).fill(undefined);
    this.head = 0;
    this.count = 0;
    for (const r of all) this.push(r);
    return dropped;
  }
}
