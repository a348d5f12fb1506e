/** Reading core's import graph: the layer order, the imports of one file, and cycles among files. */
import { posix } from 'node:path';

/** core's folders, leaves first. */
export const LAYERS = [
  'util',
  'config',
  'api',
  'telemetry',
  'balance',
  'health',
  'tls',
  'kernel',
  'engine',
  'http',
  'faults',
  'shaping',
  'sse',
  'proxy',
  'stream',
  'llm',
  'nginx',
  'client',
  'host',
  'admin',
  'runtime',
  'cli',
];

const FEATURES = new Set(['http', 'faults', 'shaping', 'sse', 'proxy', 'stream', 'llm', 'nginx', 'client']);

/** True when folder `from` may import folder `to`. */
export function isLayerAllowed(from: string, to: string): boolean {
  if (from === to) return true;
  if (FEATURES.has(from) && to === 'engine') return false;
  const a = LAYERS.indexOf(from);
  const b = LAYERS.indexOf(to);
  return a >= 0 && b >= 0 && b < a;
}

/** The imports of one file: local files (relative to core, `.ts`) and packages. */
export function importsOf(source: string, file: string): { local: string[]; packages: string[] } {
  const local: string[] = [];
  const packages: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith('.')) {
      packages.push(spec);
      continue;
    }
    const target = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts');
    if (!target.startsWith('..')) local.push(target);
  }
  return { local, packages };
}

/** Strongly connected groups of more than one file (or a file importing itself), each sorted. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(group.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}
