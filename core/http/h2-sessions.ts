/**
 * The HTTP/2 connections of one listener. A connection with no open stream
 * closes after `keepalive_timeout`, as an idle HTTP/1 keep-alive connection
 * does — one holding an idle stream (an EventSource between events) stays.
 * A changed stream limit reaches open connections; stop() sends GOAWAY so
 * streams in progress finish, and the deadline destroys what is left.
 */
import type { Http2Session, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';

/** Open HTTP/2 connections with their open stream counts. */
export class H2Sessions {
  private readonly open = new Map<ServerHttp2Session, number>();

  constructor(private idleMs: number) {}

  /** Number of open connections. */
  get size(): number {
    return this.open.size;
  }

  /** Tracks a new connection until it closes. */
  add(session: ServerHttp2Session): void {
    this.open.set(session, 0);
    // One closure per connection (not per stream): streams find their connection through it.
    const streamClosed = (): void => this.streamClosed(session);
    session.on('stream', (stream: ServerHttp2Stream) => {
      const n = this.open.get(session);
      if (n === undefined) return;
      if (n === 0) session.setTimeout(0);
      this.open.set(session, n + 1);
      stream.once('close', streamClosed);
    });
    session.on('timeout', () => {
      if (this.open.get(session) === 0) session.close();
    });
    session.once('close', () => this.open.delete(session));
    this.armIdle(session);
  }

  private streamClosed(session: ServerHttp2Session): void {
    const n = this.open.get(session);
    if (n === undefined) return;
    this.open.set(session, n - 1);
    if (n - 1 === 0) this.armIdle(session);
  }

  /** Starts the idle clock of a connection with no open stream. */
  private armIdle(session: Http2Session): void {
    if (session.closed || session.destroyed) return;
    if (this.idleMs === 0) session.close();
    else session.setTimeout(this.idleMs);
  }

  /** A changed keepalive_timeout: applies from each connection's next idle period. */
  setIdleTimeout(ms: number): void {
    this.idleMs = ms;
  }

  /** Tells every open connection the new stream limit (a SETTINGS frame). */
  setMaxConcurrentStreams(n: number): void {
    for (const s of this.open.keys()) {
      if (s.closed || s.destroyed) continue;
      try {
        s.settings({ maxConcurrentStreams: n });
      } catch {
        // too many unacknowledged SETTINGS on this connection: it keeps the old limit
      }
    }
  }

  /** GOAWAY to every connection: no new streams, open ones finish. */
  closeAll(): void {
    for (const s of this.open.keys()) if (!s.closed && !s.destroyed) s.close();
  }

  /** Destroys every connection (the drain deadline). */
  destroyAll(): void {
    for (const s of this.open.keys()) s.destroy();
  }
}
