/**
 * The Config view's tree: the document's HTTP servers with their routes,
 * upstreams, server-wide limits, stream servers and stream upstreams. A click
 * picks the item the editor shows; + adds one with working defaults; items
 * with a validation error under them are marked.
 */
import type { ConfigError } from '../../../../core/config/index.js';
import { errorsUnder, newRoute, routePath, type Plain } from '../../model/forms.js';
import { arr, edit, list, section, type Sel } from './doc-helpers.js';

/** The tree of the document's items; `sel` is the picked one. */
export function ConfigTree({
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
