/**
 * A chart's series drawn on a canvas laid over recharts' plot area: per
 * stacked layer a translucent band and its top edge, then the lines, then the
 * hover cursor. A tick is one redraw of a few hundred segments — no DOM nodes,
 * no path strings, no SVG layout — which is what keeps the dashboard cheap
 * under load. The drawn series' keys are on `data-series` (tests, tools).
 */
import { useLayoutEffect, useRef } from 'react';
import type { ChartModel } from '../../model/chart-data.js';
import { useColourScheme } from './use-colour-scheme.js';

/** The plot rectangle inside the chart (px from the chart's top-left). */
export interface PlotArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Maps model coordinates (ms before the end, value) to pixels. */
export interface PlotScale {
  x(ms: number): number;
  y(v: number): number;
}

/** The scale of a plot area for a window of `rangeMs` and a value axis 0…`top`. */
export function plotScale(area: PlotArea, rangeMs: number, top: number): PlotScale {
  return {
    x: (ms) => area.x + ((ms + rangeMs) / rangeMs) * area.width,
    y: (v) => area.y + area.height - (Math.min(Math.max(v, 0), top) / top) * area.height,
  };
}

/** A CSS colour as the canvas can use it: `var(--x)` resolved on `el`. */
function resolver(el: Element): (c: string) => string {
  const style = getComputedStyle(el);
  const cache = new Map<string, string>();
  return (c) => {
    let v = cache.get(c);
    if (v === undefined) {
      const m = /^var\((--[\w-]+)\)$/.exec(c);
      v = m ? style.getPropertyValue(m[1]!).trim() || '#888' : c;
      cache.set(c, v);
    }
    return v;
  };
}

function trace(ctx: CanvasRenderingContext2D, xs: number[], ys: number[], s: PlotScale, from = true): void {
  for (let i = 0; i < xs.length; i++) {
    if (i === 0 && from) ctx.moveTo(s.x(xs[i]!), s.y(ys[i]!));
    else ctx.lineTo(s.x(xs[i]!), s.y(ys[i]!));
  }
}

/** Draws the model (and the cursor at point `cursor`, −1 for none) onto the canvas. */
function draw(canvas: HTMLCanvasElement, p: SeriesCanvasProps): void {
  const { model, top, area, height, cursor } = p;
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const colour = resolver(canvas);
  // Bands are translucent; the dark theme needs them denser to keep the same contrast.
  const bandAlpha = Number(colour('var(--series-band-alpha)')) || 0.3;
  const s = plotScale(area, model.rangeMs, top);
  const xs = model.x;
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.x, area.y - 2, area.width, area.height + 4);
  ctx.clip();
  // Bevel joins and 1 px edges: round joins and wider strokes cost several times more to rasterise.
  ctx.lineJoin = 'bevel';
  for (const l of model.stacks) {
    const c = colour(l.colour);
    ctx.beginPath();
    trace(ctx, xs, l.upper, s);
    for (let i = xs.length - 1; i >= 0; i--) ctx.lineTo(s.x(xs[i]!), s.y(l.lower[i]!));
    ctx.closePath();
    ctx.globalAlpha = bandAlpha;
    ctx.fillStyle = c;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.beginPath();
    trace(ctx, xs, l.upper, s);
    ctx.lineWidth = 1;
    ctx.strokeStyle = c;
    ctx.stroke();
  }
  for (const l of model.lines) {
    ctx.beginPath();
    trace(ctx, xs, l.values, s);
    ctx.lineWidth = 2;
    ctx.strokeStyle = colour(l.colour);
    ctx.stroke();
  }
  ctx.restore();
  if (cursor >= 0 && xs[cursor] !== undefined) {
    const x = Math.round(s.x(xs[cursor])) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, area.y);
    ctx.lineTo(x, area.y + area.height);
    ctx.setLineDash([3, 3]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = colour('var(--muted)');
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

/** Props of the series layer. */
export interface SeriesCanvasProps {
  model: ChartModel;
  top: number;
  area: PlotArea;
  /** The chart's height (the canvas covers the chart exactly). */
  height: number;
  /** Point index under the pointer (−1: none). */
  cursor: number;
}

/** The canvas, redrawn when the model, the axes, the pointer or the colour scheme change. */
export function SeriesCanvas(props: SeriesCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  const scheme = useColourScheme();
  const { model, top, area, height, cursor } = props;
  useLayoutEffect(() => {
    if (ref.current) draw(ref.current, props);
  }, [model, top, area, height, cursor, scheme]); // eslint-disable-line react-hooks/exhaustive-deps
  const keys = [...model.stacks, ...model.lines].map((l) => l.key).join(' ');
  return <canvas ref={ref} className="series" style={{ height }} data-series={keys} aria-hidden="true" />;
}
