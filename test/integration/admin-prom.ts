/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests:
 * throws on anything a scraper would reject or that breaks convention —
 * bad names, samples before their TYPE, a family split in two, bad label
 * escapes, duplicate series, counters not ending in _total.
 */

/** One parsed family: type, help and samples keyed by their rendered label set. */
export interface PromFamily {
  type: 'counter' | 'gauge' | 'untyped' | 'summary' | 'histogram';
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseLabels(text: string, lineNo: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`line ${lineNo}: ${why} in {${text}}`);
  };
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('label without =');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(`bad label name "${name}"`);
    if (name in out) fail(`duplicate label "${name}"`);
    if (text[eq + 1] !== '"') fail('label value must be quoted');
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = text[j];
      if (c === undefined) fail('unterminated label value');
      if (c === '"') break;
      if (c === '\n') fail('raw newline in label value');
      if (c === '\\') {
        const n = text[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else fail(`bad escape \\${n}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    out[name] = value;
    i = j + 1;
    if (i < text.length) {
      if (text[i] !== ',') fail('expected , between labels');
      i++;
    }
  }
  return out;
}

function parseValue(v: string, lineNo: number): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`line ${lineNo}: bad value "${v}"`);
  return Number(v);
}

/** Parses a whole exposition; throws with the line number on the first violation. */
export function parsePrometheus(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, PromFamily>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const open = (name: string, lineNo: number): PromFamily => {
    if (!NAME.test(name)) throw new Error(`line ${lineNo}: bad metric name "${name}"`);
    if (current !== name) {
      if (current) closed.add(current);
      if (closed.has(name)) throw new Error(`line ${lineNo}: family ${name} appears in two places`);
      current = name;
    }
    let f = families.get(name);
    if (!f) families.set(name, (f = { type: 'untyped', help: '', samples: [] }));
    return f;
  };
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, idx) => {
      const lineNo = idx + 1;
      if (line === '') throw new Error(`line ${lineNo}: empty line`);
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (meta) {
        const f = open(meta[2]!, lineNo);
        if (meta[1] === 'HELP') f.help = meta[3]!;
        else {
          if (f.samples.length) throw new Error(`line ${lineNo}: TYPE after samples of ${meta[2]}`);
          if (!['counter', 'gauge', 'untyped', 'summary', 'histogram'].includes(meta[3]!))
            throw new Error(`line ${lineNo}: bad type ${meta[3]}`);
          f.type = meta[3] as PromFamily['type'];
        }
        return;
      }
      if (line.startsWith('#')) return;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`line ${lineNo}: not a sample: ${line}`);
      const f = open(m[1]!, lineNo);
      const labels = m[2] ? parseLabels(m[2], lineNo) : {};
      const key = `${m[1]}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`line ${lineNo}: duplicate series ${line}`);
      seen.add(key);
      f.samples.push({ labels, value: parseValue(m[3]!, lineNo) });
    });
  for (const [name, f] of families) {
    if (!f.help) throw new Error(`${name} has no HELP`);
    if (f.type === 'untyped') throw new Error(`${name} has no TYPE`);
    if (f.type === 'counter' && !name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
    if (f.type === 'counter' && f.samples.some((s) => s.value < 0)) throw new Error(`counter ${name} is negative`);
  }
  return families;
}

/** The value of one series (labels must match exactly), or undefined. */
export function seriesValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return families.get(name)?.samples.find((s) => JSON.stringify(Object.entries(s.labels).sort()) === want)?.value;
}
