/**
 * Rate tuner: pick a route (or stream server) with a limit, drag rate and
 * burst, and the change is written into the config text and applied live;
 * the chart beside shows the achieved rate with the target as a reference line.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { limitSchema, parseRate, parseSize } from '../../../core/config/index.js';
import { explainLimit } from '../../../core/shaping/explain.js';
import { LiveChart } from '../components/chart/LiveChart.js';
import { lineChart, seriesColour } from '../model/chart-data.js';
import { fmtRate, fmtBytes, sizeText } from '../format.js';
import { editText } from '../model/config-doc.js';
import type { Plain } from '../model/forms.js';
import { configDoc, ui, useConfigDoc, useTelemetry } from '../state.js';
import { applyNow } from './config-actions.js';

/** A limit the tuner can drive: where it sits in the document and its telemetry scope names. */
export interface TunableLimit {
  label: string;
  /** Path of the limit's owner in the document value. */
  path: (string | number)[];
  /** `route mock /downloads` / `stream pg` (LimitSample.scope) and the route's scope name in tick.routes. */
  scope: string;
  routeScope?: string;
  rate: number;
  burst?: number;
  /** The limit as written. */
  raw: Plain;
}

/** The shaping engine's one-sentence explanation of a limit as written (or why it is invalid). */
function explainOf(raw: Plain): string {
  const r = limitSchema.safeParse(raw);
  return r.success ? explainLimit(r.data) : 'this limit is not valid yet';
}

/** Every route and stream server with a limit in the (validated) config. */
export function tunableLimits(value: Plain | undefined): TunableLimit[] {
  const out: TunableLimit[] = [];
  const servers = ((value?.http as Plain | undefined)?.servers ?? []) as Plain[];
  servers.forEach((s, si) =>
    ((s.routes ?? []) as Plain[]).forEach((r, ri) => {
      const l = r.limit as Plain | undefined;
      if (!l) return;
      out.push({
        label: `${String(s.name)} ${String(r.path)}`,
        path: ['http', 'servers', si, 'routes', ri],
        scope: `route ${String(s.name)} ${String(r.path)}`,
        routeScope: `${String(s.name)} ${String(r.path)}`,
        raw: l,
        rate: parseRate(l.rate as string) ?? 0,
        burst: l.burst === undefined ? undefined : parseSize(l.burst as string),
      });
    }),
  );
  (((value?.stream as Plain | undefined)?.servers ?? []) as Plain[]).forEach((s, i) => {
    const l = s.limit as Plain | undefined;
    if (l)
      out.push({
        label: `stream ${String(s.name)}`,
        path: ['stream', 'servers', i],
        scope: `stream ${String(s.name)}`,
        raw: l,
        rate: parseRate(l.rate as string) ?? 0,
        burst: l.burst === undefined ? undefined : parseSize(l.burst as string),
      });
  });
  return out;
}

// Log-scale sliders: position 0..1000 ↔ 1 KiB/s .. 100 MiB/s.
const MIN = 1024;
const MAX = 100 * 1024 * 1024;
const toPos = (v: number) => Math.round((Math.log(Math.max(v, MIN) / MIN) / Math.log(MAX / MIN)) * 1000);
const fromPos = (p: number) => Math.max(MIN, Math.round((MIN * Math.pow(MAX / MIN, p / 1000)) / 1024) * 1024);

/** Writes rate/burst of one limit into the config text. */
export function withLimit(text: string, path: (string | number)[], rate: number, burst: number | undefined): string {
  return editText(text, (d) => {
    let o: Plain = d;
    for (const k of path) o = (o as Record<string | number, Plain>)[k]!;
    const limit: Plain = { ...(o.limit as Plain), rate: sizeText(rate) };
    if (burst !== undefined) limit.burst = sizeText(burst);
    o.limit = limit;
  });
}

/** The tuner chart's one series. */
const ACHIEVED = { key: 'achieved', label: 'achieved', colour: seriesColour(0) };

/** One empty list for selectors: a fresh `[]` per call would make zustand re-render forever (React #185) before the first tick. */
const NONE: never[] = [];

