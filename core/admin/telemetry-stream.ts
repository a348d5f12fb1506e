/**
 * `GET /api/telemetry`: the telemetry ticks as an SSE stream, one event per
 * tick (default event type, so `EventSource.onmessage` sees them). A client
 * that does not read loses ticks instead of growing a buffer: while the
 * socket is backed up, ticks are skipped (and counted).
 */
import type { ServerResponse } from 'node:http';
import type { ApiHost } from '../host/api-host.js';
import { encodeComment, encodeEvent, encodeRetry } from '../sse/encoder.js';

/** Open telemetry streams of one admin listener (ended when it stops). */
export class TelemetryStreams {
  private readonly open = new Set<ServerResponse>();
  /** Ticks skipped because a client's socket was backed up. */
  skipped = 0;

  /** Serves one stream until the client leaves or `closeAll()`. */
  serve(res: ServerResponse, host: ApiHost): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(encodeRetry(1000));
    res.write(encodeComment(`sluice telemetry every ${host.sampler.intervalMs}ms`));
    let backedUp = false;
    const onDrain = () => {
      backedUp = false;
    };
    res.on('drain', onDrain);
    const off = host.on('telemetry', (tick) => {
      if (backedUp || res.destroyed) {
        this.skipped++;
        return;
      }
      if (!res.write(encodeEvent({ data: JSON.stringify(tick) }))) backedUp = true;
    });
    this.open.add(res);
    const done = () => {
      off();
      res.off('drain', onDrain);
      this.open.delete(res);
    };
    res.once('close', done);
  }

  /** Ends every stream (listener stopping). */
  closeAll(): void {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
