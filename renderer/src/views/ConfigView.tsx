/**
 * Config: a visual editor (servers → routes, upstreams, stream servers) and a
 * YAML tab over the same text, kept in sync both ways (forms write through
 * updateConfigText; YAML edits re-validate and re-render the forms). Errors
 * use the CLI's loadConfig, so messages and positions are the same.
 */
import { useRef, useState } from 'react';
import { useStore } from 'zustand';
import { formatConfigError, type ConfigError } from '../../../core/config/index.js';
import { Field } from '../components/Field.js';
import { errorAt, Fields, Optional, withoutKey as without } from '../components/Fields.js';
import {
  errorsUnder,
  HTTP_HEALTH_FIELDS,
  LIMIT_FIELDS,
  LIMIT_MATCH_FIELDS,
  newRoute,
  routePath,
  SERVER_FIELDS,
  STREAM_HEALTH_FIELDS,
  STREAM_SERVER_FIELDS,
  UPSTREAM_FIELDS,
  UPSTREAM_SERVER_FIELDS,
  writeField,
  type FieldSpec,
  type Plain,
} from '../model/forms.js';
import { configDoc, useConfigDoc } from '../state.js';
import {
  applyDialog,
  confirmApply,
  newConfig,
  openDialog,
  openText,
  previewApply,
  save,
  saveAs,
} from './config-actions.js';
import { RouteForm } from './RouteForm.js';
import { ServerTlsSection, UpstreamTlsSection } from './TlsForms.js';

type Sel =
  | { t: 'limits' }
  | { t: 'server'; s: number }
  | { t: 'route'; s: number; r: number }
  | { t: 'upstream'; u: number }
  | { t: 'stream'; i: number }
  | { t: 'streamUpstream'; u: number };

const list = (v: unknown): Plain[] => (Array.isArray(v) ? (v as Plain[]) : []);
const section = (d: Plain, key: string): Plain => {
  if (!d[key] || typeof d[key] !== 'object') d[key] = {};
  return d[key] as Plain;
};
const arr = (o: Plain, key: string): Plain[] => {
  if (!Array.isArray(o[key])) o[key] = [];
  return o[key] as Plain[];
};

function edit(fn: (d: Plain) => void) {
  configDoc.getState().edit(fn);
}

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

function Tree({
  value,
  sel,
  setSel,
  errors,
}: {
  value: Plain;
  sel: Sel | undefined;
  setSel(s: Sel): void;
  errors: ConfigError[];
}) {
  const http = (value.http ?? {}) as Plain;
  const stream = (value.stream ?? {}) as Plain;
  const is = (s: Sel) => JSON.stringify(s) === JSON.stringify(sel);
  const bad = (prefix: string) => (errorsUnder(errors, prefix).length > 0 ? ' bad' : '');
  const item = (s: Sel, label: string, prefix: string, testId?: string) => (
    <li
      key={JSON.stringify(s)}
      className={`${is(s) ? 'sel' : ''}${bad(prefix)}`}
      data-testid={testId}
      onClick={() => setSel(s)}
    >
      {label}
    </li>
  );
  return (
    <nav className="tree">
      <h4>
        HTTP servers{' '}
        <button
          data-testid="add-server"
          onClick={() =>
            edit((d) =>
              arr(section(d, 'http'), 'servers').push({
                name: `server${list(http.servers).length + 1}`,
                listen: `127.0.0.1:${8080 + list(http.servers).length}`,
                routes: [],
              }),
            )
          }
        >
          +
        </button>
      </h4>
      <ul>
        {list(http.servers).map((srv, s) => (
          <li key={s} className="group">
            <ul>
              {item(
                { t: 'server', s },
                `${String(srv.name ?? '?')}  ${String(srv.listen ?? '')}`,
                `http.servers[${s}]`,
                `tree-server-${s}`,
              )}
              {list(srv.routes).map((r, ri) =>
                item(
                  { t: 'route', s, r: ri },
                  `  ${String(r.path ?? '?')}  ${Object.keys(r).find((k) => k !== 'path') ?? ''}`,
                  routePath(s, ri),
                  `tree-route-${s}-${ri}`,
                ),
              )}
              <li
                className="add"
                data-testid={`add-route-${s}`}
                onClick={() => {
                  const n = list(srv.routes).length;
                  edit((d) =>
                    arr(arr(section(d, 'http'), 'servers')[s]!, 'routes').push(newRoute('sse', `/route${n + 1}`)),
                  );
                  setSel({ t: 'route', s, r: n });
                }}
              >
                + route
              </li>
            </ul>
          </li>
        ))}
      </ul>
      <h4>
        Upstreams{' '}
        <button
          onClick={() =>
            edit((d) =>
              arr(section(d, 'http'), 'upstreams').push({
                name: `backend${list(http.upstreams).length || ''}`,
                servers: [{ address: '127.0.0.1:3000' }],
              }),
            )
          }
        >
          +
        </button>
      </h4>
      <ul>
        {list(http.upstreams).map((u, i) =>
          item({ t: 'upstream', u: i }, String(u.name ?? '?'), `http.upstreams[${i}]`),
        )}
      </ul>
      <h4>Limits</h4>
      <ul>
        {item(
          { t: 'limits' },
          `server-wide${(http.limits as Plain | undefined) ? '' : ' (none)'}`,
          'http.limits',
          'tree-limits',
        )}
      </ul>
      <h4>
        Stream servers{' '}
        <button
          onClick={() =>
            edit((d) =>
              arr(section(d, 'stream'), 'servers').push({
                name: `tcp${list(stream.servers).length + 1}`,
                listen: '127.0.0.1:15432',
                upstream: String(list(stream.upstreams)[0]?.name ?? 'db'),
              }),
            )
          }
        >
          +
        </button>
      </h4>
      <ul>
        {list(stream.servers).map((x, i) =>
          item({ t: 'stream', i }, `${String(x.name ?? '?')}  ${String(x.listen ?? '')}`, `stream.servers[${i}]`),
        )}
      </ul>
      <h4>
        Stream upstreams{' '}
        <button
          onClick={() =>
            edit((d) =>
              arr(section(d, 'stream'), 'upstreams').push({
                name: `db${list(stream.upstreams).length || ''}`,
                servers: [{ address: '127.0.0.1:5432' }],
              }),
            )
          }
        >
          +
        </button>
      </h4>
      <ul>
        {list(stream.upstreams).map((u, i) =>
          item({ t: 'streamUpstream', u: i }, String(u.name ?? '?'), `stream.upstreams[${i}]`),
        )}
      </ul>
    </nav>
  );
}

