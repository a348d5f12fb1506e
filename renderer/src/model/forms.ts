/**
 * Form ↔ schema mapping for the visual config editor. Forms edit the document
 * as the user writes it (the YAML's plain value: `512k`, `500ms` stay strings),
 * so writing a form back through updateConfigText keeps the user's units and
 * comments. Field tables follow core/config/schema.ts, one per route kind.
 */
import {
  BALANCE_KINDS,
  LIMIT_DIRECTIONS,
  LIMIT_PER,
  RECHUNK_MODES,
  ROUTE_KINDS,
  SSE_SCENARIOS,
  SSE_STEP_FAULTS,
  STREAM_FORMATS,
  STREAM_PROTOCOLS,
  type RouteKind,
} from '../../../core/config/index.js';

/** How a form field reads and writes its value. */
export type FieldType = 'text' | 'textarea' | 'number' | 'size' | 'duration' | 'bool' | 'select' | 'list';

/** One form field: a key in the edited object. */
export interface FieldSpec {
  key: string;
  label: string;
  type: FieldType;
  options?: readonly string[];
  placeholder?: string;
}

/** A plain object as parsed from YAML. */
export type Plain = Record<string, unknown>;

const f = (key: string, label: string, type: FieldType = 'text', extra: Partial<FieldSpec> = {}): FieldSpec => ({
  key,
  label,
  type,
  ...extra,
});

/** The fields of each route kind's body (sse and chunked have list editors on top). */
export const ROUTE_KIND_FIELDS: Record<RouteKind, FieldSpec[]> = {
  static: [
    f('root', 'Root folder', 'text', { placeholder: './www' }),
    f('index', 'Index file', 'text', { placeholder: 'index.html' }),
    f('max_age', 'Max age', 'duration', { placeholder: '1h' }),
    f('autoindex', 'Directory listing', 'bool'),
  ],
  chunked: [
    f('delay', 'Delay per chunk', 'duration', { placeholder: '500ms' }),
    f('repeat', 'Repeat', 'number', { placeholder: '1' }),
    f('status', 'Status', 'number', { placeholder: '200' }),
    f('content_type', 'Content type', 'text', { placeholder: 'text/plain; charset=utf-8' }),
  ],
  stream: [
    f('format', 'Format', 'select', { options: STREAM_FORMATS }),
    f('line', 'Line template', 'text', { placeholder: '{"n": {{seq}}}' }),
    f('size', 'Chunk size (binary)', 'size', { placeholder: '1k' }),
    f('every', 'Every', 'duration', { placeholder: '1s' }),
    f('count', 'Count (0 = forever)', 'number', { placeholder: '0' }),
    f('content_type', 'Content type'),
  ],
  upload: [
    f('dir', 'Upload folder', 'text', { placeholder: './uploads' }),
    f('max_size', 'Max size', 'size', { placeholder: '1g' }),
  ],
  respond: [
    f('status', 'Status', 'number', { placeholder: '200' }),
    f('body', 'Body', 'textarea'),
    f('content_type', 'Content type', 'text', { placeholder: 'text/plain; charset=utf-8' }),
  ],
  sse: [
    f('heartbeat', 'Heartbeat', 'duration', { placeholder: '15s' }),
    f('retry', 'Retry (client)', 'duration', { placeholder: '3s' }),
    f('max_clients', 'Max clients', 'number', { placeholder: '10000' }),
  ],
  llm: [],
  proxy: [
    f('upstream', 'Upstream', 'select'),
    f('buffering', 'Buffering', 'bool'),
    f('connect_timeout', 'Connect timeout', 'duration', { placeholder: '5s' }),
    f('read_timeout', 'Read timeout', 'duration', { placeholder: '60s' }),
    f('host', 'Host header', 'text', { placeholder: "client's" }),
  ],
};

