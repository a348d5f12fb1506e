/**
 * Why an nginx directive has no place in a Sluice config, one line each, for
 * the notes an import prints (`nginx.conf:12: ssl_ciphers not imported: …`).
 * Directives the import maps but found nowhere to apply say so instead.
 */
import type { Directive } from './parse.js';

/** Directives the import maps when something in their scope uses them. */
const MAPPED = new Set(
  `
  listen server_name root alias index autoindex return add_header gzip gzip_types gzip_min_length limit_rate
  limit_rate_after limit_conn limit_conn_zone client_max_body_size limit_except proxy_pass proxy_buffering
  proxy_request_buffering proxy_connect_timeout proxy_read_timeout proxy_send_timeout proxy_http_version
  proxy_set_header proxy_next_upstream proxy_next_upstream_tries proxy_next_upstream_timeout health_check
  chunked_transfer_encoding push_enabled push_port push_type push_channel push_max_clients push_heartbeat_interval
  bandwidth_limit enable_bandwidth_limit default_rate_limit default_burst_size min_file_size access_log
  nchan_publisher nchan_subscriber nchan_channel_id nchan_message_buffer_length nchan_eventsource_ping_interval
  nchan_eventsource_ping_comment nchan_eventsource_ping_event nchan_subscriber_first_message nchan_max_channel_subscribers
  nchan_message_timeout default_type client_header_timeout keepalive_timeout large_client_header_buffers
  proxy_timeout proxy_responses proxy_download_rate proxy_upload_rate keepalive ssl_certificate ssl_certificate_key http2
  ssl http2_max_concurrent_streams proxy_ssl_verify proxy_ssl_trusted_certificate proxy_ssl_server_name proxy_ssl_name
  proxy_ssl_verify_depth
`
    .split(/\s+/)
    .filter(Boolean),
);

/** Groups of directives Sluice leaves to the machine or has no notion of, with the reason. */
const GROUPS: [RegExp, string][] = [
  [
    /^(worker_|pcre_jit|thread_pool|timer_resolution|working_directory|lock_file|pid$|user$|daemon$|master_process$|env$|load_module$|events$|use$|multi_accept$|accept_mutex)/,
    'Sluice runs as one engine process; the operating system and Node.js settings stand in for it',
  ],
  [
    /^(sendfile|tcp_nopush|tcp_nodelay|aio|directio|output_buffers|postpone_output|send_lowat|open_file_cache|read_ahead|reset_timedout_connection|lingering_)/,
    'Sluice tunes its socket and file I/O itself',
  ],
  [/^ssl_preread$/, 'Sluice does not read the TLS server name to route streams'],
  [/^ssl_(client_certificate|verify_client|verify_depth|crl|ocsp)/, 'Sluice does not ask clients for certificates'],
  [/^ssl_(stapling|trusted_certificate)/, 'Sluice sends no OCSP staples'],
  [/^proxy_ssl_(certificate|certificate_key|password_file)$/, 'Sluice presents no client certificate to upstreams'],
  [
    /^proxy_ssl_/,
    'Sluice reaches TLS upstreams with a server name, verification and a CA file; protocols, ciphers and session reuse follow Node.js defaults',
  ],
  [
    /^ssl_/,
    'Sluice takes a certificate and key per server; protocols, ciphers and session settings follow Node.js defaults',
  ],
  [
    /^proxy_(cache|store|temp|buffer|buffers$|busy_buffers|max_temp|hide_header|pass_header|ignore_headers|ignore_client_abort|intercept_errors|cookie_|redirect|ssl_|bind|socket_keepalive|headers_hash|method|pass_request|limit_rate|force_ranges|no_cache|set_body)/,
    'the Sluice proxy streams without a cache or temp files and passes headers through as they are',
  ],
  [
    /^(fastcgi|uwsgi|scgi|grpc|memcached|mirror|js_|perl|ssi|sub_filter|addition_|xslt|image_filter|auth_|satisfy$|allow$|deny$|secure_link|userid|geoip|realip|set_real_ip_from|real_ip_)/,
    'Sluice has no equivalent of this nginx module',
  ],
  [
    /^(rewrite|if$|set$|break$|rewrite_log|uninitialized_variable_warn|try_files|error_page|recursive_error_pages|internal$|return)/,
    'Sluice routes by path prefix and has no per-request rewrite rules',
  ],
  [/^(map$|geo$|split_clients$|map_hash|variables_hash)/, 'Sluice has no per-request variables'],
  [
    /^(types$|types_hash|default_type$|charset|source_charset|override_charset)/,
    'Sluice sets Content-Type from its own table of file extensions',
  ],
  [
    /^(log_format|error_log|open_log_file_cache|log_not_found|log_subrequest)/,
    'Sluice logs to its console and, per server, to an access_log file',
  ],
  [
    /^(limit_req|limit_conn_log_level|limit_conn_status|limit_conn_dry_run|limit_rate_)/,
    'Sluice limits bandwidth and connections, not request rates',
  ],
  [
    /^(resolver|server_names_hash|server_name_in_redirect|port_in_redirect|absolute_redirect|merge_slashes|msie_|ignore_invalid_headers|underscores_in_headers|client_body_|client_header_buffer|large_client|http2_|http3_|quic_|spdy_|keepalive_requests|keepalive_time$|send_timeout|expires|etag|if_modified_since|max_ranges|server_tokens|chunked_transfer_encoding|disable_symlinks|gunzip|gzip_)/,
    'Sluice has a fixed behaviour here (see its README)',
  ],
  [
    /^(upstream$|zone$|hash$|sticky|queue$|ntlm|keepalive_timeout|state$|random$|least_time)/,
    'Sluice balances with round_robin, least_conn, ip_hash or random and keeps its state in one process',
  ],
  [/^(nchan_|push_stream_)/, 'Sluice channels live in one engine; this nchan setting has no equivalent'],
  [/^(mail$|imap_|pop3_|smtp_|starttls)/, 'Sluice has no mail proxy'],
  [
    /^(stub_status|status$|api$|vhost_traffic_status)/,
    'Sluice reports status through its admin API (/api/stats, /metrics)',
  ],
  [
    /^(dav_|create_full_put_path|min_delete_depth|mp4|flv|hls|f4f|random_index|slice$|autoindex_|index$)/,
    "Sluice's static routes serve files, ranges and one index name",
  ],
  [/^(workers$|workers_)/, 'Sluice runs as one engine process'],
];

/** One sentence: why this directive is not in the imported config. */
export function unmappedReason(d: Directive): string {
  if (MAPPED.has(d.name)) return 'nothing in its scope uses it';
  for (const [re, why] of GROUPS) if (re.test(d.name)) return why;
  return 'Sluice has no equivalent';
}
