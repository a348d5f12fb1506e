/**
 * nginx's prefix replacement for `proxy_pass` with a URI part: the part of
 * the path the route matched is replaced by the route's `uri`, the rest and
 * the query follow (route /api, uri /v2/: /api/x?y=1 → /v2/x?y=1; uri /:
 * /api/x → /x). Without `uri` the original request target goes up as sent.
 */

/** The request target to send upstream. */
export function upstreamTarget(url: string, pathname: string, prefix: string, uri: string | undefined): string {
  if (uri === undefined) return url;
  const q = url.indexOf('?');
  const query = q < 0 ? '' : url.slice(q);
  const rest = pathname.slice(prefix.length);
  const joined = uri.endsWith('/') && rest.startsWith('/') ? uri + rest.slice(1) : uri + rest;
  return `${joined || '/'}${query}`;
}
