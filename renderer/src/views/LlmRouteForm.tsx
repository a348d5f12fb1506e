/**
 * The form of an `llm` route: wire format, reply text, tool calls (name and
 * JSON arguments), timing sliders (first token, tokens/s, jitter), usage, a
 * failure after N tokens, and the scripted cases matched on the last user
 * message. Edits the document as the user writes it, like every form.
 */
import { useState } from 'react';
import { LLM_FAIL_KINDS, LLM_FORMATS, type ConfigError } from '../../../core/config/index.js';
import { writeField, type FieldSpec, type Plain } from '../model/forms.js';
import { errorAt, Fields, Optional } from '../components/Fields.js';

/** Props of the LLM route form. */
export interface LlmRouteFormProps {
  llm: Plain;
  /** Error path prefix (`http.servers[0].routes[1].llm`). */
  prefix: string;
  errors: ConfigError[];
  onChange(llm: Plain): void;
}

const f = (
  key: string,
  label: string,
  type: FieldSpec['type'] = 'text',
  extra: Partial<FieldSpec> = {},
): FieldSpec => ({ key, label, type, ...extra });
const MAIN: FieldSpec[] = [
  f('format', 'Wire format', 'select', { options: LLM_FORMATS }),
  f('model', 'Model (when the request names none)', 'text', { placeholder: 'gpt-4o-mini' }),
  f('usage', 'Usage (default on)', 'select', { options: ['', 'on', 'off'] }),
];
const FAIL: FieldSpec[] = [
  f('kind', 'Kind', 'select', { options: LLM_FAIL_KINDS }),
  f('after_tokens', 'After tokens (empty: after the last)', 'number'),
];
const CASE: FieldSpec[] = [
  f('contains', 'Contains'),
  f('regex', 'Regex', 'text', { placeholder: '/^hi/i' }),
  f('reply', 'Reply', 'textarea'),
];

/** Milliseconds of a duration as written (`400ms`, `1.5s`, 400), for a slider. */
export function durationMs(v: unknown, fallback: number): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(String(v ?? ''));
  if (!m) return fallback;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** A fraction as written (`20%`, 0.2), as a percentage for a slider. */
export function percentOf(v: unknown): number {
  if (typeof v === 'number') return Math.round(v * 100);
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(String(v ?? ''));
  return m ? Number(m[1]) : 0;
}

