/** The SSE route body's own editors: the mode (script, channel, scenario) and the script's event list. */
import type { ConfigError } from '../../../../core/config/index.js';
import { Field } from '../../components/Field.js';
import { errorAt, Fields } from '../../components/Fields.js';
import {
  SSE_CHANNEL_FIELDS,
  SSE_SCENARIO_FIELDS,
  SSE_STEP_FIELDS,
  sseModeOf,
  setSseMode,
  writeField,
  type Plain,
  type SseMode,
} from '../../model/forms.js';
import type { KindEditorProps } from './kind-editor.js';

function StepEditor({
  steps,
  prefix,
  errors,
  onChange,
}: {
  steps: Plain[];
  prefix: string;
  errors: ConfigError[];
  onChange(s: Plain[]): void;
}) {
  const set = (i: number, step: Plain) => onChange(steps.map((s, j) => (j === i ? step : s)));
  return (
    <div className="steps" data-testid="sse-steps">
      <div className="steps-head">
        {SSE_STEP_FIELDS.map((f) => (
          <span key={f.key}>{f.label}</span>
        ))}
        <span />
      </div>
      {steps.map((step, i) => (
        <div className="step" key={i} data-testid={`sse-step-${i}`}>
          {SSE_STEP_FIELDS.map((f) => (
            <Field
              key={f.key}
              spec={{ ...f, label: '' }}
              obj={step}
              testId={`step-${i}-${f.key}`}
              error={errorAt(errors, `${prefix}[${i}].${f.key}`)}
              onChange={(v) => set(i, writeField(step, f, v))}
            />
          ))}
          <span className="step-tools">
            <button
              title="move up"
              disabled={i === 0}
              onClick={() => onChange(steps.map((s, j) => (j === i - 1 ? steps[i]! : j === i ? steps[i - 1]! : s)))}
            >
              ↑
            </button>
            <button
              title="remove"
              disabled={steps.length <= 1}
              onClick={() => onChange(steps.filter((_, j) => j !== i))}
            >
              ✕
            </button>
          </span>
        </div>
      ))}
      <button data-testid="add-step" onClick={() => onChange([...steps, { event: 'message', data: '' }])}>
        + event
      </button>
    </div>
  );
}

/** Mode switch plus the chosen mode's editor. */
export function SseEditor({ body: sse, prefix, errors, onChange }: KindEditorProps) {
  const mode = sseModeOf(sse);
  return (
    <>
      <label className="field">
        <span className="field-label">Mode</span>
        <select
          data-testid="sse-mode"
          value={mode}
          onChange={(e) => onChange(setSseMode(sse, e.target.value as SseMode))}
        >
          <option value="script">script (played per connection)</option>
          <option value="channel">channel (publishable)</option>
          <option value="scenario">built-in scenario</option>
        </select>
      </label>
      {mode === 'channel' && (
        <Fields specs={SSE_CHANNEL_FIELDS} obj={sse} prefix={prefix} errors={errors} onChange={onChange} />
      )}
      {mode === 'scenario' && (
        <Fields
          specs={SSE_SCENARIO_FIELDS}
          obj={typeof sse.scenario === 'object' ? (sse.scenario as Plain) : { type: sse.scenario }}
          prefix={`${prefix}.scenario`}
          errors={errors}
          onChange={(sc) => onChange({ ...sse, scenario: sc })}
        />
      )}
      {mode === 'script' && (
        <>
          <StepEditor
            steps={(Array.isArray(sse.script) ? sse.script : []) as Plain[]}
            prefix={`${prefix}.script`}
            errors={errors}
            onChange={(script) => onChange({ ...sse, script })}
          />
          <Fields
            specs={[{ key: 'loop', label: 'Loop forever', type: 'bool' }]}
            obj={sse}
            prefix={prefix}
            errors={errors}
            onChange={onChange}
          />
        </>
      )}
    </>
  );
}
