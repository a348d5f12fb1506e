/**
 * What every wire format shares: a renderer turns plan steps into frames
 * (an SSE event name and its data text), a framer turns frames into bytes.
 *
 *   plan step i ──renderer.step(i)──▶ Frame[] ──framer──▶ "event: …\ndata: …\n\n" (or a JSON-array element)
 */
import type { LlmPlan } from './plan.js';
import type { LlmRequest } from './request.js';
import type { InBandKind } from './errors.js';

/** One wire event: an optional SSE event name and its data text (JSON, or `[DONE]`). */
export interface Frame {
  event?: string;
  data: string;
}

/** One response in one provider's format; methods are called in stream order. */
export interface WireRenderer {
  /** Response headers of the stream (content type included). */
  readonly headers: Record<string, string>;
  /** Frames sent with the headers, before the first token (message_start, response.created…). */
  head(): Frame[];
  /** Frames of step `i` of the plan. */
  step(i: number): Frame[];
  /** Frames after the last step; `dropDone` leaves out the end marker (`[DONE]`, `message_stop`, …). */
  end(dropDone: boolean): Frame[];
  /** The provider's in-band error after `sent` steps. */
  error(kind: InBandKind, sent: number): Frame[];
  /** The whole answer of a non-streaming request. */
  json(): unknown;
}

/** Builds the renderer of one response. */
export type RendererFactory = (plan: LlmPlan, req: LlmRequest) => WireRenderer;

/** Turns frames into the bytes of one write. */
export interface Framer {
  frame(frames: readonly Frame[]): string;
  /** Bytes that close the body (a JSON array's `]`), '' for SSE. */
  close(): string;
}

/** SSE framing with `\n` or `\r\n` line ends (Gemini's SSE uses CRLF). */
export function sseFramer(eol: '\n' | '\r\n' = '\n'): Framer {
  return {
    frame(frames) {
      let out = '';
      for (const f of frames)
        out += `${f.event !== undefined ? `event: ${f.event}${eol}` : ''}data: ${f.data}${eol}${eol}`;
      return out;
    },
    close: () => '',
  };
}

/** A streamed JSON array, one element per frame (Gemini without `alt=sse`). */
export function jsonArrayFramer(): Framer {
  let first = true;
  return {
    frame(frames) {
      let out = '';
      for (const f of frames) {
        out += `${first ? '[' : '\r\n,'}${f.data}`;
        first = false;
      }
      return out;
    },
    close: () => (first ? '[]' : ']'),
  };
}

/** JSON text of a value (the data of a frame). */
export const json = (v: unknown): string => JSON.stringify(v);

/** SSE response headers every format starts from. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** A frame's data cut in half: JSON a client cannot parse (the `malformed_json` failure). */
export function malformed(frames: readonly Frame[]): Frame[] {
  if (frames.length === 0) return [{ data: '{"choices":[{"delta":{"content":"' }];
  const last = frames[frames.length - 1]!;
  return [...frames.slice(0, -1), { ...last, data: last.data.slice(0, Math.max(1, Math.floor(last.data.length / 2))) }];
}
