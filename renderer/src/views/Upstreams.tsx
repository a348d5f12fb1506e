/** Upstreams: per group, each server's health, weight, active connections, requests, failures and share of traffic. */
import { Bar, BarChart, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { UpstreamServerState } from '../../../core/api/index.js';
import { PALETTE_SIZE, seriesColour } from '../model/chart-data.js';
import { fmtBytes, fmtNum } from '../format.js';
import { useTelemetry } from '../state.js';

/** One empty list for selectors: a fresh `[]` per call would make zustand re-render forever (React #185) before the first tick. */
const NONE: never[] = [];

function Group({ name, servers }: { name: string; servers: UpstreamServerState[] }) {
  const total = servers.reduce((a, s) => a + s.requests, 0);
  const data = servers.map((s) => ({ address: s.address, share: total ? (s.requests / total) * 100 : 0 }));
  return (
    <div className="card" data-testid="upstream-group">
      <div className="form-head">
        <h3>{name}</h3>
        <span className="muted">
          {servers[0]?.section} · {fmtNum(total)} requests
        </span>
      </div>
      <table className="grid">
        <thead>
          <tr>
            <th>server</th>
            <th>health</th>
            <th>weight</th>
            <th>active</th>
            <th>requests</th>
            <th>failures</th>
            <th title="bytes received from the server">received</th>
            <th title="bytes sent to the server">sent</th>
            <th>share</th>
          </tr>
        </thead>
        <tbody>
          {servers.map((s) => (
            <tr key={s.address} data-testid="upstream-server">
              <td>
                {s.address}
                {s.backup && <span className="badge">backup</span>}
              </td>
              <td>
                <span className={`health ${s.health}`}>{s.health}</span>
              </td>
              <td className="num">{s.weight}</td>
              <td className="num">{s.active}</td>
              <td className="num">{fmtNum(s.requests)}</td>
              <td className="num">{s.failures}</td>
              <td className="num">{fmtBytes(s.bytesIn)}</td>
              <td className="num">{fmtBytes(s.bytesOut)}</td>
              <td className="num">{total ? `${((s.requests / total) * 100).toFixed(0)}%` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ResponsiveContainer width="100%" height={30 + servers.length * 26}>
        <BarChart data={data} layout="vertical" margin={{ left: 10, right: 20 }}>
          <XAxis type="number" domain={[0, 100]} unit="%" fontSize={10} stroke="var(--muted)" />
          <YAxis type="category" dataKey="address" width={130} fontSize={10} stroke="var(--muted)" />
          <Tooltip
            isAnimationActive={false}
            formatter={(v) => `${Number(v).toFixed(1)}%`}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 11 }}
          />
          <Bar dataKey="share" isAnimationActive={false}>
            {data.map((_, i) => (
              <Cell key={i} fill={seriesColour(i % PALETTE_SIZE)} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The Upstreams view: one card per group. */
export function Upstreams() {
  const ups = useTelemetry((s) => s.last?.upstreams ?? NONE);
  const groups = new Map<string, UpstreamServerState[]>();
  for (const u of ups) {
    const key = `${u.section} ${u.group}`;
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  return (
    <div className="view upstreams">
      {groups.size === 0 && (
        <div className="empty">
          <h2>No upstreams</h2>
          <p>
            Define an upstream group in Config (HTTP upstreams for <code>proxy</code> routes, stream upstreams for
            TCP/UDP servers) and apply; each server's health and share of traffic shows here.
          </p>
        </div>
      )}
      <div className="cards">
        {[...groups].map(([k, servers]) => (
          <Group key={k} name={k} servers={servers} />
        ))}
      </div>
    </div>
  );
}
