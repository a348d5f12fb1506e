/**
 * Access log lines, as nginx writes them: the `combined` format
 *
 *   127.0.0.1 - - [03/Dec/2026:08:09:42 +0100] "GET /a HTTP/1.1" 200 612 "-" "curl/8.0"
 *
 * or one JSON object per line with nginx's variable names (the fields of the
 * `log_format … escape=json` the nginx export writes). Pure functions.
 */

/** What one line says about a finished request. */
export interface AccessEntry {
  client: string;
  /** Wall-clock time the request started, epoch ms. */
  time: number;
  method: string;
  /** The request target as sent (path and query). */
  url: string;
  httpVersion: string;
  status: number;
  /** Response body bytes sent. */
  bytes: number;
  durationMs: number;
  referer?: string;
  userAgent?: string;
  /** Basic-auth user, when the request named one. */
  user?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** nginx's `$time_local`: `03/Dec/2026:08:09:42 +0100`, in the given UTC offset (minutes east). */
export function timeLocal(ms: number, offsetMinutes = -new Date(ms).getTimezoneOffset()): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const off = Math.abs(offsetMinutes);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${sign}${pad(Math.floor(off / 60))}${pad(off % 60)}`;
}

/** nginx escapes `"`, `\` and bytes outside printable ASCII as \xHH in log fields. */
function escapeField(v: string): string {
  if (/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(v)) return v;
  let out = '';
  for (const ch of Buffer.from(v, 'utf8')) {
    out +=
      ch === 0x22 || ch === 0x5c || ch < 0x20 || ch > 0x7e
        ? `\\x${ch.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(ch);
  }
  return out;
}

/** One line in nginx's `combined` format (with the newline). */
export function formatCombined(e: AccessEntry, offsetMinutes?: number): string {
  const request = escapeField(`${e.method} ${e.url} HTTP/${e.httpVersion}`);
  const referer = e.referer ? escapeField(e.referer) : '-';
  const agent = e.userAgent ? escapeField(e.userAgent) : '-';
  return `${e.client} - ${e.user ? escapeField(e.user) : '-'} [${timeLocal(e.time, offsetMinutes)}] "${request}" ${e.status} ${e.bytes} "${referer}" "${agent}"\n`;
}

/** One JSON line with nginx's variable names (with the newline). */
export function formatJson(e: AccessEntry): string {
  return `${JSON.stringify({
    time: new Date(e.time).toISOString(),
    remote_addr: e.client,
    request_method: e.method,
    request_uri: e.url,
    status: e.status,
    body_bytes_sent: e.bytes,
    request_time: Math.round(e.durationMs) / 1000,
    http_referer: e.referer ?? '',
    http_user_agent: e.userAgent ?? '',
  })}\n`;
}
