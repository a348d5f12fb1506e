/**
 * What an import keeps while it walks an nginx configuration: which
 * directives it used, the notes it made, and scopes that look directives up
 * the way nginx inherits them (http → server → location → nested location).
 * A directive nobody used is listed at the end with why Sluice has no place
 * for it, so nothing disappears silently. Isomorphic.
 */
import { walk, type Directive } from './parse.js';
import { unmappedReason } from './reasons.js';

/** A config object being built, in the form a user writes (sizes and durations as text). */
export type Obj = Record<string, unknown>;

/** Directives and notes of one import. */
export class ImportContext {
  private readonly used = new Set<Directive>();
  /** Blocks whose whole content one note covers. */
  private readonly covered = new Set<Directive>();
  private readonly notes: { d: Directive; text: string }[] = [];

  /** Marks directives as mapped (their meaning is in the result). */
  use(...ds: (Directive | undefined)[]): void {
    for (const d of ds) if (d) this.used.add(d);
  }

  isUsed(d: Directive): boolean {
    return this.used.has(d);
  }

  /** A directive left out on purpose, with why: `file:line: name not imported: reason`. */
  skip(d: Directive, reason: string, what = d.name): void {
    this.used.add(d);
    this.note(d, `${what} not imported: ${reason}`);
  }

  /** Adds a note once (an inherited directive is looked at by every route below it). */
  private note(d: Directive, text: string): void {
    if (!this.notes.some((n) => n.d === d && n.text === text)) this.notes.push({ d, text });
  }

  /** A whole block left out (its directives with it). */
  skipBlock(d: Directive, reason: string, what = `${d.name}${d.args.length ? ` ${d.args.join(' ')}` : ''}`): void {
    this.skip(d, reason, what);
    this.covered.add(d);
  }

  /** A mapped directive whose meaning changed on the way: `file:line: name: text`. */
  info(d: Directive, text: string): void {
    this.used.add(d);
    this.note(d, `${d.name}: ${text}`);
  }

  /** Every note, unused directives included, in file and line order. */
  finish(tree: readonly Directive[]): string[] {
    const skipped = new Set<Directive>();
    const sweep = (list: readonly Directive[]) => {
      for (const d of list) {
        if (this.covered.has(d)) continue;
        if (!this.used.has(d)) {
          const reason = unmappedReason(d);
          this.notes.push({
            d,
            text: `${d.name} not imported: ${reason}${d.block?.length ? ` (with the ${count(d.block)} directives inside)` : ''}`,
          });
          skipped.add(d);
          continue;
        }
        if (d.block) sweep(d.block);
      }
    };
    sweep(tree);
    const order = new Map<Directive, number>();
    let i = 0;
    for (const d of walk(tree)) order.set(d, i++);
    return this.notes
      .map((n, k) => ({ ...n, k }))
      .sort((a, b) => (order.get(a.d) ?? 0) - (order.get(b.d) ?? 0) || a.k - b.k)
      .map((n) => `${n.d.file}:${n.d.line}: ${n.text}`);
  }
}

function count(list: readonly Directive[]): number {
  let n = 0;
  for (const _ of walk(list)) n++;
  return n;
}

/** The nginx contexts a scope can be. */
export type Level = 'main' | 'http' | 'server' | 'location' | 'limit_except' | 'upstream' | 'stream' | 'stream-server';

/** One block and the blocks around it, for inheritance. */
export class Scope {
  constructor(
    readonly ctx: ImportContext,
    readonly block: Directive[],
    readonly level: Level,
    readonly parent?: Scope,
    readonly node?: Directive,
  ) {}

  /** A child scope for a nested block. */
  child(node: Directive, level: Level): Scope {
    return new Scope(this.ctx, node.block ?? [], level, this, node);
  }

  /** This block's own directive of that name (the last one, as nginx keeps the last of a repeated setting); marked used. */
  own(name: string): Directive | undefined {
    let found: Directive | undefined;
    for (const d of this.block)
      if (d.name === name) {
        this.ctx.use(d);
        found = d;
      }
    return found;
  }

  /** This block's directives of that name, marked used. */
  ownAll(name: string): Directive[] {
    const out = this.block.filter((d) => d.name === name);
    this.ctx.use(...out);
    return out;
  }

  /** Without marking: does this block have one? */
  has(name: string): boolean {
    return this.block.some((d) => d.name === name);
  }

  /** The nearest directive of that name here or in an enclosing block (nginx inheritance), marked used. */
  inherited(name: string, stopAt?: Level): Directive | undefined {
    for (const s of this.lineage()) {
      const d = s.own(name);
      if (d) return d;
      if (s.level === stopAt) return undefined;
    }
    return undefined;
  }

  /**
   * Array-like settings (add_header, proxy_set_header): the nearest level
   * that has any of them wins whole, as nginx inherits them.
   */
  inheritedList(name: string): Directive[] {
    for (const s of this.lineage()) {
      const list = s.ownAll(name);
      if (list.length) return list;
    }
    return [];
  }

  /** The nearest of several directives (the first name wins within one block), up to `stopAt`; marked used. */
  nearest(names: readonly string[], stopAt?: Level): Directive | undefined {
    for (const s of this.lineage()) {
      for (const n of names) {
        const d = s.own(n);
        if (d) return d;
      }
      if (s.level === stopAt) return undefined;
    }
    return undefined;
  }

  /** The enclosing scope of a level (this one included). */
  up(level: Level): Scope | undefined {
    for (const s of this.lineage()) if (s.level === level) return s;
    return undefined;
  }

  /** This scope, then each enclosing one. */
  private *lineage(): Generator<Scope> {
    yield this;
    for (let s = this.parent; s; s = s.parent) yield s;
  }
}

/** nginx times: a bare number is seconds; ms/s/m/h/d as in nginx (w, M, y become days). */
export function nginxTime(v: string): string | undefined {
  if (/^\d+$/.test(v)) return `${v}s`;
  let days = 0;
  const rest = v.replace(/(\d+)(w|M|y)/g, (_m, n: string, u: string) => {
    days += Number(n) * (u === 'w' ? 7 : u === 'M' ? 30 : 365);
    return '';
  });
  if (!/^(\d+(ms|s|m|h|d))*$/.test(rest) || v === '') return undefined;
  return days ? `${days}d${rest}` : rest;
}

/** nginx sizes: bytes (a number) or k/m/g (either case, as text); undefined when malformed. */
export function nginxSize(v: string): string | number | undefined {
  if (/^\d+$/.test(v)) return Number(v);
  return /^\d+[kKmMgG]$/.test(v) ? v.toLowerCase() : undefined;
}

/** `on` / `off` as a boolean; undefined for anything else. */
export function onOff(d: Directive | undefined): boolean | undefined {
  const v = d?.args[0];
  return v === 'on' ? true : v === 'off' ? false : undefined;
}

/** True when an argument uses a variable (a `$` that nginx interpolates). */
export function hasVariable(arg: string): boolean {
  return /\$(\{?[A-Za-z_]|\d)/.test(arg);
}
