/**
 * Server-wide limits: a default and rules that apply to every HTTP server
 * (the first matching rule wins, else the default). When neither is left,
 * the whole `limits` section is removed rather than left empty.
 */
import type { ConfigError } from '../../../../core/config/index.js';
import { Fields, Optional, withoutKey as without } from '../../components/Fields.js';
import { LIMIT_FIELDS, LIMIT_MATCH_FIELDS, type Plain } from '../../model/forms.js';
import { edit, list, section } from './doc-helpers.js';

/** Server-wide limits: a default and rules (first match wins). */
export function LimitsForm({ limits, errors }: { limits: Plain | undefined; errors: ConfigError[] }) {
  const set = (next: Plain | undefined) =>
    edit((d) => {
      const http = section(d, 'http');
      if (next && (next.default !== undefined || list(next.rules).length > 0)) http.limits = next;
      else delete http.limits;
    });
  const l = limits ?? {};
  const rules = list(l.rules);
  return (
    <div className="form" data-testid="limits-form">
      <div className="form-head">
        <h3>Server-wide limits</h3>
        <span className="muted">apply to every HTTP server; the first matching rule wins, else the default</span>
      </div>
      <Optional
        title="Default limit"
        testId="default-limit-toggle"
        obj={l.default}
        onToggle={(on) => set(on ? { ...l, default: { rate: '1m' } } : without(l, 'default'))}
      >
        <Fields
          specs={LIMIT_FIELDS}
          obj={l.default as Plain}
          prefix="http.limits.default"
          errors={errors}
          onChange={(x) => set({ ...l, default: x })}
        />
      </Optional>
      {rules.map((rule, i) => (
        <fieldset key={i}>
          <legend>
            Rule {i + 1} <button onClick={() => set({ ...l, rules: rules.filter((_, j) => j !== i) })}>✕</button>
          </legend>
          <Fields
            specs={LIMIT_MATCH_FIELDS}
            obj={rule.match as Plain}
            prefix={`http.limits.rules[${i}].match`}
            errors={errors}
            onChange={(m) => set({ ...l, rules: rules.map((r, j) => (j === i ? { ...r, match: m } : r)) })}
          />
          <Fields
            specs={LIMIT_FIELDS}
            obj={rule}
            prefix={`http.limits.rules[${i}]`}
            errors={errors}
            onChange={(r) => set({ ...l, rules: rules.map((x, j) => (j === i ? r : x)) })}
          />
        </fieldset>
      ))}
      <button
        data-testid="add-limit-rule"
        onClick={() => set({ ...l, rules: [...rules, { match: { ext: ['mp4', 'zip'] }, rate: '256k' }] })}
      >
        + rule
      </button>
    </div>
  );
}
