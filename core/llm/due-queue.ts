/**
 * One timer for every stream's next token: callbacks are grouped by the
 * millisecond they are due, and a single clock timer is armed for the
 * earliest group. A thousand streams at 50 tokens/s then cost about a
 * thousand timers a second instead of fifty thousand.
 *
 *   at(t, fn) ─▶ bucket ⌈t⌉ ─▶ min-heap of bucket times ─▶ one clock timer ─▶ run due buckets in order
 */
import type { Clock } from '../util/clock.js';

/** Callbacks due at clock times, run in time order on one timer. */
export class DueQueue {
  private readonly buckets = new Map<number, (() => void)[]>();
  private readonly heap: number[] = [];
  private timer: { cancel(): void } | undefined;
  private armedFor = Infinity;
  private readonly fire = () => this.run();

  constructor(private readonly clock: Clock) {}

  /** Runs `fn` once the clock reaches `time` (to the next whole millisecond). */
  at(time: number, fn: () => void): void {
    const key = Math.ceil(time);
    const bucket = this.buckets.get(key);
    if (bucket) return void bucket.push(fn);
    this.buckets.set(key, [fn]);
    this.push(key);
    if (key < this.armedFor) this.arm(key);
  }

  private arm(key: number): void {
    this.timer?.cancel();
    this.armedFor = key;
    this.timer = this.clock.setTimeout(this.fire, Math.max(0, key - this.clock.now()));
  }

  private run(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.clock.now();
    while (this.heap.length > 0 && this.heap[0]! <= now + 0.5) {
      const key = this.pop();
      const fns = this.buckets.get(key)!;
      this.buckets.delete(key);
      for (const fn of fns) fn();
    }
    if (this.heap.length > 0) this.arm(this.heap[0]!);
  }

  private push(key: number): void {
    const h = this.heap;
    let i = h.push(key) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= key) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = key;
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]! < h[l]! ? r : l;
        if (h[c]! >= last) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

const queues = new WeakMap<Clock, DueQueue>();

/** The due queue of a clock (one per engine clock). */
export function dueQueueOf(clock: Clock): DueQueue {
  let q = queues.get(clock);
  if (!q) {
    q = new DueQueue(clock);
    queues.set(clock, q);
  }
  return q;
}
