/**
 * Download helpers for the shaping tests: a Node client that records bytes
 * over time (per-window rates, sha256) and curl with its own speed figure.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A finished download: arrival times of cumulative byte counts. */
export interface Download {
  status: number;
  bytes: number;
  sha256: string;
  /** [ms since request, cumulative bytes] per data event. */
  marks: [number, number][];
  ms: number;
}

/** GETs `url`, recording every data event; `localAddress` binds the client (127.0.0.2 …). */
export function download(url: string, opts: { localAddress?: string; onMark?: (ms: number, bytes: number) => void } = {}): Promise<Download> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { localAddress: opts.localAddress, agent: false }, (res) => {
      const hash = createHash('sha256');
      const marks: [number, number][] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
        const ms = performance.now() - t0;
        marks.push([ms, bytes]);
        opts.onMark?.(ms, bytes);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex'), marks, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Bytes received by time `ms` (interpolation-free: last mark at or before). */
export function bytesAt(d: Pick<Download, 'marks'>, ms: number): number {
  let b = 0;
  for (const [t, n] of d.marks) {
    if (t > ms) break;
    b = n;
  }
  return b;
}

/** Average bytes/s between two instants. */
export function rateBetween(d: Pick<Download, 'marks'>, from: number, to: number): number {
  return ((bytesAt(d, to) - bytesAt(d, from)) * 1000) / (to - from);
}

/** Largest byte count in any 100 ms window (sliding by 10 ms) between `from` and `to`. */
export function max100ms(d: Pick<Download, 'marks'>, from: number, to: number): number {
  let max = 0;
  for (let t = from; t + 100 <= to; t += 10) max = Math.max(max, bytesAt(d, t + 100) - bytesAt(d, t));
  return max;
}

/** curl's own figures for a download (no --limit-rate). */
export async function curl(url: string, args: string[] = []): Promise<{ size: number; speed: number; total: number; start: number; sha256: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-curl-'));
  const out = join(dir, 'body');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('curl', ['-sS', '-o', out, '-w', '%{size_download} %{speed_download} %{time_total} %{time_starttransfer}', ...args, url], (err, so) => (err ? reject(err) : resolve(so)));
  });
  const [size, speed, total, start] = stdout.trim().split(' ').map(Number) as [number, number, number, number];
  const { readFileSync } = await import('node:fs');
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
