/**
 * The Config view's editor: the form of the item picked in the tree. Routes
 * get the route form, server-wide limits their own form; servers, upstreams
 * and stream items share one form of fields plus the sections their kind
 * has (TLS, the upstream's servers, health check, bandwidth limit). Every
 * change is written straight into the document.
 */
import type { ConfigError } from '../../../../core/config/index.js';
import { Field } from '../../components/Field.js';
import { errorAt, Fields, Optional, withoutKey as without } from '../../components/Fields.js';
import {
  HTTP_HEALTH_FIELDS,
  LIMIT_FIELDS,
  routePath,
  SERVER_FIELDS,
  STREAM_HEALTH_FIELDS,
  STREAM_SERVER_FIELDS,
  UPSTREAM_FIELDS,
  UPSTREAM_SERVER_FIELDS,
  writeField,
  type FieldSpec,
  type Plain,
} from '../../model/forms.js';
import { RouteForm } from '../RouteForm.js';
import { ServerTlsSection, UpstreamTlsSection } from '../TlsForms.js';
import { arr, edit, list, section, type Sel } from './doc-helpers.js';
import { LimitsForm } from './LimitsForm.js';

/** A titled form of fields with a Delete button; `children` add the sections of its kind. */
function SimpleForm({
  title,
  specs,
  obj,
  prefix,
  errors,
  onChange,
  onDelete,
  options,
  children,
}: {
  title: string;
  specs: FieldSpec[];
  obj: Plain;
  prefix: string;
  errors: ConfigError[];
  onChange(o: Plain): void;
  onDelete(): void;
  options?: Record<string, string[]>;
  children?: React.ReactNode;
}) {
  return (
    <div className="form">
      <div className="form-head">
        <h3>{title}</h3>
        <button className="danger" onClick={onDelete}>
          Delete
        </button>
      </div>
      <div className="fields">
        {specs.map((s) => (
          <Field
            key={s.key}
            spec={s}
            obj={obj}
            options={options?.[s.key]}
            testId={`${prefix}.${s.key}`}
            error={errorAt(errors, `${prefix}.${s.key}`)}
            onChange={(v) => onChange(writeField(obj, s, v))}
          />
        ))}
      </div>
      {children}
    </div>
  );
}

/** The servers of an upstream (HTTP or stream), one line each, with add and remove. */
function ServerList({
  obj,
  prefix,
  errors,
  onChange,
}: {
  obj: Plain;
  prefix: string;
  errors: ConfigError[];
  onChange(o: Plain): void;
}) {
  const servers = list(obj.servers);
  return (
    <fieldset>
      <legend>Servers</legend>
      {servers.map((srv, i) => (
        <div className="step" key={i}>
          {UPSTREAM_SERVER_FIELDS.map((f) => (
            <Field
              key={f.key}
              spec={f}
              obj={srv}
              testId={`${prefix}.servers[${i}].${f.key}`}
              error={errorAt(errors, `${prefix}.servers[${i}].${f.key}`)}
              onChange={(v) =>
                onChange({ ...obj, servers: servers.map((x, j) => (j === i ? writeField(x, f, v) : x)) })
              }
            />
          ))}
          <button title="remove" onClick={() => onChange({ ...obj, servers: servers.filter((_, j) => j !== i) })}>
            ✕
          </button>
        </div>
      ))}
      <button onClick={() => onChange({ ...obj, servers: [...servers, { address: '127.0.0.1:3000' }] })}>
        + server
      </button>
    </fieldset>
  );
}

