/**
 * A small reader for nginx's config syntax: words, quoted strings, `;`,
 * blocks in braces, `#` comments, `${var}`, backslash escapes in quotes.
 * Produces a tree of directives with their line:col, or positioned errors.
 * Isomorphic (no Node imports).
 */

/** One directive: `name arg…;` or `name arg… { children }`. */
export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
  line: number;
  col: number;
}

/** A syntax error at a position (1-based). */
export interface ParseError {
  line: number;
  col: number;
  message: string;
}

interface Token {
  text: string;
  kind: 'word' | ';' | '{' | '}';
  line: number;
  col: number;
}

/** Splits nginx config text into tokens; throws a ParseError on an unterminated quote. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const adv = () => {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
    i++;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      adv();
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') adv();
      continue;
    }
    const at = { line, col };
    if (ch === ';' || ch === '{' || ch === '}') {
      out.push({ text: ch, kind: ch, ...at });
      adv();
      continue;
    }
    let word = '';
    if (ch === '"' || ch === "'") {
      adv();
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const n = text[i + 1]!;
          word += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === ch || n === '\\' ? n : `\\${n}`;
          adv();
          adv();
          continue;
        }
        word += text[i];
        adv();
      }
      if (i >= text.length)
        throw { ...at, message: `unterminated ${ch === '"' ? 'double' : 'single'} quote` } satisfies ParseError;
      adv();
    } else {
      while (i < text.length && !/[\s;{}]/.test(text[i]!)) {
        // `${var}` may contain braces.
        if (text[i] === '$' && text[i + 1] === '{') {
          while (i < text.length && text[i] !== '}') {
            word += text[i];
            adv();
          }
          if (i >= text.length) break; // an unclosed `${` runs to the end of the text
        }
        if (text[i] === '\\' && i + 1 < text.length) {
          word += text[i];
          adv();
        }
        word += text[i];
        adv();
      }
    }
    out.push({ text: word, kind: 'word', ...at });
  }
  return out;
}

/** Parses nginx config text into directives, or the first syntax error. */
export function parseNginx(text: string): { ok: true; directives: Directive[] } | { ok: false; error: ParseError } {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (e) {
    return { ok: false, error: e as ParseError };
  }
  let pos = 0;
  const block = (depth: number, open?: Token): Directive[] => {
    const list: Directive[] = [];
    for (;;) {
      const t = tokens[pos];
      if (!t) {
        if (depth > 0)
          throw { line: open!.line, col: open!.col, message: 'unclosed "{" (missing "}")' } satisfies ParseError;
        return list;
      }
      if (t.kind === '}') {
        if (depth === 0) throw { line: t.line, col: t.col, message: 'unexpected "}"' } satisfies ParseError;
        pos++;
        return list;
      }
      if (t.kind !== 'word') throw { line: t.line, col: t.col, message: `unexpected "${t.text}"` } satisfies ParseError;
      const d: Directive = { name: t.text, args: [], line: t.line, col: t.col };
      pos++;
      for (;;) {
        const a = tokens[pos];
        if (!a)
          throw {
            line: t.line,
            col: t.col,
            message: `directive "${t.text}" is not terminated by ";"`,
          } satisfies ParseError;
        pos++;
        if (a.kind === 'word') d.args.push(a.text);
        else if (a.kind === ';') break;
        else if (a.kind === '{') {
          d.block = block(depth + 1, a);
          break;
        } else
          throw { line: a.line, col: a.col, message: `unexpected "}" in directive "${t.text}"` } satisfies ParseError;
      }
      list.push(d);
    }
  };
  try {
    return { ok: true, directives: block(0) };
  } catch (e) {
    return { ok: false, error: e as ParseError };
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