/** Fields of an SSE channel (publishable). */
export const SSE_CHANNEL_FIELDS: FieldSpec[] = [
  f('channel', 'Channel name', 'text', { placeholder: 'notifications' }),
  f('replay', 'Replay buffer', 'number', { placeholder: '100' }),
];
/** Fields of a built-in SSE scenario. */
export const SSE_SCENARIO_FIELDS: FieldSpec[] = [
  f('type', 'Scenario', 'select', { options: SSE_SCENARIOS }),
  f('text', 'Text', 'textarea'),
  f('tokens_per_second', 'Tokens/s', 'number'),
  f('every', 'Every', 'duration'),
  f('count', 'Count', 'number'),
];
/** Columns of the SSE script's event-list editor. */
export const SSE_STEP_FIELDS: FieldSpec[] = [
  f('event', 'Event'),
  f('data', 'Data'),
  f('id', 'Id'),
  f('delay', 'Delay', 'duration'),
  f('every', 'Every', 'duration'),
  f('repeat', 'Repeat', 'text'),
  f('fault', 'Fault', 'select', { options: ['', ...SSE_STEP_FAULTS] }),
];
/** Fields of a limit (route or stream server). */
export const LIMIT_FIELDS: FieldSpec[] = [
  f('rate', 'Rate (bytes/s)', 'size', { placeholder: '512k' }),
  f('burst', 'Burst', 'size', { placeholder: '64k' }),
  f('after', 'Unlimited first', 'size', { placeholder: '0' }),
  f('per', 'Per', 'select', { options: LIMIT_PER }),
  f('direction', 'Direction', 'select', { options: LIMIT_DIRECTIONS }),
];
/** Fields of faults. */
export const FAULT_FIELDS: FieldSpec[] = [
  f('latency', 'Latency', 'duration'),
  f('jitter', 'Jitter', 'duration'),
  f('stall_after', 'Stall after', 'size'),
  f('reset_after', 'Reset after', 'size'),
  f('drop_connection', 'Drop probability', 'number'),
  f('rechunk', 'Re-chunk', 'select', { options: ['', ...RECHUNK_MODES] }),
];
/** Conditions of a server-wide limit rule (lists are comma-separated in the form). */
export const LIMIT_MATCH_FIELDS: FieldSpec[] = [
  f('ext', 'Extensions', 'list', { placeholder: 'mp4, zip' }),
  f('content_type', 'Content types', 'list', { placeholder: 'video/, application/zip' }),
  f('min_size', 'Min size', 'size', { placeholder: '1m' }),
  f('client', 'Clients (CIDR)', 'list', { placeholder: '127.0.0.2/32' }),
  f('path', 'Path prefix', 'text', { placeholder: '/downloads' }),
];
/** Fields of an HTTP upstream's health check. */
export const HTTP_HEALTH_FIELDS: FieldSpec[] = [
  f('interval', 'Interval', 'duration', { placeholder: '5s' }),
  f('timeout', 'Timeout', 'duration', { placeholder: '3s' }),
  f('path', 'Path', 'text', { placeholder: '/' }),
  f('fails', 'Fails', 'number', { placeholder: '3' }),
  f('passes', 'Passes', 'number', { placeholder: '2' }),
];
/** Fields of a stream upstream's health check. */
export const STREAM_HEALTH_FIELDS: FieldSpec[] = [
  f('interval', 'Interval', 'duration', { placeholder: '5s' }),
  f('timeout', 'Timeout', 'duration', { placeholder: '3s' }),
  f('fails', 'Fails', 'number', { placeholder: '3' }),
  f('passes', 'Passes', 'number', { placeholder: '2' }),
  f('send', 'Send'),
  f('expect', 'Expect'),
];
/** Fields of an HTTP server. */
export const SERVER_FIELDS: FieldSpec[] = [
  f('name', 'Name'),
  f('listen', 'Listen', 'text', { placeholder: '127.0.0.1:8080' }),
];
/** Fields of a server's `tls` (both empty: a certificate from Sluice's local CA). */
export const SERVER_TLS_FIELDS: FieldSpec[] = [
  f('cert', 'Certificate file (PEM)', 'text', { placeholder: "empty: issued by Sluice's local CA" }),
  f('key', 'Key file (PEM)', 'text', { placeholder: 'with a certificate file' }),
];
/** HTTP/2 fields of a TLS server (on by default with tls). */
export const SERVER_H2_FIELDS: FieldSpec[] = [
  f('http2', 'HTTP/2', 'select', { options: ['on', 'off'], placeholder: 'on' }),
  f('max_concurrent_streams', 'Streams per connection', 'number', { placeholder: '1000' }),
];
/** Fields of an upstream's `tls` (HTTPS to its servers). */
export const UPSTREAM_TLS_FIELDS: FieldSpec[] = [
  f('server_name', 'Server name (SNI)', 'text', { placeholder: "the server's host" }),
  f('verify', 'Verify certificate', 'select', { options: ['on', 'off'] }),
  f('ca', 'Extra CA file (PEM)', 'text', { placeholder: 'system roots only' }),
];
/** Fields of an upstream group. */
export const UPSTREAM_FIELDS: FieldSpec[] = [
  f('name', 'Name'),
  f('balance', 'Balance', 'select', { options: BALANCE_KINDS }),
];
/** Columns of an upstream's server list. */
export const UPSTREAM_SERVER_FIELDS: FieldSpec[] = [
  f('address', 'Address'),
  f('weight', 'Weight', 'number'),
  f('max_fails', 'Max fails', 'number'),
  f('fail_timeout', 'Fail timeout', 'duration'),
  f('backup', 'Backup', 'bool'),
  f('down', 'Down', 'bool'),
];
/** Fields of a TCP/UDP stream server. */
export const STREAM_SERVER_FIELDS: FieldSpec[] = [
  f('name', 'Name'),
  f('listen', 'Listen', 'text', { placeholder: '127.0.0.1:15432' }),
  f('protocol', 'Protocol', 'select', { options: STREAM_PROTOCOLS }),
  f('upstream', 'Upstream', 'select'),
  f('proxy_timeout', 'Idle timeout', 'duration', { placeholder: '10m' }),
  f('proxy_responses', 'UDP replies', 'number'),
];

