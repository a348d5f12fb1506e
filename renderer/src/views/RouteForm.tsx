/** The form of one route: path and kind, the kind's own fields (SSE event list, chunk list), limit and faults. */
import { ROUTE_KINDS, type ConfigError, type RouteKind } from '../../../core/config/index.js';
import { Field } from '../components/Field.js';
import {
  changeRouteKind,
  chunkLines,
  errorsUnder,
  FAULT_FIELDS,
  LIMIT_FIELDS,
  ROUTE_KIND_FIELDS,
  routeKindOf,
  setSseMode,
  SSE_CHANNEL_FIELDS,
  SSE_SCENARIO_FIELDS,
  SSE_STEP_FIELDS,
  sseModeOf,
  writeField,
  type FieldSpec,
  type Plain,
  type SseMode,
} from '../model/forms.js';

/** Props of the route form. */
export interface RouteFormProps {
  route: Plain;
  /** Error path prefix of this route (`http.servers[0].routes[1]`). */
  prefix: string;
  errors: ConfigError[];
  upstreams: string[];
  onChange(route: Plain): void;
  onDelete(): void;
}

/** The message of the first error exactly at `path` (without the repeated path prefix). */
export function errorAt(errors: ConfigError[], path: string): string | undefined {
  const e = errors.find((x) => x.path === path);
  return e ? e.message.replace(`${path}: `, '') : undefined;
}

/** A grid of fields over one object, errors looked up under `prefix`. */
export function Fields({
  specs,
  obj,
  prefix,
  errors,
  onChange,
  options,
}: {
  specs: FieldSpec[];
  obj: Plain | undefined;
  prefix: string;
  errors: ConfigError[];
  onChange(o: Plain): void;
  options?: Record<string, string[]>;
}) {
  return (
    <div className="fields">
      {specs.map((s) => (
        <Field
          key={s.key}
          spec={s}
          obj={obj}
          options={options?.[s.key]}
          testId={`${prefix}.${s.key}`.replace(/[^\w.-]/g, '_')}
          error={errorAt(errors, `${prefix}.${s.key}`)}
          onChange={(v) => onChange(writeField(obj, s, v))}
        />
      ))}
    </div>
  );
}

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

function SseExtras({
  sse,
  prefix,
  errors,
  onChange,
}: {
  sse: Plain;
  prefix: string;
  errors: ConfigError[];
  onChange(s: Plain): void;
}) {
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

function ChunkEditor({ chunked, onChange }: { chunked: Plain; onChange(c: Plain): void }) {
  const lines = chunkLines(chunked);
  return (
    <label className="field wide">
      <span className="field-label">Chunks (one per line, \n kept)</span>
      <textarea
        data-testid="chunks"
        rows={4}
        value={lines.map((l) => l.replace(/\n$/, '')).join('\n')}
        onChange={(e) => onChange({ ...chunked, chunks: e.target.value.split('\n').map((l) => `${l}\n`) })}
      />
    </label>
  );
}

/** A fieldset switched on and off by a checkbox (an optional section such as a limit). */
export function Optional({
  title,
  obj,
  onToggle,
  children,
  testId,
}: {
  title: string;
  obj: unknown;
  onToggle(on: boolean): void;
  children: React.ReactNode;
  testId: string;
}) {
  return (
    <fieldset className="optional">
      <legend>
        <label>
          <input
            type="checkbox"
            data-testid={testId}
            checked={obj !== undefined}
            onChange={(e) => onToggle(e.target.checked)}
          />{' '}
          {title}
        </label>
      </legend>
      {obj !== undefined && children}
    </fieldset>
  );
}

/** The route editor. */
export function RouteForm({ route, prefix, errors, upstreams, onChange, onDelete }: RouteFormProps) {
  const kind = routeKindOf(route);
  const body = kind ? ((route[kind] as Plain) ?? {}) : undefined;
  const setBody = (b: Plain) => kind && onChange({ ...route, [kind]: b });
  const own = errorsUnder(errors, prefix).filter((e) => e.path === prefix);
  return (
    <div className="form" data-testid="route-form">
      <div className="form-head">
        <h3>Route {String(route.path ?? '')}</h3>
        <button className="danger" onClick={onDelete}>
          Delete route
        </button>
      </div>
      {own.map((e) => (
        <div key={e.message} className="field-error">
          {e.message}
        </div>
      ))}
      <div className="fields">
        <Field
          spec={{ key: 'path', label: 'Path prefix', type: 'text', placeholder: '/events' }}
          obj={route}
          testId="route-path"
          error={errorAt(errors, `${prefix}.path`)}
          onChange={(v) => onChange(writeField(route, { key: 'path', label: '', type: 'text' }, v))}
        />
        <label className="field">
          <span className="field-label">Kind</span>
          <select
            data-testid="route-kind"
            value={kind ?? ''}
            onChange={(e) => onChange(changeRouteKind(route, e.target.value as RouteKind))}
          >
            {!kind && <option value="">—</option>}
            {ROUTE_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      {kind && body && (
        <fieldset>
          <legend>{kind}</legend>
          {kind === 'sse' && <SseExtras sse={body} prefix={`${prefix}.sse`} errors={errors} onChange={setBody} />}
          {kind === 'chunked' && <ChunkEditor chunked={body} onChange={setBody} />}
          <Fields
            specs={ROUTE_KIND_FIELDS[kind]}
            obj={body}
            prefix={`${prefix}.${kind}`}
            errors={errors}
            onChange={setBody}
            options={{ upstream: upstreams }}
          />
        </fieldset>
      )}
      <Optional
        title="Bandwidth limit"
        testId="limit-toggle"
        obj={route.limit}
        onToggle={(on) => onChange(on ? { ...route, limit: { rate: '512k' } } : withoutKey(route, 'limit'))}
      >
        <Fields
          specs={LIMIT_FIELDS}
          obj={route.limit as Plain}
          prefix={`${prefix}.limit`}
          errors={errors}
          onChange={(l) => onChange({ ...route, limit: l })}
        />
      </Optional>
      <Optional
        title="Faults"
        testId="faults-toggle"
        obj={route.faults}
        onToggle={(on) => onChange(on ? { ...route, faults: { latency: '200ms' } } : withoutKey(route, 'faults'))}
      >
        <Fields
          specs={FAULT_FIELDS}
          obj={route.faults as Plain}
          prefix={`${prefix}.faults`}
          errors={errors}
          onChange={(fa) => onChange({ ...route, faults: fa })}
        />
      </Optional>
    </div>
  );
}

function withoutKey(o: Plain, key: string): Plain {
  const { [key]: _drop, ...rest } = o;
  return rest;
}
