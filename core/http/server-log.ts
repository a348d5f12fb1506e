/**
 * The access log of one listener across config applies: opened when the
 * server gets an `access_log`, reopened when its path or format changes,
 * closed when it goes away. Turns a finished exchange into a log entry.
 */
import type { ExchangeRequest, ExchangeResponse } from '../kernel/index.js';
import { resolve } from 'node:path';
import type { AccessLogConfig } from '../config/index.js';
import type { EngineServices } from '../kernel/index.js';
import type { ExchangeRecord } from '../telemetry/exchange-record.js';
import { AccessLog } from './access-log.js';
import type { AccessEntry } from './access-log-format.js';

/** One header's first value. */
function header(req: ExchangeRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The basic-auth user a request names (nginx's `$remote_user`). */
function remoteUser(req: ExchangeRequest): string | undefined {
  const auth = header(req, 'authorization');
  if (!auth?.startsWith('Basic ')) return undefined;
  const user = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0];
  return user || undefined;
}

/** What a finished exchange says in the log: status, body bytes, time, client, request line. */
export function accessEntry(
  rec: ExchangeRecord,
  req: ExchangeRequest,
  res: ExchangeResponse,
  wallStart: number,
): AccessEntry {
  let bytes = rec.bytesOut;
  if (bytes === 0 && res.headersSent) bytes = Number(res.getHeader('content-length') ?? 0) || 0; // short answers sent without the outlet
  return {
    client: rec.client,
    time: wallStart,
    method: rec.method,
    url: rec.url,
    httpVersion: req.httpVersion,
    status: rec.status ?? (res.headersSent ? res.statusCode : 0),
    bytes,
    durationMs: rec.durationMs ?? 0,
    referer: header(req, 'referer'),
    userAgent: header(req, 'user-agent'),
    user: remoteUser(req),
  };
}

/** A listener's access log, following its config. */
export class ServerLog {
  private log: AccessLog | undefined;
  private key = '';

  constructor(private readonly services: EngineServices) {}

  /** Opens, reopens or closes the file to match the server's `access_log`. */
  configure(cfg: AccessLogConfig | undefined): void {
    const key = cfg ? `${resolve(this.services.baseDir, cfg.path)}\n${cfg.format}` : '';
    if (key === this.key) return;
    void this.log?.close();
    this.key = key;
    this.log = cfg
      ? new AccessLog(resolve(this.services.baseDir, cfg.path), cfg, (m) => this.services.log('error', m))
      : undefined;
  }

  /** Logs a finished exchange (nothing when the server has no access log). */
  write(rec: ExchangeRecord, req: ExchangeRequest, res: ExchangeResponse): void {
    const log = this.log;
    if (!log) return;
    // The record's clock may be monotonic: the wall-clock start is now minus the duration.
    log.write(accessEntry(rec, req, res, Date.now() - (rec.durationMs ?? 0)));
  }

  async close(): Promise<void> {
    const log = this.log;
    this.log = undefined;
    this.key = '';
    await log?.close();
  }
}