/** Every live limit at a glance: target, achieved, how often it holds traffic back. */
function AllLimits() {
  const limits = useTelemetry((s) => s.last?.limits ?? NONE);
  if (limits.length === 0) return null;
  return (
    <div className="card limits-table">
      <h4>All limits</h4>
      <table className="grid" data-testid="limits-table">
        <thead>
          <tr>
            <th>scope</th>
            <th>limit</th>
            <th>target</th>
            <th>achieved</th>
            <th>throttled</th>
          </tr>
        </thead>
        <tbody>
          {limits.map((l) => (
            <tr key={l.scope}>
              <td>{l.scope.replace(/^limit /, '')}</td>
              <td>{l.explain}</td>
              <td className="num">{fmtRate(l.rate)}</td>
              <td className="num">{fmtRate(l.achievedPerSec)}</td>
              <td className="num">{(l.throttled * 100).toFixed(0)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The Rate tuner view. */
export function Tuner() {
  const value = useConfigDoc((s) => s.value);
  const limits = useMemo(() => tunableLimits(value), [value]);
  const [pick, setPick] = useState(0);
  const chosen = limits[Math.min(pick, limits.length - 1)];
  const [rate, setRate] = useState(chosen?.rate ?? MIN);
  const [burst, setBurst] = useState(chosen?.burst ?? 64 * 1024);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (chosen) {
      setRate(chosen.rate);
      setBurst(chosen.burst ?? 64 * 1024);
    }
  }, [chosen?.scope]); // eslint-disable-line react-hooks/exhaustive-deps
  const samples = useTelemetry((s) =>
    chosen ? (s.limits[`limit ${chosen.scope}`] ?? s.limits[chosen.scope]) : undefined,
  );
  const routeHist = useTelemetry((s) => (chosen?.routeScope ? s.routes[chosen.routeScope] : undefined));
  const last = useTelemetry((s) =>
    s.last?.limits.find((l) => l.scope === chosen?.scope || l.scope === `limit ${chosen?.scope}`),
  );
  const points = useMemo(
    () =>
      samples?.map((p) => ({ t: p.t, value: p.achieved })) ??
      routeHist?.map((p) => ({ t: p.t, value: p.bytesOut })) ??
      [],
    [samples, routeHist],
  );
  const build = useCallback(() => lineChart(points, ACHIEVED, 60_000), [points]);
  if (!chosen) {
    return (
      <div className="view tuner">
        <div className="empty">
          <h2>No limits to tune</h2>
          <p>
            Give a route a bandwidth limit in Config (for example{' '}
            <code>
              limit: {'{'} rate: 512k {'}'}
            </code>{' '}
            on a static or stream route), apply, then come back to drag its rate and watch the throughput follow.
          </p>
        </div>
      </div>
    );
  }
  const apply = async (r = rate, b = burst) => {
    setBusy(true);
    const err = await applyNow(withLimit(configDoc.getState().text, chosen.path, r, b));
    setBusy(false);
    ui.getState().notify(
      err ? 'error' : 'ok',
      err ? `not applied: ${err}` : `${chosen.label}: rate ${fmtRate(r)}, burst ${fmtBytes(b)} applied`,
    );
  };
  const changed = rate !== chosen.rate || burst !== (chosen.burst ?? burst);
  return (
    <div className="view tuner">
      <div className="tuner-controls">
        <label className="field">
          <span className="field-label">Limit</span>
          <select data-testid="tuner-pick" value={pick} onChange={(e) => setPick(Number(e.target.value))}>
            {limits.map((l, i) => (
              <option key={l.scope} value={i}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">
            Rate <b data-testid="tuner-rate">{fmtRate(rate)}</b>
          </span>
          <input
            type="range"
            min={0}
            max={1000}
            data-testid="rate-slider"
            value={toPos(rate)}
            onChange={(e) => setRate(fromPos(Number(e.target.value)))}
            onPointerUp={() => void apply()}
            onKeyUp={() => void apply()}
          />
        </label>
        <label className="field">
          <span className="field-label">
            Burst <b data-testid="tuner-burst">{fmtBytes(burst)}</b>
          </span>
          <input
            type="range"
            min={0}
            max={1000}
            data-testid="burst-slider"
            value={toPos(burst)}
            onChange={(e) => setBurst(fromPos(Number(e.target.value)))}
            onPointerUp={() => void apply()}
            onKeyUp={() => void apply()}
          />
        </label>
        <button className="primary" data-testid="tuner-apply" disabled={busy || !changed} onClick={() => void apply()}>
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <p className="explain" data-testid="tuner-explain">
          Now: {last?.explain ?? explainOf(chosen.raw)}
          {changed && (
            <>
              <br />
              After apply: {explainOf({ ...chosen.raw, rate: sizeText(rate), burst: sizeText(burst) })}
            </>
          )}
        </p>
        {last && (
          <p className="muted">
            achieved {fmtRate(last.achievedPerSec)} · throttled {(last.throttled * 100).toFixed(0)}% of the time
          </p>
        )}
      </div>
      <div className="tuner-chart">
        <LiveChart
          testId="tuner-chart"
          title={`Throughput of ${chosen.label}`}
          unit="bytes/s"
          build={build}
          format={fmtRate}
          bytes
          height={320}
          reference={{ value: chosen.rate, label: `target ${fmtRate(chosen.rate)}` }}
          aside={
            <span className="chart-key">
              <i style={{ background: ACHIEVED.colour }} />
              achieved
            </span>
          }
        />
        <AllLimits />
      </div>
    </div>
  );
}
