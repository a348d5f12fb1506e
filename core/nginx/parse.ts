/**
 * A reader for nginx's config syntax, as nginx tokenizes it: words, quoted
 * strings with backslash escapes, `;`, blocks in braces, `#` comments at the
 * start of a word, `${var}` inside words. Produces a tree of directives with
 * their file and line, or the first syntax error at its position. Iterative,
 * so a file of ten thousand `{` is an error, not a stack overflow.
 * Isomorphic (no Node imports).
 */

/** One directive: `name arg…;` or `name arg… { children }`. */
export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
  file: string;
  line: number;
  col: number;
  /** The `#` comment lines right above it (without `#`), when there are any. */
  comments?: string[];
}

/** A syntax (or reading) error at a position (1-based). */
export interface ParseError {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** Blocks nested deeper than this are refused (nginx configs use a handful). */
export const MAX_DEPTH = 64;

type TokenKind = 'word' | ';' | '{' | '}';
interface Token {
  text: string;
  kind: TokenKind;
  line: number;
  col: number;
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c]);
const SPECIAL = new Set([0x3b, 0x7b, 0x7d]); // ; { }

/** Thrown inside the reader; turned into a ParseError result at the boundary. */
class SyntaxProblem {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly message: string,
  ) {}
}

/** Splits config text into tokens as nginx's ngx_conf_read_token does. */
class Tokenizer {
  private i = 0;
  private line = 1;
  private col = 1;
  /** Comments read since the last token; the next directive takes them. */
  comments: string[] = [];

  constructor(private readonly text: string) {}

  private advance(): void {
    if (this.text.charCodeAt(this.i) === 0x0a) {
      this.line++;
      this.col = 1;
    } else this.col++;
    this.i++;
  }

  next(): Token | undefined {
    const t = this.text;
    for (;;) {
      while (this.i < t.length && SPACE.has(t.charCodeAt(this.i))) this.advance();
      if (this.i >= t.length) return undefined;
      if (t.charCodeAt(this.i) !== 0x23) break; // '#': a comment to the end of the line
      const from = this.i + 1;
      while (this.i < t.length && t.charCodeAt(this.i) !== 0x0a) this.advance();
      this.comments.push(t.slice(from, this.i).trim());
    }
    const line = this.line;
    const col = this.col;
    const c = t.charCodeAt(this.i);
    if (SPECIAL.has(c)) {
      const kind = t[this.i] as TokenKind;
      this.advance();
      return { text: kind, kind, line, col };
    }
    if (c === 0x22 || c === 0x27) return this.quoted(line, col);
    return this.word(line, col);
  }

  private quoted(line: number, col: number): Token {
    const t = this.text;
    const quote = t.charCodeAt(this.i);
    this.advance();
    let out = '';
    let from = this.i;
    for (;;) {
      if (this.i >= t.length)
        throw new SyntaxProblem(line, col, `unterminated ${quote === 0x22 ? 'double' : 'single'} quote`);
      const c = t.charCodeAt(this.i);
      if (c === quote) break;
      if (c === 0x5c && this.i + 1 < t.length) {
        out += t.slice(from, this.i);
        const n = t[this.i + 1]!;
        // nginx unescapes only the quote itself, backslash, and \t \r \n.
        out +=
          n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === '"' || n === "'" || n === '\\' ? n : `\\${n}`;
        this.advance();
        this.advance();
        from = this.i;
        continue;
      }
      this.advance();
    }
    out += t.slice(from, this.i);
    this.advance();
    const after = t.charCodeAt(this.i);
    if (this.i < t.length && !SPACE.has(after) && !SPECIAL.has(after)) {
      throw new SyntaxProblem(this.line, this.col, `unexpected "${t[this.i]}" after a quoted string`);
    }
    return { text: out, kind: 'word', line, col };
  }

