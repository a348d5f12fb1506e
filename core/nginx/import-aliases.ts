/**
 * `map` blocks that only rename: every entry gives the same value (often
 * just `default …`), so the variable always means that value or that other
 * variable. The import reads such a variable as what it stands for wherever
 * it is used (`proxy_pass http://$api;` with `map $host $api { default
 * backend; }` is `proxy_pass http://backend;`); maps that really choose
 * between values stay per-request logic Sluice does not have.
 */
import type { ImportContext } from './import-context.js';
import type { Directive } from './parse.js';

/** Map flags that are not entries. */
const FLAGS = new Set(['hostnames', 'volatile']);

/** The variables renamed by `map` blocks in `list`, with what each stands for. */
function aliasesOf(list: readonly Directive[]): Map<string, { value: string; map: Directive }> {
  const out = new Map<string, { value: string; map: Directive }>();
  for (const d of list) {
    if (d.name !== 'map' || !d.block || d.args.length !== 2) continue;
    const name = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(d.args[1]!)?.[1];
    const entries = d.block.filter((e) => !FLAGS.has(e.name) || e.args.length > 0);
    const values = new Set(entries.map((e) => e.args[0] ?? ''));
    if (!name || entries.length === 0 || values.size !== 1 || !entries.some((e) => e.name === 'default')) continue;
    out.set(name, { value: [...values][0]!, map: d });
  }
  return out;
}

/** Replaces renamed variables in every argument below `list` (blocks that hold regexes or keys are left alone). */
export function applyAliases(ctx: ImportContext, http: readonly Directive[], tree: readonly Directive[]): void {
  const aliases = aliasesOf(http);
  if (aliases.size === 0) return;
  const re = new RegExp(
    `\\$(?:\\{(${[...aliases.keys()].join('|')})\\}|(${[...aliases.keys()].join('|')})(?![A-Za-z0-9_]))`,
    'g',
  );
  const used = new Set<string>();
  const visit = (list: readonly Directive[]) => {
    for (const d of list) {
      if (d.name === 'map' || d.name === 'geo' || d.name === 'if' || d.name === 'location') {
        if (d.name === 'location' && d.block) visit(d.block);
        continue;
      }
      d.args = d.args.map((a) => {
        let v = a;
        // Aliases of aliases resolve in a few rounds; a cycle stops at the bound.
        for (let i = 0; i < 5 && re.test(v); i++) {
          re.lastIndex = 0;
          v = v.replace(re, (_m, braced: string | undefined, bare: string | undefined) => {
            const name = (braced ?? bare)!;
            used.add(name);
            return aliases.get(name)!.value;
          });
        }
        re.lastIndex = 0;
        return v;
      });
      if (d.block) visit(d.block);
    }
  };
  visit(tree);
  for (const name of used) {
    const { value, map } = aliases.get(name)!;
    ctx.info(map, `$${name} always means ${value}; read as that where it is used`);
    ctx.use(...(map.block ?? []));
  }
}
