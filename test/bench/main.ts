/**
 * `npm run bench`: Sluice side by side with its peers (nginx, nginx+nchan,
 * HAProxy, minimal Node servers) in one run; prints medians and ratios.
 * `npm run bench -- static sse` runs only those suites.
 *
 * Each suite is a module in this folder exporting `suite: BenchSuite`.
 */
import type { BenchSuite, BenchTable } from './harness.js';

const SUITES: Record<string, () => Promise<{ suite: BenchSuite }>> = {
  // name: () => import('./file.js'),
  small: () => import('./small.js'),
  stream: () => import('./stream.js'),
  sse: () => import('./sse.js'),
  limit: () => import('./limit.js'),
  proxy: () => import('./proxy.js'),
  telemetry: () => import('./telemetry.js'),
  static: () => import('./static.js'),
  llm: () => import('./llm.js'),
  ui: () => import('./ui.js'),
  tls: () => import('./tls.js'),
};

function printTable(t: BenchTable): void {
  console.log(`\n## ${t.title}`);
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: (string | number)[]) => `| ${cells.map((c, i) => String(c).padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(t.columns));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of t.rows) console.log(line(r));
  for (const n of t.notes ?? []) console.log(`- ${n}`);
}

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(SUITES);
for (const name of names) {
  const load = SUITES[name];
  if (!load) {
    console.error(`unknown bench suite "${name}" (have: ${Object.keys(SUITES).join(', ')})`);
    process.exitCode = 1;
    continue;
  }
  const { suite } = await load();
  try {
    for (const table of await suite.run()) printTable(table);
  } catch (err) {
    console.error(`bench ${name} failed: ${err instanceof Error ? err.stack : err}`);
    process.exitCode = 1;
  }
}
