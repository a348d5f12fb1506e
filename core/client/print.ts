/**
 * How `sluice client` prints a session: `--json` writes one JSON object per
 * line (events, reconnects, then a summary) for scripts; otherwise events go
 * to stdout one per line with their time and gap, and what happens to the
 * connection (status, reconnects, summary, findings) goes to stderr, so
 * `sluice client URL | grep …` sees only events.
 */
import type { ClientConnection, ClientEvent, ClientReconnect, ClientSummary } from '../api/client.js';

/** Where the printer writes (the CLI: process.stdout / stderr; tests: arrays). */
export interface PrintTarget {
  out(line: string): void;
  err(line: string): void;
}

/** A session's printer: one method per thing that happens. */
export interface SessionPrinter {
  connection(c: ClientConnection): void;
  event(e: ClientEvent): void;
  reconnect(r: ClientReconnect): void;
  summary(s: ClientSummary): void;
}

const ms = (n: number | undefined) =>
  n === undefined ? '—' : n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;

/** The summary as its JSON line (snake_case, as the event lines). */
export function summaryJson(s: ClientSummary): Record<string, unknown> {
  return {
    state: s.state,
    events: s.events,
    connections: s.connections,
    reconnects: s.reconnects,
    bytes: s.bytes,
    ttfb_ms: s.ttfbMs ?? null,
    first_event_ms: s.firstEventMs ?? null,
    duration_ms: s.durationMs,
    id_gaps: s.ids.gaps,
    missing_ids: s.ids.missing,
    duplicate_ids: s.ids.duplicates,
    duplicates: s.ids.duplicateCount,
    out_of_order_ids: s.ids.behind,
    diagnostics: s.diagnostics,
    reason: s.endReason ?? null,
    error: s.error ?? null,
  };
}

/** `--json`: one object per line on stdout; nothing on stderr but the final error line. */
export function jsonPrinter(to: PrintTarget): SessionPrinter {
  return {
    connection: () => {},
    event: (e) => to.out(JSON.stringify({ t: e.t, event: e.event ?? null, id: e.id ?? null, data: e.data })),
    reconnect: (r) =>
      to.out(
        JSON.stringify({
          t: r.t,
          reconnect: { after_ms: r.afterMs, last_event_id: r.lastEventId ?? null, reason: r.reason },
        }),
      ),
    summary: (s) => {
      to.out(JSON.stringify({ t: s.durationMs, summary: summaryJson(s) }));
      if (s.error) to.err(`sluice client: ${s.error}`);
    },
  };
}

/** One event as a line: time, gap, type, id, data (line breaks shown as ⏎). */
export function eventLine(e: ClientEvent): string {
  const time = `${(e.t / 1000).toFixed(3)}s`.padStart(9);
  const gap = `+${e.gap}ms`.padStart(8);
  const type = e.event !== undefined ? ` ${e.event}` : '';
  const id = e.id !== undefined ? ` #${e.id}` : '';
  const note =
    e.idNote === 'gap'
      ? '  (ids missing before this one)'
      : e.idNote === 'duplicate'
        ? '  (duplicate id)'
        : e.idNote === 'behind'
          ? '  (id out of order)'
          : '';
  return `${time} ${gap}${type}${id}  ${e.data.replace(/\r\n|\r|\n/g, '⏎')}${note}`;
}

function idsLine(s: ClientSummary): string {
  const parts: string[] = [];
  if (s.ids.missing > 0)
    parts.push(
      `${s.ids.missing} missing (${s.ids.gaps
        .slice(0, 5)
        .map((g) => `after ${g.after}: ${g.missing}`)
        .join(', ')})`,
    );
  if (s.ids.duplicateCount > 0)
    parts.push(`${s.ids.duplicateCount} duplicate (${s.ids.duplicates.slice(0, 5).join(', ')})`);
  if (s.ids.behind > 0) parts.push(`${s.ids.behind} out of order`);
  return parts.length ? `ids: ${parts.join('; ')}` : 'ids: no gaps, no duplicates';
}

/** Human-readable: events on stdout, the rest on stderr. */
export function textPrinter(to: PrintTarget): SessionPrinter {
  return {
    connection: (c) => {
      if (c.end !== undefined || c.status === undefined) return;
      to.err(
        `← ${c.status} ${c.contentType ?? '(no content type)'} · first byte ${ms(c.ttfbMs)}${c.format === 'lines' ? ' · reading lines' : ''}`,
      );
    },
    event: (e) => to.out(eventLine(e)),
    reconnect: (r) =>
      to.err(
        `↻ reconnect ${r.conn - 1} after ${ms(r.afterMs)} (${r.reason})${r.lastEventId !== undefined ? ` · Last-Event-ID: ${r.lastEventId}` : ''}`,
      ),
    summary: (s) => {
      // A session that failed before any event says so in one line.
      if (s.error && s.events === 0 && s.reconnects === 0) return to.err(`sluice client: ${s.error}`);
      const head = `— ${s.events} event${s.events === 1 ? '' : 's'} · ${s.reconnects} reconnect${s.reconnects === 1 ? '' : 's'} · first byte ${ms(s.ttfbMs)} · first event ${ms(s.firstEventMs)} · ${ms(s.durationMs)} · ${idsLine(s)}`;
      to.err(head);
      for (const d of s.diagnostics) to.err(`! ${d.code}: ${d.message}`);
      if (s.error) to.err(`sluice client: ${s.error}`);
      else if (s.endReason && s.state !== 'stopped') to.err(`— ${s.endReason}`);
    },
  };
}
