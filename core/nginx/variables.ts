/**
 * nginx variables: which names nginx knows (built in, families like
 * `$http_*`, and those a config defines with map, geo, set, …), and the
 * check nginx itself makes at startup — a directive naming a variable nobody
 * defines is an error (`unknown "foo" variable`), so the import refuses it
 * the same way instead of carrying a typo into a config that cannot run.
 */
import { walk, type Directive, type ParseError } from './parse.js';

/** Variables nginx and the modules of a stock Debian nginx define (http and stream). */
const BUILTIN = new Set(
  `
  args binary_remote_addr body_bytes_sent bytes_received bytes_sent connection connection_requests connection_time
  connections_active connections_reading connections_waiting connections_writing content_length content_type
  cookie_ date_gmt date_local document_root document_uri fastcgi_path_info fastcgi_script_name gzip_ratio host
  hostname https invalid_referer is_args limit_conn_status limit_rate limit_req_status msec nginx_version pid pipe
  proxy_add_x_forwarded_for proxy_host proxy_port proxy_protocol_addr proxy_protocol_port proxy_protocol_server_addr
  proxy_protocol_server_port query_string realip_remote_addr realip_remote_port realpath_root remote_addr remote_port
  remote_user request request_body request_body_file request_completion request_filename request_id request_length
  request_method request_time request_uri scheme secure_link secure_link_expires server_addr server_name server_port
  server_protocol session_time status status_code tcpinfo_rtt tcpinfo_rttvar tcpinfo_snd_cwnd tcpinfo_rcv_space
  time_iso8601 time_local uid_got uid_reset uid_set upstream_addr upstream_bytes_received upstream_bytes_sent
  upstream_cache_status upstream_connect_time upstream_first_byte_time upstream_header_time upstream_queue_time
  upstream_response_length upstream_response_time upstream_session_time upstream_status uri
  ancient_browser modern_browser msie slice_range gzip_ratio
  ssl_alpn_protocol ssl_cipher ssl_ciphers ssl_client_cert ssl_client_escaped_cert ssl_client_fingerprint
  ssl_client_i_dn ssl_client_i_dn_legacy ssl_client_raw_cert ssl_client_s_dn ssl_client_s_dn_legacy ssl_client_serial
  ssl_client_v_end ssl_client_v_remain ssl_client_v_start ssl_client_verify ssl_curve ssl_curves ssl_early_data
  ssl_preread_alpn_protocols ssl_preread_protocol ssl_preread_server_name ssl_protocol ssl_server_name ssl_session_id
  ssl_session_reused http2 http3 quic
  geoip_area_code geoip_city geoip_city_continent_code geoip_city_country_code geoip_city_country_code3
  geoip_city_country_name geoip_country_code geoip_country_code3 geoip_country_name geoip_dma_code geoip_latitude
  geoip_longitude geoip_org geoip_postal_code geoip_region geoip_region_name
`
    .split(/\s+/)
    .filter(Boolean),
);

/** Variable families: any name with one of these prefixes is known. */
const FAMILIES = [
  'arg_',
  'http_',
  'sent_http_',
  'sent_trailer_',
  'cookie_',
  'upstream_http_',
  'upstream_trailer_',
  'upstream_cookie_',
  'nchan_',
  'jwt_',
];

/** Directives whose arguments are regular expressions or map keys, where `$` is an anchor, not a variable. */
const REGEX_FIRST_ARG = new Set(['rewrite', 'server_name', 'valid_referers']);

/** `$name` or `${name}` in an argument (not `$` at the end or before a non-name character: regex anchors). */
const VAR = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|(\d))/g;

/** Directives that define the variable named by their argument at `index`. */
const DEFINERS: Record<string, number> = {
  set: 0,
  map: 1,
  geo: -1,
  split_clients: 1,
  perl_set: 0,
  js_set: 0,
  auth_request_set: 0,
  auth_jwt_claim_set: 0,
  auth_jwt_header_set: 0,
  secure_link_md5: -2,
  userid_name: -2,
};

/** The variables a configuration defines itself (map, geo, set, split_clients, regex named captures). */
export function definedVariables(tree: readonly Directive[]): Set<string> {
  const out = new Set<string>();
  for (const d of walk(tree)) {
    const at = DEFINERS[d.name];
    if (at !== undefined && at >= -1) {
      // geo's variable is its last argument (an optional source address comes first).
      const arg = at === -1 ? d.args[d.args.length - 1] : d.args[at];
      const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(arg ?? '');
      if (m) out.add(m[1]!);
    }
    for (const a of d.args) for (const m of a.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)) out.add(m[1]!);
  }
  return out;
}

/** True when nginx knows `$name` (built in, a family, or defined by this configuration). */
export function isKnownVariable(name: string, defined: ReadonlySet<string>): boolean {
  return BUILTIN.has(name) || defined.has(name) || FAMILIES.some((f) => name.startsWith(f) && name.length > f.length);
}

/** The arguments of a directive in which `$…` means a variable (regexes and map keys excluded). */
function variableArgs(d: Directive, parent: Directive | undefined): string[] {
  if (parent?.name === 'map' || parent?.name === 'geo' || parent?.name === 'split_clients') return d.args; // values only: keys are literal
  if (d.name === 'location' || d.name === 'if') return [];
  if (REGEX_FIRST_ARG.has(d.name)) return d.name === 'rewrite' ? d.args.slice(1) : [];
  if (d.name === 'map' || d.name === 'geo' || d.name === 'split_clients') return d.args.slice(0, 1);
  return d.args;
}

/** The variables an argument names (`$1`…`$9` captures are always allowed). */
export function variablesIn(arg: string): string[] {
  const out: string[] = [];
  for (const m of arg.matchAll(VAR)) if (!m[3]) out.push(m[1] ?? m[2]!);
  return out;
}

/** Every use of an unknown variable, as nginx reports it: `unknown "foo" variable`. */
export function unknownVariables(tree: readonly Directive[]): ParseError[] {
  const defined = definedVariables(tree);
  const errors: ParseError[] = [];
  const visit = (list: readonly Directive[], parent: Directive | undefined) => {
    for (const d of list) {
      for (const a of variableArgs(d, parent)) {
        for (const name of variablesIn(a)) {
          if (!isKnownVariable(name, defined))
            errors.push({ file: d.file, line: d.line, col: d.col, message: `${d.name}: unknown "${name}" variable` });
        }
      }
      if (d.block) visit(d.block, d);
    }
  };
  visit(tree, undefined);
  return errors;
}