/** The form's text for a field (booleans as booleans, missing as ''). */
export function readField(obj: Plain | undefined, spec: FieldSpec): string | boolean {
  const v = obj?.[spec.key];
  if (spec.type === 'bool') return v === true || v === 'on';
  if (v === undefined || v === null) return '';
  if (spec.type === 'list' && Array.isArray(v)) return v.join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The document value for a form input: '' removes the key; numbers become numbers; units stay as typed. */
export function fieldValue(spec: FieldSpec, input: string | boolean): unknown {
  if (spec.type === 'bool') return input === true ? true : undefined;
  const s = String(input);
  if (s.trim() === '') return undefined;
  if (spec.type === 'list')
    return s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const numeric = /^-?\d+(\.\d+)?$/.test(s.trim());
  if (
    spec.type === 'number' ||
    ((spec.type === 'size' || spec.type === 'duration' || spec.key === 'repeat') && numeric)
  )
    return numeric ? Number(s) : s;
  return s;
}

/** A copy of `obj` with one field written from form input (a removed value deletes the key). */
export function writeField(obj: Plain | undefined, spec: FieldSpec, input: string | boolean): Plain {
  const out: Plain = { ...(obj ?? {}) };
  const v = fieldValue(spec, input);
  if (v === undefined) delete out[spec.key];
  else out[spec.key] = v;
  return out;
}

/** The kind of a route as written (the first kind key present), or undefined. */
export function routeKindOf(route: Plain): RouteKind | undefined {
  return ROUTE_KINDS.find((k) => route[k] !== undefined);
}

/** A starting body per route kind: small, valid and obviously editable. */
export function defaultBody(kind: RouteKind): Plain {
  switch (kind) {
    case 'static':
      return { root: './www' };
    case 'chunked':
      return { chunks: ['start\n', 'working\n', 'done\n'], delay: '500ms' };
    case 'stream':
      return { format: 'ndjson', line: '{"n": {{seq}}}', every: '200ms', count: 50 };
    case 'upload':
      return { dir: './uploads' };
    case 'respond':
      return { status: 200, body: 'ok' };
    case 'sse':
      return {
        script: [
          { event: 'tick', data: '{"n": {{seq}}}', every: '1s', repeat: 10 },
          { event: 'complete', data: 'done' },
        ],
      };
    case 'proxy':
      return { upstream: 'backend' };
    case 'llm':
      return { format: 'auto', reply: 'You said: {{last_user_message}}', first_token: '400ms', tokens_per_second: 40 };
  }
}

/** A new route of `kind` at `path`. */
export function newRoute(kind: RouteKind, path: string): Plain {
  return { path, [kind]: defaultBody(kind) };
}

/** The route with its kind switched: the old kind's body goes, the new kind's default comes; path, limit, faults stay. */
export function changeRouteKind(route: Plain, kind: RouteKind): Plain {
  const out: Plain = {};
  for (const [k, v] of Object.entries(route)) if (!(ROUTE_KINDS as readonly string[]).includes(k)) out[k] = v;
  out[kind] = route[kind] ?? defaultBody(kind);
  return out;
}

/** Which of its three modes an SSE route uses. */
export type SseMode = 'script' | 'channel' | 'scenario';

/** The mode an SSE body is in (script when none is set). */
export function sseModeOf(sse: Plain): SseMode {
  if (sse.channel !== undefined) return 'channel';
  if (sse.scenario !== undefined) return 'scenario';
  return 'script';
}

/** The SSE body switched to another mode (exactly one of script, channel, scenario stays). */
export function setSseMode(sse: Plain, mode: SseMode): Plain {
  const { script, channel, scenario, ...rest } = sse;
  if (mode === 'script')
    return { ...rest, script: script ?? [{ event: 'message', data: 'hello', every: '1s', repeat: 5 }] };
  if (mode === 'channel') return { ...rest, channel: channel ?? 'notifications' };
  return { ...rest, scenario: scenario ?? { type: 'ticker' } };
}

/** The document path of a route, as config errors name it: `http.servers[0].routes[2]`. */
export function routePath(server: number, route: number): string {
  return `http.servers[${server}].routes[${route}]`;
}

/** Errors located at `prefix` or below it (`prefix.x`, `prefix[1]`). */
export function errorsUnder<E extends { path: string }>(errors: readonly E[], prefix: string): E[] {
  return errors.filter((e) => e.path === prefix || e.path.startsWith(`${prefix}.`) || e.path.startsWith(`${prefix}[`));
}

/** Chunk list of a chunked route as editable lines (objects shown as their data). */
export function chunkLines(chunked: Plain): string[] {
  const chunks = Array.isArray(chunked.chunks) ? chunked.chunks : [];
  return chunks.map((c) => (typeof c === 'string' ? c : String((c as Plain).data ?? '')));
}

/** The https:// address a browser on this machine reaches a listener at (`0.0.0.0:8443` → `https://127.0.0.1:8443/`). */
export function httpsUrlOf(listen: unknown): string {
  const s = String(listen ?? '').trim();
  const v6 = /^\[([^\]]*)\]:(\d+)$/.exec(s);
  if (v6) return `https://[${v6[1] === '::' ? '::1' : v6[1]}]:${v6[2]}/`;
  const i = s.lastIndexOf(':');
  const host = i < 0 ? '' : s.slice(0, i);
  const port = i < 0 ? s : s.slice(i + 1);
  return `https://${host === '' || host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`;
}
