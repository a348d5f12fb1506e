/** Content types by file extension: a small map of what a mock server serves, with a safe default. */

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  ndjson: 'application/x-ndjson',
  jsonl: 'application/x-ndjson',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  mp4: 'video/mp4',
  webm: 'video/webm',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  ts: 'video/mp2t',
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  tar: 'application/x-tar',
  '7z': 'application/x-7z-compressed',
  wasm: 'application/wasm',
  bin: 'application/octet-stream',
  iso: 'application/octet-stream',
  dmg: 'application/octet-stream',
};

/** The default for unknown extensions, as nginx's `default_type`. */
export const DEFAULT_TYPE = 'application/octet-stream';

/** The content type for a file name (`a/b.txt` → text/plain; charset=utf-8). */
export function contentTypeOf(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return DEFAULT_TYPE;
  return TYPES[base.slice(dot + 1).toLowerCase()] ?? DEFAULT_TYPE;
}

/** The whole table as type → extensions, in table order (the nginx export writes it as a `types {}` block). */
export function typesByExtension(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [ext, type] of Object.entries(TYPES)) {
    const list = out.get(type) ?? [];
    list.push(ext);
    out.set(type, list);
  }
  return out;
}
