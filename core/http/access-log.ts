/**
 * A server's access log file. Lines are appended through a write stream
 * (the file system works off the event loop) and queue while it is busy;
 * past a fixed backlog new lines are dropped and counted instead of growing
 * memory, and the next line written says how many were lost.
 *
 *   exchange ends ─▶ format (combined | json) ─▶ queue (≤ 1 MiB) ─▶ fs write stream ─▶ FILE
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { AccessLogConfig } from '../config/index.js';
import { formatCombined, formatJson, type AccessEntry } from './access-log-format.js';

/** Bytes of lines waiting for the disk before new ones are dropped. */
export const ACCESS_LOG_BACKLOG = 1024 * 1024;

/** Appends one line per finished request to a file. */
export class AccessLog {
  private readonly stream: WriteStream;
  private readonly format: (e: AccessEntry) => string;
  private pending = 0;
  /** Lines dropped because the disk could not keep up. */
  dropped = 0;
  private droppedSinceLast = 0;
  private failed = false;

  constructor(
    readonly path: string,
    config: Pick<AccessLogConfig, 'format'>,
    onError: (message: string) => void,
  ) {
    this.format = config.format === 'json' ? formatJson : formatCombined;
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', (err) => {
      if (!this.failed) onError(`access_log ${path}: ${err.message}`);
      this.failed = true;
    });
  }

  write(entry: AccessEntry): void {
    if (this.failed) return;
    let line = this.format(entry);
    if (this.pending + line.length > ACCESS_LOG_BACKLOG) {
      this.dropped++;
      this.droppedSinceLast++;
      return;
    }
    if (this.droppedSinceLast > 0) {
      line = `# sluice: ${this.droppedSinceLast} access log lines dropped (the disk was too slow)\n${line}`;
      this.droppedSinceLast = 0;
    }
    const n = line.length;
    this.pending += n;
    this.stream.write(line, () => {
      this.pending -= n;
    });
  }

  /** Flushes what is queued and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