/** The form of the picked item, or a hint when nothing (or nothing that still exists) is picked. */
export function ConfigEditor({
  value,
  sel,
  setSel,
  errors,
}: {
  value: Plain;
  sel: Sel | undefined;
  setSel(s: Sel | undefined): void;
  errors: ConfigError[];
}) {
  const http = (value.http ?? {}) as Plain;
  const stream = (value.stream ?? {}) as Plain;
  const upstreamNames = list(http.upstreams).map((u) => String(u.name));
  const hint = <div className="form hint">Pick a server, route or upstream on the left, or add one with +.</div>;
  if (!sel) return hint;
  if (sel.t === 'limits') return <LimitsForm limits={http.limits as Plain | undefined} errors={errors} />;
  if (sel.t === 'route') {
    const route = list(list(http.servers)[sel.s]?.routes)[sel.r];
    if (!route) return hint;
    return (
      <RouteForm
        route={route}
        prefix={routePath(sel.s, sel.r)}
        errors={errors}
        upstreams={upstreamNames}
        onChange={(r) =>
          edit((d) => {
            arr(arr(section(d, 'http'), 'servers')[sel.s]!, 'routes')[sel.r] = r;
          })
        }
        onDelete={() => {
          setSel({ t: 'server', s: sel.s });
          edit((d) => {
            arr(arr(section(d, 'http'), 'servers')[sel.s]!, 'routes').splice(sel.r, 1);
          });
        }}
      />
    );
  }
  const forms: Record<Exclude<Sel['t'], 'route' | 'limits'>, [string, string, string, FieldSpec[], number]> = {
    server: ['http', 'servers', 'HTTP server', SERVER_FIELDS, sel.t === 'server' ? sel.s : -1],
    upstream: ['http', 'upstreams', 'Upstream', UPSTREAM_FIELDS, sel.t === 'upstream' ? sel.u : -1],
    stream: ['stream', 'servers', 'Stream server', STREAM_SERVER_FIELDS, sel.t === 'stream' ? sel.i : -1],
    streamUpstream: [
      'stream',
      'upstreams',
      'Stream upstream',
      UPSTREAM_FIELDS,
      sel.t === 'streamUpstream' ? sel.u : -1,
    ],
  };
  const [sec, key, title, specs, idx] = forms[sel.t];
  const obj = list((sec === 'http' ? http : stream)[key])[idx];
  if (!obj) return hint;
  const prefix = `${sec}.${key}[${idx}]`;
  const onChange = (o: Plain) =>
    edit((d) => {
      arr(section(d, sec), key)[idx] = o;
    });
  return (
    <SimpleForm
      title={`${title} ${String(obj.name ?? '')}`}
      specs={specs}
      obj={obj}
      prefix={prefix}
      errors={errors}
      onChange={onChange}
      options={{ upstream: list(stream.upstreams).map((u) => String(u.name)) }}
      onDelete={() => {
        setSel(undefined);
        edit((d) => {
          arr(section(d, sec), key).splice(idx, 1);
        });
      }}
    >
      {sel.t === 'server' && <ServerTlsSection obj={obj} prefix={prefix} errors={errors} onChange={onChange} />}
      {(sel.t === 'upstream' || sel.t === 'streamUpstream') && (
        <ServerList obj={obj} prefix={prefix} errors={errors} onChange={onChange} />
      )}
      {sel.t === 'upstream' && <UpstreamTlsSection obj={obj} prefix={prefix} errors={errors} onChange={onChange} />}
      {(sel.t === 'upstream' || sel.t === 'streamUpstream') && (
        <Optional
          title="Health check"
          testId="health-toggle"
          obj={obj.health_check}
          onToggle={(on) => onChange(on ? { ...obj, health_check: { interval: '5s' } } : without(obj, 'health_check'))}
        >
          <Fields
            specs={sel.t === 'upstream' ? HTTP_HEALTH_FIELDS : STREAM_HEALTH_FIELDS}
            obj={obj.health_check as Plain}
            prefix={`${prefix}.health_check`}
            errors={errors}
            onChange={(h) => onChange({ ...obj, health_check: h })}
          />
        </Optional>
      )}
      {sel.t === 'stream' && (
        <Optional
          title="Bandwidth limit"
          testId="stream-limit-toggle"
          obj={obj.limit}
          onToggle={(on) => onChange(on ? { ...obj, limit: { rate: '1m' } } : without(obj, 'limit'))}
        >
          <Fields
            specs={LIMIT_FIELDS}
            obj={obj.limit as Plain}
            prefix={`${prefix}.limit`}
            errors={errors}
            onChange={(l) => onChange({ ...obj, limit: l })}
          />
        </Optional>
      )}
    </SimpleForm>
  );
}