function Editor({
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

/** Server-wide limits: a default and rules (first match wins). */
function LimitsForm({ limits, errors }: { limits: Plain | undefined; errors: ConfigError[] }) {
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

function ApplyPlanDialog() {
  const { plan, changes, busy } = useStore(applyDialog);
  if (!plan) return null;
  const rows = [
    ...plan.add.map((i) => ['start', `${i.kind} ${i.name} ${i.listen}`]),
    ...plan.remove.map((i) => ['stop', `${i.kind} ${i.name} ${i.listen}`]),
    ...plan.update.map((i) => ['change', `${i.kind} ${i.name} ${i.listen}: ${(i.changes ?? []).join(', ')}`]),
    ...plan.sections.map((s) => ['change', s]),
    ...plan.unchanged.map((i) => ['keep', `${i.kind} ${i.name} ${i.listen}`]),
  ];
  return (
    <div className="modal-back">
      <div className="modal" data-testid="apply-plan">
        <h3>Apply this config?</h3>
        {(changes ?? []).length === 0 && <p>No listener changes.</p>}
        <table className="plan">
          <tbody>
            {rows.map(([a, b], i) => (
              <tr key={i} className={a}>
                <td>{a}</td>
                <td>{b}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="modal-buttons">
          <button onClick={() => applyDialog.setState({ plan: undefined })}>Cancel</button>
          <button className="primary" data-testid="confirm-apply" disabled={busy} onClick={() => void confirmApply()}>
            Apply
          </button>
        </div>
      </div>
    </div>
  );
}

/** The Config view: toolbar, visual/YAML tabs, error list, apply dialog. */
export function ConfigView() {
  const [tab, setTab] = useState<'visual' | 'yaml'>('visual');
  const [sel, setSel] = useState<Sel | undefined>({ t: 'server', s: 0 });
  const text = useConfigDoc((s) => s.text);
  const value = useConfigDoc((s) => s.value);
  const errors = useConfigDoc((s) => s.errors);
  const file = useConfigDoc((s) => s.file);
  const dirty = useConfigDoc((s) => s.text !== s.savedText);
  const pendingApply = useConfigDoc((s) => s.text !== s.appliedText);
  const fileInput = useRef<HTMLInputElement>(null);
  const open = async () => {
    if (!(await openDialog())) fileInput.current?.click();
  };
  return (
    <div className="view config">
      <div className="toolbar">
        <div className="tabs">
          <button className={tab === 'visual' ? 'on' : ''} data-testid="tab-visual" onClick={() => setTab('visual')}>
            Visual
          </button>
          <button className={tab === 'yaml' ? 'on' : ''} data-testid="tab-yaml" onClick={() => setTab('yaml')}>
            YAML
          </button>
        </div>
        <span className="file" title={file}>
          {file ?? 'unsaved config'}
          {dirty ? ' •' : ''}
        </span>
        <span className={`status ${errors.length ? 'bad' : 'good'}`} data-testid="config-status">
          {errors.length ? `${errors.length} error${errors.length > 1 ? 's' : ''}` : 'valid'}
        </span>
        <span className="spacer" />
        <button onClick={newConfig}>New</button>
        <button onClick={() => void open()}>Open…</button>
        <input
          ref={fileInput}
          type="file"
          accept=".yaml,.yml,.json"
          hidden
          data-testid="file-input"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) openText(await f.text(), f.name);
            e.target.value = '';
          }}
        />
        <button data-testid="save" onClick={() => void save()}>
          Save
        </button>
        <button onClick={() => void saveAs()}>Save As…</button>
        <button
          className="primary"
          data-testid="apply"
          disabled={errors.length > 0}
          onClick={() => void previewApply()}
        >
          {pendingApply ? 'Apply…' : 'Apply'}
        </button>
      </div>
      <div className="config-body">
        {tab === 'visual' ? (
          value ? (
            <div className="visual">
              <Tree value={value} sel={sel} setSel={setSel} errors={errors} />
              <Editor value={value} sel={sel} setSel={setSel} errors={errors} />
            </div>
          ) : (
            <div className="form hint">
              The YAML does not parse; fix it in the YAML tab (the visual editor needs a readable document).
            </div>
          )
        ) : (
          <textarea
            className="yaml"
            data-testid="yaml"
            spellCheck={false}
            value={text}
            onChange={(e) => configDoc.getState().setText(e.target.value)}
          />
        )}
      </div>
      {errors.length > 0 && (
        <ul className="errors" data-testid="config-errors">
          {errors.map((e, i) => (
            <li key={i}>{formatConfigError(e)}</li>
          ))}
        </ul>
      )}
      <ApplyPlanDialog />
    </div>
  );
}
