/**
 * Server-wide limit rules (`http.limits`) as nginx: a chain of `map`/`geo`
 * blocks ending in `$sluice_limit_rate` (nginx ≥ 1.17 takes variables in
 * `limit_rate`). Rule i's conditions are tested in turn; a miss falls through
 * to rule i+1's variable, the last to the default (0 = unlimited). Rules
 * nginx cannot test (response sizes, request bodies) become comments.
 */
import { sizeToConfig, type LimitConfig, type LimitRuleConfig, type SluiceConfig } from '../config/index.js';
import { explainLimit, explainRule } from '../shaping/explain.js';
import { quoteRegex, type Conf } from './conf-writer.js';

/** Which variables or values limit_rate / limit_rate_after take at the http level (undefined: no server-wide limit). */
export interface LimitVars {
  rate?: string;
  after?: string;
}

const size = (v: number) => sizeToConfig(v);

/** Writes the chains (or nothing) and says what the http level's limit_rate should be. */
export function exportLimitRules(c: Conf, limits: SluiceConfig['http']['limits']): LimitVars {
  if (!limits || (limits.rules.length === 0 && !limits.default)) return {};
  const usable: { rule: LimitRuleConfig; index: number }[] = [];
  limits.rules.forEach((rule, index) => {
    const why = unexportableRule(rule);
    if (why) c.comment(`limit rule ${index + 1} (${explainRule(rule)}) is left out: ${why}`);
    else usable.push({ rule, index });
  });
  const def = limits.default && limits.default.direction !== 'in' ? limits.default : undefined;
  if (limits.default) c.comment(`default limit: ${explainLimit(limits.default)}`);
  if (usable.length === 0) {
    // No rule nginx can express: the default is a plain limit_rate (a literal re-imports as the default).
    return def ? { rate: size(def.rate), after: def.after > 0 ? size(def.after) : undefined } : {};
  }
  const vars: LimitVars = { rate: '$sluice_limit_rate' };
  chain(c, 'rate', usable, (l) => size(l.rate), def ? size(def.rate) : '0');
  if (usable.some((u) => u.rule.after > 0) || (def?.after ?? 0) > 0) {
    chain(c, 'after', usable, (l) => size(l.after), def ? size(def.after) : '0');
    vars.after = '$sluice_limit_after';
  }
  return vars;
}

function unexportableRule(rule: LimitRuleConfig): string | undefined {
  if (rule.direction === 'in') return 'nginx http has no request body rate limit';
  if (rule.match.min_size !== undefined) return 'nginx cannot compare response sizes in a map';
  return undefined;
}

/** One variable per (rule, condition); the first rule's first condition is `$sluice_limit_<what>`. */
function chain(
  c: Conf,
  what: string,
  rules: { rule: LimitRuleConfig; index: number }[],
  value: (l: LimitConfig) => string,
  fallback: string,
): void {
  const entry = (i: number, k: number) =>
    i === 0 && k === 0 ? `$sluice_limit_${what}` : `$sluice_${what}_r${i}_c${k}`;
  rules.forEach(({ rule }, i) => {
    const conds = conditions(rule);
    const miss = i + 1 < rules.length ? entry(i + 1, 0) : fallback;
    conds.forEach((cond, k) => {
      const hit = k + 1 < conds.length ? entry(i, k + 1) : value(rule);
      if (cond.geo) {
        c.open(`geo ${entry(i, k)}_ip`).line('default 0;');
        for (const cidr of cond.geo) c.line(`${cidr} 1;`);
        c.close();
        c.open(`map ${entry(i, k)}_ip ${entry(i, k)}`)
          .line(`1 ${hit};`)
          .line(`default ${miss};`)
          .close();
      } else {
        c.open(`map ${cond.variable} ${entry(i, k)}`);
        for (const re of cond.regexes!) c.line(`${quoteRegex(re)} ${hit};`);
        c.line(`default ${miss};`).close();
      }
    });
  });
}

/** A rule's conditions as nginx tests: a regex map over a variable, or a geo block. */
function conditions(rule: LimitRuleConfig): { variable?: string; regexes?: string[]; geo?: string[] }[] {
  const m = rule.match;
  const out: { variable?: string; regexes?: string[]; geo?: string[] }[] = [];
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (m.ext?.length) out.push({ variable: '$uri', regexes: [`~*\\.(${m.ext.map(esc).join('|')})$`] });
  if (m.path) out.push({ variable: '$uri', regexes: [`~^${esc(m.path.replace(/\/$/, ''))}(/|$)`] });
  if (m.content_type?.length)
    out.push({ variable: '$sent_http_content_type', regexes: m.content_type.map((p) => `~*^${esc(p)}`) });
  if (m.client?.length) out.push({ geo: m.client });
  if (out.length === 0) out.push({ variable: '$uri', regexes: ['~.'] });
  return out;
}