  private word(line: number, col: number): Token {
    const t = this.text;
    const from = this.i;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      // As in nginx, "}" inside a word is part of it; only space, ";" and "{" end a word.
      if (SPACE.has(c) || c === 0x3b || c === 0x7b) break;
      if (c === 0x24 && t.charCodeAt(this.i + 1) === 0x7b) {
        // `${var}` may hold a brace that is not a block end.
        const close = t.indexOf('}', this.i);
        if (close < 0) throw new SyntaxProblem(this.line, this.col, 'unclosed "${" in a variable name');
        while (this.i <= close) this.advance();
        continue;
      }
      if (c === 0x5c && this.i + 1 < t.length) this.advance();
      this.advance();
    }
    return { text: t.slice(from, this.i), kind: 'word', line, col };
  }
}

/** A block being read: its directives and the directive that opened it. */
interface Frame {
  list: Directive[];
  open?: Token;
  owner?: Directive;
}

/** Parses nginx config text into directives, or the first syntax error. */
export function parseNginx(
  text: string,
  file = 'nginx.conf',
): { ok: true; directives: Directive[] } | { ok: false; error: ParseError } {
  try {
    return { ok: true, directives: readBlocks(new Tokenizer(text), file) };
  } catch (e) {
    if (e instanceof SyntaxProblem) return { ok: false, error: { file, line: e.line, col: e.col, message: e.message } };
    throw e;
  }
}

function readBlocks(tokens: Tokenizer, file: string): Directive[] {
  const stack: Frame[] = [{ list: [] }];
  let current: Directive | undefined;
  for (;;) {
    const t = tokens.next();
    const frame = stack[stack.length - 1]!;
    if (!t) {
      if (current)
        throw new SyntaxProblem(
          current.line,
          current.col,
          `unexpected end of file: directive "${current.name}" is not terminated by ";"`,
        );
      if (stack.length > 1)
        throw new SyntaxProblem(
          frame.open!.line,
          frame.open!.col,
          `unexpected end of file: "{" of "${frame.owner!.name}" is never closed (missing "}")`,
        );
      return frame.list;
    }
    if (t.kind === 'word') {
      if (current) current.args.push(t.text);
      else {
        current = { name: t.text, args: [], file, line: t.line, col: t.col };
        if (tokens.comments.length) current.comments = tokens.comments;
      }
      tokens.comments = [];
      continue;
    }
    tokens.comments = [];
    if (t.kind === ';') {
      if (!current) throw new SyntaxProblem(t.line, t.col, 'unexpected ";"');
      frame.list.push(current);
      current = undefined;
      continue;
    }
    if (t.kind === '{') {
      if (!current) throw new SyntaxProblem(t.line, t.col, 'unexpected "{"');
      if (stack.length > MAX_DEPTH)
        throw new SyntaxProblem(t.line, t.col, `blocks nested deeper than ${MAX_DEPTH} levels`);
      current.block = [];
      frame.list.push(current);
      stack.push({ list: current.block, open: t, owner: current });
      current = undefined;
      continue;
    }
    // '}'
    if (current)
      throw new SyntaxProblem(t.line, t.col, `unexpected "}": directive "${current.name}" is not terminated by ";"`);
    if (stack.length === 1) throw new SyntaxProblem(t.line, t.col, 'unexpected "}" (no block is open)');
    stack.pop();
  }
}

/** First directive with that name in a list. */
export function find(list: Directive[] | undefined, name: string): Directive | undefined {
  return list?.find((d) => d.name === name);
}

/** Every directive with that name in a list. */
export function findAll(list: Directive[] | undefined, name: string): Directive[] {
  return list?.filter((d) => d.name === name) ?? [];
}

/** Every directive of a tree, depth first, blocks before their children. */
export function* walk(list: readonly Directive[]): Generator<Directive> {
  const stack: Directive[][] = [[...list].reverse()];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const d = top.pop();
    if (!d) {
      stack.pop();
      continue;
    }
    yield d;
    if (d.block?.length) stack.push([...d.block].reverse());
  }
}
