/**
 * Writes nginx configuration text: indented lines, blocks, comments, and
 * quoting that nginx reads back as the same string. Isomorphic.
 */

/** Lines with indentation, built up block by block. */
export class Conf {
  readonly lines: string[] = [];
  private depth = 0;

  line(text: string): this {
    this.lines.push(`${'    '.repeat(this.depth)}${text}`);
    return this;
  }

  comment(text: string): this {
    for (const l of text.split('\n')) this.line(`# ${l}`);
    return this;
  }

  open(head: string): this {
    this.line(`${head} {`);
    this.depth++;
    return this;
  }

  close(): this {
    this.depth--;
    return this.line('}');
  }

  blank(): this {
    this.lines.push('');
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/**
 * Quotes a value for nginx when it has spaces, quotes, braces, semicolons or
 * `$` (nginx has no escape for `$` in strings, so it becomes `${dollar}`,
 * a variable the export defines as "$").
 */
export function quote(v: string): string {
  return /^[^\s"'{};$\\#]+$/.test(v)
    ? v
    : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '${dollar}')}"`;
}

/** Map keys are not interpolated, so a regex keeps its `$`; quoted only when it has spaces or braces. */
export function quoteRegex(re: string): string {
  return /[\s{};"']/.test(re) ? `"${re.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : re;
}