function Slider({
  label,
  value,
  min,
  max,
  step,
  show,
  testId,
  error,
  onChange,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  show: string;
  testId: string;
  error?: string;
  onChange(v: number): void;
}) {
  return (
    <label className={`field${error ? ' invalid' : ''}`}>
      <span className="field-label">
        {label}: <b data-testid={`${testId}-value`}>{show}</b>
      </span>
      <input
        type="range"
        data-testid={testId}
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}

/** Arguments as JSON text: the object when it parses, the text as typed otherwise; the draft is kept while editing. */
function ArgsInput({ value, testId, onChange }: { value: unknown; testId: string; onChange(v: unknown): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? (typeof value === 'string' ? value : JSON.stringify(value ?? {}));
  const parse = (text: string): unknown => {
    try {
      const v: unknown = JSON.parse(text);
      return v && typeof v === 'object' && !Array.isArray(v) ? v : text;
    } catch {
      return text;
    }
  };
  return (
    <input
      data-testid={testId}
      placeholder='{"city": "Paris"}'
      value={shown}
      spellCheck={false}
      onBlur={() => setDraft(null)}
      onChange={(e) => {
        setDraft(e.target.value);
        onChange(parse(e.target.value));
      }}
    />
  );
}

/** Tool calls: a name and the arguments as JSON. */
function ToolCalls({
  calls,
  prefix,
  errors,
  onChange,
}: {
  calls: Plain[];
  prefix: string;
  errors: ConfigError[];
  onChange(c: Plain[]): void;
}) {
  const set = (i: number, c: Plain) => onChange(calls.map((x, j) => (j === i ? c : x)));
  return (
    <div data-testid="llm-tools">
      {calls.map((c, i) => (
        <div className="llm-tool" key={i}>
          <input
            data-testid={`llm-tool-${i}-name`}
            placeholder="get_weather"
            value={String(c.name ?? '')}
            onChange={(e) => set(i, { ...c, name: e.target.value })}
          />
          <ArgsInput
            testId={`llm-tool-${i}-args`}
            value={c.arguments}
            onChange={(a) => set(i, { ...c, arguments: a })}
          />
          <button title="remove" onClick={() => onChange(calls.filter((_, j) => j !== i))}>
            ✕
          </button>
          <span className="field-error">
            {errorAt(errors, `${prefix}[${i}].name`) ?? errorAt(errors, `${prefix}[${i}].arguments`) ?? ''}
          </span>
        </div>
      ))}
      <button
        data-testid="llm-add-tool"
        onClick={() => onChange([...calls, { name: 'get_weather', arguments: { city: 'Paris' } }])}
      >
        + tool call
      </button>
    </div>
  );
}

function Cases({
  cases,
  prefix,
  errors,
  onChange,
}: {
  cases: Plain[];
  prefix: string;
  errors: ConfigError[];
  onChange(c: Plain[]): void;
}) {
  return (
    <div data-testid="llm-cases">
      {cases.map((c, i) => (
        <div className="llm-case" key={i}>
          <Fields
            specs={CASE}
            obj={c}
            prefix={`${prefix}[${i}]`}
            errors={errors}
            onChange={(x) => onChange(cases.map((y, j) => (j === i ? x : y)))}
          />
          <button title="remove case" onClick={() => onChange(cases.filter((_, j) => j !== i))}>
            ✕ case
          </button>
        </div>
      ))}
      <button
        data-testid="llm-add-case"
        onClick={() => onChange([...cases, { contains: 'weather', reply: 'It is sunny.' }])}
      >
        + case
      </button>
    </div>
  );
}

/** The `llm` route editor. */
export function LlmRouteForm({ llm, prefix, errors, onChange }: LlmRouteFormProps) {
  const set = (key: string, v: unknown) => onChange(v === undefined ? withoutKey(llm, key) : { ...llm, [key]: v });
  const first = durationMs(llm.first_token, 300);
  const rate = Number(llm.tokens_per_second ?? 40) || 40;
  const jitter = percentOf(llm.jitter);
  const list = (k: string) => (Array.isArray(llm[k]) ? (llm[k] as Plain[]) : []);
  return (
    <div className="llm-form" data-testid="llm-form">
      <Fields specs={MAIN} obj={llm} prefix={prefix} errors={errors} onChange={onChange} />
      <label className="field wide">
        <span className="field-label">
          Reply ({'{{last_user_message}}'} and {'{{model}}'} come from the request)
        </span>
        <textarea
          data-testid="llm-reply"
          rows={3}
          value={String(llm.reply ?? '')}
          onChange={(e) => onChange(writeField(llm, f('reply', ''), e.target.value))}
        />
        {errorAt(errors, `${prefix}.reply`) && (
          <span className="field-error">{errorAt(errors, `${prefix}.reply`)}</span>
        )}
      </label>
      <div className="fields">
        <Slider
          label="First token"
          testId="llm-first-token"
          value={first}
          min={0}
          max={5000}
          step={50}
          show={`${first} ms`}
          error={errorAt(errors, `${prefix}.first_token`)}
          onChange={(v) => set('first_token', `${v}ms`)}
        />
        <Slider
          label="Tokens/s"
          testId="llm-rate"
          value={rate}
          min={1}
          max={300}
          step={1}
          show={String(rate)}
          error={errorAt(errors, `${prefix}.tokens_per_second`)}
          onChange={(v) => set('tokens_per_second', v)}
        />
        <Slider
          label="Jitter"
          testId="llm-jitter"
          value={jitter}
          min={0}
          max={100}
          step={5}
          show={`${jitter}%`}
          error={errorAt(errors, `${prefix}.jitter`)}
          onChange={(v) => set('jitter', v === 0 ? undefined : `${v}%`)}
        />
      </div>
      <h4>Tool calls</h4>
      <ToolCalls
        calls={list('tool_calls')}
        prefix={`${prefix}.tool_calls`}
        errors={errors}
        onChange={(c) => set('tool_calls', c.length ? c : undefined)}
      />
      <Optional
        title="Fail after the 200"
        testId="llm-fail-toggle"
        obj={llm.fail}
        onToggle={(on) => set('fail', on ? { kind: 'overloaded', after_tokens: 10 } : undefined)}
      >
        <Fields
          specs={FAIL}
          obj={llm.fail as Plain}
          prefix={`${prefix}.fail`}
          errors={errors}
          onChange={(x) => set('fail', x)}
        />
      </Optional>
      <h4>Cases (first match on the last user message wins)</h4>
      <Cases
        cases={list('cases')}
        prefix={`${prefix}.cases`}
        errors={errors}
        onChange={(c) => set('cases', c.length ? c : undefined)}
      />
    </div>
  );
}

function withoutKey(o: Plain, key: string): Plain {
  const { [key]: _drop, ...rest } = o;
  return rest;
}
