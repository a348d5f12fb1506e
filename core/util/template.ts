/**
 * A tiny template language for generated lines and event data:
 *
 *   {{seq}}            per-connection counter (starts at 1)
 *   {{now}}            ISO time            {{ts}}    epoch milliseconds
 *   {{uuid}}           a random UUID
 *   {{rand 1 100}}     random integer, both ends inclusive
 *   {{choice a b c}}   one of the words ("quoted words" may hold spaces)
 *   {{query.name}}     a query parameter  {{header.name}}  a request header
 *   {{name}}           a variable the caller supplies (`vars`), e.g. {{last_user_message}}
 *
 * A placeholder that is not one of these stays in the output as written, so
 * JSON with literal braces and typos are visible instead of vanishing.
 * A template is compiled once per route into parts; rendering is a join.
 */

/** Query parameters as a URLSearchParams or a plain record. */
export type TemplateQuery = URLSearchParams | Record<string, string | string[] | undefined>;

/** What a render call may read. */
export interface TemplateContext {
  /** Per-connection counter; the caller increments it (first render gets 1). */
  seq: number;
  query?: TemplateQuery;
  /** Request headers (Node's lower-cased IncomingHttpHeaders fit). */
  headers?: Record<string, string | string[] | undefined>;
  /** Random number in [0, 1); injected for deterministic tests. */
  rng?: () => number;
  /** Wall-clock epoch ms; injected for deterministic tests. */
  now?: () => number;
  /** Named values for `{{name}}` placeholders (an LLM route's `last_user_message`); a name not here stays as written. */
  vars?: Readonly<Record<string, string>>;
}

/** One compiled piece: literal text or a function of the context. */
type Part = string | ((ctx: TemplateContext) => string);

/** A compiled template. */
export interface Template {
  readonly source: string;
  /** True when the template has no placeholders (render returns the source). */
  readonly isStatic: boolean;
  /** True when some part reads the per-connection `seq`. */
  readonly usesSeq: boolean;
  render(ctx: TemplateContext): string;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Splits `choice a "b c" d` into words, honouring double quotes. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2]!);
  return out;
}

function first(v: string | string[] | undefined | null): string {
  if (v === undefined || v === null) return '';
  return Array.isArray(v) ? (v[0] ?? '') : v;
}

function queryValue(q: TemplateQuery | undefined, name: string): string {
  if (!q) return '';
  if (q instanceof URLSearchParams) return q.get(name) ?? '';
  return first(q[name]);
}

const random = (ctx: TemplateContext) => (ctx.rng ?? Math.random)();
const wallNow = (ctx: TemplateContext) => (ctx.now ?? Date.now)();

/** Compiles one placeholder body (`rand 1 10`) or returns undefined when it is unknown. */
function compilePlaceholder(body: string): { fn: (ctx: TemplateContext) => string; seq: boolean } | undefined {
  const [head = '', ...args] = words(body);
  if (args.length === 0) {
    switch (head) {
      case 'seq':
        return { fn: (c) => String(c.seq), seq: true };
      case 'now':
        return { fn: (c) => new Date(wallNow(c)).toISOString(), seq: false };
      case 'ts':
        return { fn: (c) => String(Math.floor(wallNow(c))), seq: false };
      case 'uuid':
        return { fn: () => globalThis.crypto.randomUUID(), seq: false };
    }
    const dot = head.indexOf('.');
    if (dot > 0) {
      const scope = head.slice(0, dot);
      const key = head.slice(dot + 1);
      if (key && scope === 'query') return { fn: (c) => queryValue(c.query, key), seq: false };
      if (key && (scope === 'header' || scope === 'headers')) {
        const lower = key.toLowerCase();
        return { fn: (c) => first(c.headers?.[lower]), seq: false };
      }
    }
    return undefined;
  }
  if (head === 'rand' && args.length === 2) {
    const lo = Number(args[0]);
    const hi = Number(args[1]);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) return undefined;
    const span = hi - lo + 1;
    return { fn: (c) => String(lo + Math.min(span - 1, Math.floor(random(c) * span))), seq: false };
  }
  if (head === 'choice') {
    return { fn: (c) => args[Math.min(args.length - 1, Math.floor(random(c) * args.length))]!, seq: false };
  }
  return undefined;
}

/** A bare name (`last_user_message`) read from the render context's vars, or the placeholder as written when absent. */
function variable(body: string, written: string): { fn: (ctx: TemplateContext) => string; seq: boolean } | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(body)) return undefined;
  return { fn: (c) => c.vars?.[body] ?? written, seq: false };
}

/** Parses a template once; unknown placeholders are kept as literal text. */
export function compileTemplate(source: string): Template {
  const parts: Part[] = [];
  let literal = '';
  let last = 0;
  let usesSeq = false;
  for (const m of source.matchAll(PLACEHOLDER)) {
    literal += source.slice(last, m.index);
    last = m.index + m[0].length;
    const compiled = compilePlaceholder(m[1]!) ?? variable(m[1]!, m[0]);
    if (!compiled) {
      literal += m[0];
      continue;
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push(compiled.fn);
    usesSeq ||= compiled.seq;
  }
  literal += source.slice(last);
  if (literal) parts.push(literal);
  const isStatic = parts.every((p) => typeof p === 'string');
  const text = parts.join('');
  return {
    source,
    isStatic,
    usesSeq,
    render: isStatic
      ? () => text
      : (ctx) => {
          let out = '';
          for (const p of parts) out += typeof p === 'string' ? p : p(ctx);
          return out;
        },
  };
}

/** Compiles and renders once (for one-off strings; routes should compile once). */
export function renderTemplate(source: string, ctx: TemplateContext): string {
  return compileTemplate(source).render(ctx);
}
