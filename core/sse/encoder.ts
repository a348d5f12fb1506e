/**
 * Server-Sent Events wire format. An event is encoded once into a Buffer and
 * that same Buffer goes to every subscriber (fan-out never re-encodes).
 *
 *   id: 42
 *   event: tick
 *   data: first line
 *   data: second line
 *   <blank line>
 *
 * Data is split on every line break the SSE spec knows (\r\n, \r, \n), so a
 * multi-line payload arrives at the client exactly as it was published.
 */

/** An SSE event before encoding. */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
  /** Reconnection delay in ms sent with the event. */
  retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/;

/** Splits text on \r\n, \r and \n (the line breaks of the SSE grammar). */
export function splitLines(text: string): string[] {
  return text.split(LINE_BREAK);
}

/** A single-line field value: line breaks would start a new field, so they become spaces. */
function oneLine(value: string): string {
  return LINE_BREAK.test(value) ? value.replace(/\r\n|\r|\n/g, ' ') : value;
}

/** An id with NUL makes browsers ignore the field; strip NULs and line breaks. */
export function cleanId(id: string): string {
  return oneLine(id).replace(/\0/g, '');
}

/** The event as text (useful for logs and tests; fan-out uses encodeEvent). */
export function eventText(ev: SseEvent): string {
  let out = '';
  if (ev.id !== undefined) out += `id: ${cleanId(ev.id)}\n`;
  if (ev.event !== undefined && ev.event !== '') out += `event: ${oneLine(ev.event)}\n`;
  if (ev.retry !== undefined) out += `retry: ${Math.max(0, Math.round(ev.retry))}\n`;
  for (const line of splitLines(ev.data)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** Encodes an event once; write the returned Buffer to every subscriber. */
export function encodeEvent(ev: SseEvent): Buffer {
  return Buffer.from(eventText(ev), 'utf8');
}

/** A comment block (`: text`), used for heartbeats; ignored by clients. */
export function encodeComment(text = ''): Buffer {
  let out = '';
  for (const line of splitLines(text)) out += line ? `: ${line}\n` : ':\n';
  return Buffer.from(`${out}\n`, 'utf8');
}

/** A bare `retry:` field telling clients how long to wait before reconnecting. */
export function encodeRetry(ms: number): Buffer {
  return Buffer.from(`retry: ${Math.max(0, Math.round(ms))}\n\n`, 'latin1');
}

/** The heartbeat comment, shared by every connection. */
export const HEARTBEAT = encodeComment('heartbeat');

const CRLF = Buffer.from('\r\n');

/** Frames bytes as one HTTP/1.1 chunk (`size\r\n … \r\n`), so a pre-encoded event can go straight to the socket. */
export function frameChunk(buf: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${buf.length.toString(16)}\r\n`, 'latin1'), buf, CRLF]);
}
