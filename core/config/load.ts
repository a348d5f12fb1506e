/**
 * Loading a config document: YAML (JSON is a subset) → zod → semantic checks.
 * Every problem comes back at once as `file:line:col: message`; bad input never
 * throws. The parsed `yaml` Document is returned too, so saving can keep the
 * user's comments and key order.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { configSchema, type SluiceConfig } from './schema.js';
import { type ConfigError, formatPath } from './errors.js';
import { issueMessage } from './issues.js';
import { semanticIssues, type SemanticIssue } from './semantic.js';

/** The result of loading: the config and its source document, or every error. */
export type LoadResult =
  { ok: true; config: SluiceConfig; doc: Document; errors: [] } | { ok: false; errors: ConfigError[]; doc?: Document };

interface Locator {
  file: string;
  doc: Document;
  lines: LineCounter;
}

function position(loc: Locator, offset: number | undefined): { line: number; col: number } {
  if (offset === undefined) return { line: 1, col: 1 };
  const p = loc.lines.linePos(offset);
  return { line: p.line, col: p.col };
}

/** The node at `path`, or the deepest existing ancestor (a missing key points at its parent map). */
function nodeAt(doc: Document, path: readonly PropertyKey[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node;
  }
  return doc.contents ?? undefined;
}

/** The key node of `key` inside the map at `path` (for "unknown key" errors). */
function keyNodeAt(doc: Document, path: readonly PropertyKey[], key: string): Node | undefined {
  const map = doc.getIn(path as unknown[], true);
  if (!isMap(map)) return undefined;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item.key;
  }
  return undefined;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function makeError(loc: Locator, path: readonly PropertyKey[], message: string, node?: Node): ConfigError {
  const target = node ?? nodeAt(loc.doc, path);
  const { line, col } = position(loc, target?.range?.[0]);
  const p = formatPath(path);
  return { file: loc.file, line, col, path: p, message: p ? `${p}: ${message}` : message };
}

/**
 * Semantic checks over a document the schema refused: missing lists are
 * filled in, and a shape too broken to check yields nothing rather than a
 * crash. Values are as written (sizes unparsed), so only reference and
 * duplicate checks can fire — never a false alarm from an unparsed unit.
 */
function softSemanticIssues(data: Record<string, unknown>): SemanticIssue[] {
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);
  const http = obj(data.http);
  const stream = obj(data.stream);
  const soft = {
    admin: undefined,
    http: {
      servers: list(http.servers).map((s) => ({
        ...s,
        routes: list(s.routes).map((r) => ({ ...r, limit: undefined, sse: undefined })),
      })),
      upstreams: list(http.upstreams).map((u) => ({ ...u, servers: list(u.servers) })),
      limits: undefined,
    },
    stream: {
      servers: list(stream.servers).map((s) => ({ ...s, limit: undefined })),
      upstreams: list(stream.upstreams).map((u) => ({ ...u, servers: list(u.servers) })),
    },
  } as unknown as SluiceConfig;
  try {
    return semanticIssues(soft);
  } catch {
    return [];
  }
}

/** Loads and validates a document; `file` is only used in messages. */
export function loadConfig(text: string, file = 'config.yaml'): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const loc: Locator = { file, doc, lines };

  if (doc.errors.length > 0) {
    return {
      ok: false,
      doc,
      errors: doc.errors.map((e) => {
        const { line, col } = position(loc, e.pos[0]);
        return { file, line, col, path: '', message: e.message.split('\n')[0]! };
      }),
    };
  }
  const data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, doc, errors: [makeError(loc, [], 'the document must be a mapping (version: 1, http: …)')] };
  }

  const parsed = configSchema.safeParse(data);
  const errors: ConfigError[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          errors.push(makeError(loc, [...issue.path, key], `unknown key "${key}"`, keyNodeAt(doc, issue.path, key)));
        }
        continue;
      }
      errors.push(makeError(loc, issue.path, issueMessage(issue, valueAt(data, issue.path))));
    }
    // Reference and duplicate checks still run on what the user wrote, so one pass shows every error.
    const seen = new Set(errors.map((e) => e.path));
    for (const s of softSemanticIssues(data)) {
      const e = makeError(loc, s.path, s.message);
      if (!seen.has(e.path)) errors.push(e);
    }
  } else {
    for (const s of semanticIssues(parsed.data)) errors.push(makeError(loc, s.path, s.message));
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line || a.col - b.col);
    return { ok: false, doc, errors };
  }
  return { ok: true, config: parsed.data!, doc, errors: [] };
}

/** Validates an already-parsed object (e.g. JSON from the control API); positions come from a YAML rendering. */
export function validateConfigObject(value: unknown, file = 'config'): LoadResult {
  return loadConfig(JSON.stringify(value ?? {}, null, 2), file);
}
