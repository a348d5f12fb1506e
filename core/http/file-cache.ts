/**
 * Small files of a static route kept in memory, checked against the file's
 * stat on every request (nginx's `open_file_cache`, one step further: the
 * bytes too). A hit sends the file in one write with no open, read or close;
 * that is where a 1 MiB file spent most of its time (several thread-pool
 * round trips per request, against one write from memory).
 *
 *   stat (done per request anyway) ─▶ same size, mtime, inode? ─▶ yes: the cached bytes
 *                                                             └▶ no: read the file, keep it (LRU, bounded)
 *
 * A file edited between requests is read again: the stat changed. Bytes are
 * shared with the socket's write queue, never copied per response.
 */
import { open } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/** Files up to this size are kept. */
export const CACHED_FILE_MAX = 1024 * 1024;
/** The bytes one static route keeps at most (least recently used go first). */
export const FILE_CACHE_BYTES = 32 * 1024 * 1024;

type FileVersion = Pick<Stats, 'size' | 'mtimeMs' | 'ino'>;

interface Entry {
  size: number;
  mtimeMs: number;
  ino: number;
  bytes: Buffer;
}

const sameVersion = (e: Entry, st: FileVersion) => e.size === st.size && e.mtimeMs === st.mtimeMs && e.ino === st.ino;

/** The bytes of small files by real path, each valid for one stat version. */
export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;

  constructor(
    private readonly maxBytes = FILE_CACHE_BYTES,
    private readonly maxFile = CACHED_FILE_MAX,
  ) {}

  /** True when a file of this size is one the cache keeps. */
  keeps(size: number): boolean {
    return size > 0 && size <= this.maxFile && size <= this.maxBytes;
  }

  /** The bytes of `path` as of `st`: from memory when that version is kept, else read (and kept). */
  async bytes(path: string, st: FileVersion): Promise<Buffer | undefined> {
    const hit = this.entries.get(path);
    if (hit && sameVersion(hit, st)) {
      // Most recently used last: Map iteration order is the eviction order.
      this.entries.delete(path);
      this.entries.set(path, hit);
      return hit.bytes;
    }
    if (hit) this.drop(path, hit);
    const bytes = await readWhole(path, st.size);
    // A file that changed size while being read is not kept: the next request reads it again.
    if (!bytes) return undefined;
    this.keep(path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, bytes });
    return bytes;
  }

  /** Bytes held now (for tests and telemetry). */
  get size(): number {
    return this.held;
  }

  private keep(path: string, e: Entry): void {
    const old = this.entries.get(path);
    if (old) this.drop(path, old);
    this.entries.set(path, e);
    this.held += e.size;
    for (const [p, oldest] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.drop(p, oldest);
    }
  }

  private drop(path: string, e: Entry): void {
    this.entries.delete(path);
    this.held -= e.size;
  }
}

/** Reads exactly `size` bytes from the start of a file in one call; undefined when the file is not that size now. */
async function readWhole(path: string, size: number): Promise<Buffer | undefined> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) return undefined;
      got += bytesRead;
    }
    // One byte more means the file grew since the stat.
    const { bytesRead } = await fh.read(Buffer.allocUnsafe(1), 0, 1, size);
    return bytesRead === 0 ? buf : undefined;
  } finally {
    await fh.close();
  }
}
