/**
 * Reads an nginx configuration from disk as nginx does: the main file, and
 * every `include` spliced in where it stands (globs expanded in name order,
 * relative paths against the main file's directory, then the including
 * file's). Include loops, missing files, binary files and oversized
 * configurations are errors at the line that caused them; nothing is
 * returned half-read.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseNginx, type Directive, type ParseError } from './parse.js';

/** The most configuration text one import reads, all files together. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** A configuration with its includes expanded. */
export interface NginxSource {
  /** The directives, includes replaced by what they include. */
  directives: Directive[];
  /** The include directives that were followed (they map to nothing themselves). */
  includes: Directive[];
  /** Every file read, main file first, as shown in messages. */
  files: string[];
}

/** The outcome of reading a configuration. */
export type SourceResult = { ok: true; source: NginxSource } | { ok: false; errors: ParseError[] };

class ReadProblem {
  constructor(readonly error: ParseError) {}
}

/** What one read shares: the main file's place, the byte budget, what was read. */
interface Reading {
  mainDir: string;
  shownDir: string;
  bytes: number;
  maxBytes: number;
  includes: Directive[];
  files: string[];
}

/** Reads and parses `path` and everything it includes. */
export async function readNginxSource(path: string, opts: { maxBytes?: number } = {}): Promise<SourceResult> {
  const abs = resolve(path);
  const r: Reading = {
    mainDir: dirname(abs),
    shownDir: dirname(path),
    bytes: 0,
    maxBytes: opts.maxBytes ?? MAX_CONFIG_BYTES,
    includes: [],
    files: [],
  };
  try {
    const directives = await readOne(r, abs, path, [], undefined);
    return { ok: true, source: { directives, includes: r.includes, files: r.files } };
  } catch (e) {
    if (e instanceof ReadProblem) return { ok: false, errors: [e.error] };
    throw e;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Reads one file (at `abs`, shown as `shown`) and expands its includes; `stack` holds the files including it. */
async function readOne(
  r: Reading,
  abs: string,
  shown: string,
  stack: string[],
  from: Directive | undefined,
): Promise<Directive[]> {
  const at = (message: string): ParseError =>
    from ? { file: from.file, line: from.line, col: from.col, message } : { file: shown, line: 1, col: 1, message };
  let data: Buffer;
  try {
    const info = await stat(abs);
    if (info.isDirectory())
      throw new ReadProblem(at(`${from ? `include ${from.args[0]}: ` : ''}${shown} is a directory`));
    if (r.bytes + info.size > r.maxBytes) {
      throw new ReadProblem(
        at(
          `${from ? `include ${from.args[0]}: ` : ''}the configuration would be ${mib(r.bytes + info.size)}; an import reads at most ${mib(r.maxBytes)}`,
        ),
      );
    }
    data = await readFile(abs);
  } catch (err) {
    if (err instanceof ReadProblem) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'file not found' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new ReadProblem(at(from ? `include ${from.args[0]}: ${why} (${shown})` : why));
  }
  r.bytes += data.length;
  if (data.includes(0))
    throw new ReadProblem(at(`${from ? `include ${from.args[0]}: ` : ''}${shown} is not a text file`));
  r.files.push(shown);
  const parsed = parseNginx(data.toString('utf8'), shown);
  if (!parsed.ok) throw new ReadProblem(parsed.error);
  return expand(r, parsed.directives, abs, [...stack, abs]);
}

/** Replaces include directives in a list (and in nested blocks) by the directives they include. */
async function expand(r: Reading, list: Directive[], file: string, stack: string[]): Promise<Directive[]> {
  const out: Directive[] = [];
  for (const d of list) {
    if (d.name !== 'include') {
      if (d.block) d.block = await expand(r, d.block, file, stack);
      out.push(d);
      continue;
    }
    if (d.args.length !== 1 || d.block)
      throw new ReadProblem({
        file: d.file,
        line: d.line,
        col: d.col,
        message: 'include takes one file name or pattern',
      });
    r.includes.push(d);
    for (const target of await includedFiles(r, d, file)) {
      if (stack.includes(target)) {
        const chain = [...stack.slice(stack.indexOf(target)), target].map((f) => basename(f)).join(' → ');
        throw new ReadProblem({
          file: d.file,
          line: d.line,
          col: d.col,
          message: `include ${d.args[0]}: include loop (${chain})`,
        });
      }
      out.push(...(await readOne(r, target, shownPath(r, target), stack, d)));
    }
  }
  return out;
}

/** A path as messages show it: relative to where the main file was named from. */
function shownPath(r: Reading, abs: string): string {
  const rel = relative(r.mainDir, abs);
  return rel.startsWith('..') || isAbsolute(rel) ? abs : join(r.shownDir, rel);
}

/** The files an include names: one path, or a glob's matches in name order (none is fine, as in nginx). */
async function includedFiles(r: Reading, d: Directive, file: string): Promise<string[]> {
  const pattern = d.args[0]!;
  if (pattern.includes('$'))
    throw new ReadProblem({
      file: d.file,
      line: d.line,
      col: d.col,
      message: `include ${pattern}: variables are not allowed in include`,
    });
  const bases = isAbsolute(pattern) ? [''] : [r.mainDir, dirname(file)];
  if (!/[*?[]/.test(pattern)) {
    const candidates = bases.map((b) => resolve(b, pattern));
    for (const c of candidates) if (await exists(c)) return [c];
    return [candidates[0]!]; // reading it reports "file not found" at the include line
  }
  const dirPart = dirname(pattern);
  if (/[*?[]/.test(dirPart))
    throw new ReadProblem({
      file: d.file,
      line: d.line,
      col: d.col,
      message: `include ${pattern}: wildcards are supported in the file name only`,
    });
  const re = globRegex(basename(pattern));
  for (const b of bases) {
    const dir = resolve(b, dirPart);
    const names = await readdir(dir).catch(() => undefined);
    if (names)
      return names
        .filter((n) => re.test(n) && !n.startsWith('.'))
        .sort()
        .map((n) => join(dir, n));
  }
  return [];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A shell glob of one path segment (`*.conf`, `site-?.conf`, `[ab].conf`) as a regular expression. */
function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
