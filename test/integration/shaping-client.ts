/**
 * Download helpers for the shaping tests: a Node client that records bytes
 * over time (per-window rates, sha256) and curl with its own speed figure.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { exclusive } from '../helpers/exclusive.js';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExchangeRecord } from '../../core/telemetry/exchange-record.js';
import type { TestEngine } from '../helpers/engine.js';

/** A finished download: arrival times of cumulative byte counts. */
export interface Download {
  status: number;
  bytes: number;
  sha256: string;
  /** [wall-clock ms (performance.timeOrigin-based, comparable across processes), cumulative bytes] per data event. */
  marks: [number, number][];
  /** Time of the first and the last data event (same clock as marks). */
  first: number;
  last: number;
  /** Time the request was sent (same clock as marks): the server cannot have sent anything before. */
  sent: number;
}

/**
 * The client runs in its own Node process, so the engine's event loop (in the
 * test process) never waits on the client's work and vice versa: what is
 * measured is the server's pacing.
 */
const CLIENT = `
import http from 'node:http';
import { createHash } from 'node:crypto';
const jobs = JSON.parse(process.argv[1]);
const now = () => performance.timeOrigin + performance.now();
const one = ({ url, localAddress }) => new Promise((resolve, reject) => {
  const sent = now();
  const req = http.get(url, { localAddress, agent: false }, (res) => {
    const hash = createHash('sha256');
    const marks = [];
    let bytes = 0;
    res.on('data', (c) => { bytes += c.length; hash.update(c); marks.push([now(), bytes]); });
    res.on('end', () => resolve({ status: res.statusCode, bytes, sha256: hash.digest('hex'), marks, first: marks[0]?.[0] ?? 0, last: marks.at(-1)?.[0] ?? 0, sent }));
  });
  req.on('error', reject);
});
Promise.all(jobs.map(one)).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e.message); process.exit(1); });
`;

/** Downloads in parallel from one separate process (one connection each); `localAddress` binds a client (127.0.0.2 …). */
export function downloadAll(jobs: { url: string; localAddress?: string }[]): Promise<Download[]> {
  return exclusive(() => downloadAllNow(jobs));
}

function downloadAllNow(jobs: { url: string; localAddress?: string }[]): Promise<Download[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CLIENT, JSON.stringify(jobs)],
      { maxBuffer: 512 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`client failed: ${stderr || err.message}`));
        try {
          resolve(JSON.parse(stdout) as Download[]);
        } catch (e) {
          reject(e);
        }
      },
    );
  });
}

/** GETs `url` from a separate process, recording every data event. */
export async function download(url: string, opts: { localAddress?: string } = {}): Promise<Download> {
  const [d] = await downloadAll([{ url, localAddress: opts.localAddress }]);
  return d!;
}

/** Bytes received by time `ms` (same clock as marks; the last mark at or before). */
export function bytesAt(d: Pick<Download, 'marks'>, ms: number): number {
  let b = 0;
  for (const [t, n] of d.marks) {
    if (t > ms) break;
    b = n;
  }
  return b;
}

/** Average bytes/s between two instants (same clock as marks). */
export function rateBetween(d: Pick<Download, 'marks'>, from: number, to: number): number {
  return ((bytesAt(d, to) - bytesAt(d, from)) * 1000) / (to - from);
}

/** Largest byte count in any 100 ms window (sliding by 10 ms) between `from` and `to`. */
export function max100ms(d: Pick<Download, 'marks'>, from: number, to: number): number {
  let max = 0;
  for (let t = from; t + 100 <= to; t += 10) max = Math.max(max, bytesAt(d, t + 100) - bytesAt(d, t));
  return max;
}

/** What the engine sent on one exchange: cumulative bytes per write, on the engine's clock (ms). */
export interface Sent {
  marks: [number, number][];
  first: number;
  last: number;
}

/**
 * The engine's own timeline of an exchange (the traffic log's chunk marks,
 * kept while observed), on its clock: comparable across exchanges, and
 * independent of how a loaded machine schedules the client process.
 */
export function sentTimeline(rec: ExchangeRecord): Sent {
  let total = 0;
  const marks = rec.chunks.map((c): [number, number] => [rec.startedAt + c.t, (total += c.bytes)]);
  return { marks, first: marks[0]?.[0] ?? 0, last: marks.at(-1)?.[0] ?? 0 };
}

/** Runs `fn` while the traffic log keeps chunk timelines; returns its result and the exchanges made meanwhile. */
export async function withTimelines<T>(te: TestEngine, fn: () => Promise<T>): Promise<[T, ExchangeRecord[]]> {
  const log = te.engine.services.traffic;
  const before = log.recent(1)[0]?.id ?? 0;
  const stop = log.observe();
  try {
    const result = await fn();
    return [result, log.since(before)];
  } finally {
    stop();
  }
}

/** The window all downloads were running in: [latest first byte + skip, earliest last byte - 50 ms]. */
export function commonWindow(ds: Pick<Download, 'first' | 'last'>[], skip: number): [number, number] {
  return [Math.max(...ds.map((d) => d.first)) + skip, Math.min(...ds.map((d) => d.last)) - 50];
}

/** Bytes/s after the first data event (which carries the burst and any free `after` bytes). */
export function bodyRate(d: Download): number {
  return ((d.bytes - d.marks[0]![1]) * 1000) / (d.last - d.first);
}

/** curl's own figures for a download (no --limit-rate). */
export async function curl(
  url: string,
  args: string[] = [],
): Promise<{ size: number; speed: number; total: number; start: number; sha256: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-curl-'));
  const out = join(dir, 'body');
  const stdout = await exclusive(
    () =>
      new Promise<string>((resolve, reject) => {
        execFile(
          'curl',
          [
            '-sS',
            '-o',
            out,
            '-w',
            '%{size_download} %{speed_download} %{time_total} %{time_starttransfer}',
            ...args,
            url,
          ],
          (err, so) => (err ? reject(err) : resolve(so)),
        );
      }),
  );
  const [size, speed, total, start] = stdout.trim().split(' ').map(Number) as [number, number, number, number];
  const sha256 = createHash('sha256').update(readFileSync(out)).digest('hex');
  return { size, speed, total, start, sha256 };
}

/** A temp dir with a random file of `size` bytes; returns dir and the file's sha256. */
export function randomFile(name: string, size: number): { dir: string; sha256: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-shaping-'));
  const data = randomBytes(size);
  writeFileSync(join(dir, name), data);
  return { dir, sha256: createHash('sha256').update(data).digest('hex') };
}
