/**
 * The response HTTP/1 exchanges get: Node's ServerResponse that adds its
 * route's headers (CORS, the route's `headers:`) as the head goes out,
 * instead of storing each one up front.
 *
 * Node keeps every header set with setHeader() in a store (an object plus an
 * array per header) for as long as the response lives — an idle SSE
 * subscriber holds it for hours — and a writeHead() with headers then takes
 * its slow path. Headers given to writeHead() alone are rendered straight
 * into the head. So when the handler stored nothing itself, the route's
 * headers join the handler's in one list; otherwise they are stored first,
 * as before. Either way a header the handler sets wins over the route's
 * header of the same name, as it always did.
 */
import http, { type OutgoingHttpHeaders } from 'node:http';

/** A route header: name as configured, value, and the lower-case name to compare. */
export type RouteHeader = readonly [name: string, value: string, lower: string];

type HeadArgs = [reason?: string | OutgoingHttpHeaders | unknown[], headers?: OutgoingHttpHeaders | unknown[]];

/** Node's HTTP/1 response with the route's headers added when the head is written. */
export class Http1Response extends http.ServerResponse {
  /** Headers the route adds to this response; cleared once they are in the head. */
  routeHeaders: readonly RouteHeader[] | undefined = undefined;
  /** setHeader()/appendHeader() ran: Node's header store is in use. */
  private stored = false;

  override setHeader(name: string, value: number | string | readonly string[]): this {
    this.stored = true;
    return super.setHeader(name, value);
  }

  override appendHeader(name: string, value: string | readonly string[]): this {
    this.stored = true;
    return super.appendHeader(name, value);
  }

  override writeHead(statusCode: number, ...args: HeadArgs): this {
    const route = this.routeHeaders;
    if (route === undefined || this.headersSent) return super.writeHead(statusCode, ...(args as [string]));
    this.routeHeaders = undefined;
    const reason = typeof args[0] === 'string' ? args[0] : undefined;
    const given = typeof args[0] === 'string' ? args[1] : args[0];
    if (!this.stored && (given === undefined || !Array.isArray(given))) {
      const head = headFor(route, given as OutgoingHttpHeaders | undefined);
      return reason === undefined
        ? super.writeHead(statusCode, head as unknown as OutgoingHttpHeaders)
        : super.writeHead(statusCode, reason, head as unknown as OutgoingHttpHeaders);
    }
    // The store is in use (or the handler gave a raw list): the route's headers join it where the handler set none.
    for (const [name, value] of route) if (!this.hasHeader(name)) super.setHeader(name, value);
    return super.writeHead(statusCode, ...(args as [string]));
  }
}

/**
 * Joined heads of frozen header objects (a respond route's, made once), per
 * object, for the route they were joined with: such a route's answers take
 * the same list every time instead of joining it again.
 */
const joinedHeads = new WeakMap<OutgoingHttpHeaders, { route: readonly RouteHeader[]; head: unknown[] }>();

function headFor(route: readonly RouteHeader[], given: OutgoingHttpHeaders | undefined): unknown[] {
  if (given === undefined || !Object.isFrozen(given)) return joinHeads(route, given);
  const kept = joinedHeads.get(given);
  if (kept?.route === route) return kept.head;
  const head = joinHeads(route, given);
  joinedHeads.set(given, { route, head });
  return head;
}

/** The route's headers that `given` does not name, then `given`'s, as one flat name/value list. */
function joinHeads(route: readonly RouteHeader[], given: OutgoingHttpHeaders | undefined): unknown[] {
  const out: unknown[] = [];
  const names = given === undefined ? undefined : Object.keys(given);
  for (const [name, value, lower] of route) if (names === undefined || !named(names, lower)) out.push(name, value);
  if (names !== undefined)
    for (const n of names) {
      const v = given![n];
      if (v !== undefined) out.push(n, v);
    }
  return out;
}

/** True when `names` has `lower` in any case. */
function named(names: readonly string[], lower: string): boolean {
  for (const n of names) if (n === lower || n.toLowerCase() === lower) return true;
  return false;
}
