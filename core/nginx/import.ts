/**
 * An nginx configuration as a Sluice document. Reads nginx as nginx does:
 * `http` with its `server`, `location` (nested too) and `upstream` blocks —
 * or a bare file of `server`/`upstream` blocks as a sites-enabled file holds
 * them — and `stream`; includes are expanded by the reader (source.ts).
 *
 *   directives ─▶ variables check (nginx's "unknown variable" is an error here too)
 *              ─▶ http (import-http → servers, locations, proxy, upstreams) + stream
 *              ─▶ schema validation ─▶ YAML + one note per directive not imported
 *
 * Every directive ends up mapped or in a note `file:line: name not imported:
 * reason`; the result validates and runs. Isomorphic (no Node imports).
 */
import { stringify } from 'yaml';
import { formatConfigError, validateConfigObject } from '../config/index.js';
import { contentTypeOf } from '../http/mime.js';
import { applyAliases } from './import-aliases.js';
import { ImportContext, Scope, type Obj } from './import-context.js';
import { importHttp } from './import-http.js';
import { importStream } from './import-stream.js';
import { parseNginx, type Directive, type ParseError } from './parse.js';
import type { NginxSource } from './source.js';
import { unknownVariables } from './variables.js';

/** The outcome of an import: the document with its notes, or every error (nothing partial). */
export type ImportResult =
  { ok: true; yaml: string; notes: string[]; config: Obj } | { ok: false; errors: ParseError[] };

/** Formats an import error as the CLI prints it: `file:line: message`. */
export function formatImportError(e: ParseError): string {
  return `${e.file}:${e.line}: ${e.message}`;
}

/** Imports one configuration text (includes are not followed: use importNginxSource for files). */
export function importNginx(text: string, file = 'nginx.conf'): ImportResult {
  const parsed = parseNginx(text, file);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  return importNginxSource({ directives: parsed.directives, includes: [], files: [file] });
}

/** Imports a configuration read with its includes. */
export function importNginxSource(source: NginxSource): ImportResult {
  const tree = source.directives;
  const main = source.files[0] ?? 'nginx.conf';
  const errors = [...misplaced(tree), ...unknownVariables(tree)];
  if (errors.length) return { ok: false, errors };
  const ctx = new ImportContext();
  const top = new Scope(ctx, tree, 'main');
  const httpBlock = tree.find((d) => d.name === 'http')?.block ?? tree;
  applyAliases(ctx, httpBlock, tree);
  const config: Obj = { version: 1 };
  const https = tree.filter((d) => d.name === 'http');
  const bare = https.length === 0 && tree.some((d) => d.name === 'server' || d.name === 'upstream');
  const httpScope = https[0] ? top.child(https[0], 'http') : bare ? top : undefined;
  for (const extra of https.slice(1)) ctx.skipBlock(extra, 'nginx takes one http block; the first is imported');
  if (https[0]) ctx.use(https[0]);
  if (httpScope) {
    const r = importHttp(httpScope);
    if (r.admin) config.admin = r.admin;
    config.http = r.http;
  }
  const streams = tree.filter((d) => d.name === 'stream');
  for (const extra of streams.slice(1)) ctx.skipBlock(extra, 'nginx takes one stream block; the first is imported');
  if (streams[0]) {
    ctx.use(streams[0]);
    config.stream = importStream(top.child(streams[0], 'stream'));
  }
  usePlumbing(ctx, tree, https[0]?.block ?? (bare ? tree : []));
  const check = validateConfigObject(config, main);
  if (!check.ok) {
    return {
      ok: false,
      errors: check.errors.map((e) => ({
        file: main,
        line: 1,
        col: 1,
        message: `the imported config is not valid: ${formatConfigError(e).replace(/^[^:]*:\d+:\d+: /, '')}`,
      })),
    };
  }
  const notes = ctx.finish(tree);
  const yaml = `# imported by \`sluice import-nginx ${main}\`${notes.length ? ` (${notes.length} note${notes.length === 1 ? '' : 's'} on what was left out)` : ''}\n${stringify(config, { lineWidth: 0, aliasDuplicateObjects: false })}`;
  return { ok: true, yaml, notes, config };
}

/**
 * Lines that only serve what was imported: loading the stream and nchan
 * modules, `geo $dollar` (a literal "$" in strings) and the WebSocket
 * `map $http_upgrade` (Sluice passes upgrades through by itself).
 */
function usePlumbing(ctx: ImportContext, tree: readonly Directive[], http: readonly Directive[]): void {
  for (const d of tree)
    if (d.name === 'load_module' && /ngx_(stream|nchan)_module\.so$/.test(d.args[0] ?? '')) ctx.use(d);
  for (const d of http) {
    const plumbing =
      (d.name === 'geo' && d.args.join(' ') === '$dollar') ||
      (d.name === 'map' && d.args[0] === '$http_upgrade') ||
      (d.name === 'types' && sameTypes(d));
    if (plumbing) ctx.use(d, ...(d.block ?? []));
  }
}

/** A `types` block that says what Sluice's own table says (the export writes one). */
function sameTypes(d: Directive): boolean {
  return (d.block ?? []).every((t) => t.args.length > 0 && t.args.every((ext) => contentTypeOf(`x.${ext}`) === t.name));
}

/** Where nginx accepts a block: top-level server/location only in a bare server file, never both with http. */
function misplaced(tree: readonly Directive[]): ParseError[] {
  const out: ParseError[] = [];
  const hasHttp = tree.some((d) => d.name === 'http');
  for (const d of tree) {
    if (hasHttp && (d.name === 'server' || d.name === 'upstream')) {
      out.push({ file: d.file, line: d.line, col: d.col, message: `"${d.name}" directive is not allowed here` });
    }
  }
  const inside = (list: readonly Directive[], parent: string) => {
    for (const d of list) {
      if (!d.block) continue;
      if (d.name === 'location' && parent !== 'server' && parent !== 'location')
        out.push({ file: d.file, line: d.line, col: d.col, message: '"location" directive is not allowed here' });
      if ((d.name === 'http' || d.name === 'stream' || d.name === 'events') && parent !== 'main')
        out.push({ file: d.file, line: d.line, col: d.col, message: `"${d.name}" directive is not allowed here` });
      inside(d.block, d.name);
    }
  };
  inside(tree, 'main');
  return out;
}
