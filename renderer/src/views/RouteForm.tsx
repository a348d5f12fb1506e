/**
 * The form of one route: path and kind, the kind's fields (ROUTE_KIND_FIELDS)
 * and its own editor if it has one (KIND_EDITORS: the SSE event list, the
 * chunk list), then the limit and faults every route may have.
 */
import { ROUTE_KINDS, type ConfigError, type RouteKind } from '../../../core/config/index.js';
import { Field } from '../components/Field.js';
import { errorAt, Fields, Optional, withoutKey } from '../components/Fields.js';
import {
  changeRouteKind,
  errorsUnder,
  FAULT_FIELDS,
  LIMIT_FIELDS,
  ROUTE_KIND_FIELDS,
  routeKindOf,
  writeField,
  type Plain,
} from '../model/forms.js';
import { ChunkEditor } from './route-kinds/ChunkEditor.js';
import type { KindEditor } from './route-kinds/kind-editor.js';
import { SseEditor } from './route-kinds/SseEditor.js';
import { LlmRouteForm } from './LlmRouteForm.js';

/** Kinds with an editor above their field table; a kind without an entry shows its fields only. */
const KIND_EDITORS: Partial<Record<RouteKind, KindEditor>> = {
  sse: SseEditor,
  chunked: ChunkEditor,
  llm: ({ body, prefix, errors, onChange }) => (
    <LlmRouteForm llm={body} prefix={prefix} errors={errors} onChange={onChange} />
  ),
};

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

/** The route editor. */
export function RouteForm({ route, prefix, errors, upstreams, onChange, onDelete }: RouteFormProps) {
  const kind = routeKindOf(route);
  const body = kind ? ((route[kind] as Plain) ?? {}) : undefined;
  const setBody = (b: Plain) => kind && onChange({ ...route, [kind]: b });
  const own = errorsUnder(errors, prefix).filter((e) => e.path === prefix);
  const Editor = kind ? KIND_EDITORS[kind] : undefined;
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
          {Editor && <Editor body={body} prefix={`${prefix}.${kind}`} errors={errors} onChange={setBody} />}
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
