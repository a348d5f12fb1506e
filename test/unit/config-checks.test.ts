/**
 * Every check of the config language as data: each field's bounds and
 * choices, the checks that need the whole document (duplicates, references,
 * combinations nginx would refuse) — each bad document with the exact,
 * positioned error a user sees — and the defaults a minimal document gets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConfigError, loadConfig } from '../../core/config/index.js';
import { routeKind, ROUTE_KINDS, type RouteConfig } from '../../core/config/schema.js';
import { isCidr, isLoopback } from '../../core/config/semantic.js';

const route = (r: string) =>
  `version: 1\nhttp:\n  servers:\n    - name: s\n      listen: 0\n      routes:\n        - ${r}\n`;
const server = (s: string) => `version: 1\nhttp:\n  servers:\n    - { name: s, listen: 0, ${s} }\n`;
const up = (u: string) => `version: 1\nhttp:\n  upstreams:\n    - { name: u, servers: [ { address: 1 } ], ${u} }\n`;
const upServer = (s: string) =>
  `version: 1\nhttp:\n  upstreams:\n    - { name: u, servers: [ { address: 1, ${s} } ] }\n`;
const sUp = (u: string) => `version: 1\nstream:\n  upstreams:\n    - { name: u, servers: [ { address: 1 } ], ${u} }\n`;
const sServer = (s: string) =>
  `version: 1\nstream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 0, upstream: u, ${s} }\n`;
const admin = (a: string) => `version: 1\nadmin: { ${a} }\n`;
const limits = (l: string) => `version: 1\nhttp:\n  limits: ${l}\n`;
const doc = (s: string) => `version: 1\n${s}`;

/** Every error of a document, as the CLI prints them; [] when it is valid. */
function errors(text: string): string[] {
  const r = loadConfig(text, 'c.yaml');
  return r.ok ? [] : r.errors.map(formatConfigError);
}

/** A document that must load; its config. */
function valid(text: string) {
  const r = loadConfig(text, 'c.yaml');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors.map(formatConfigError)));
  return r.config;
}

/** Each document with every error it must produce ([] = valid, as the boundary right next to an error). */
const CASES: [string, string, string[]][] = [
  [
    'burst 0',
    route('{ path: /a, respond: {}, limit: { rate: 1k, burst: 0 } }'),
    ['c.yaml:7:62: http.servers[0].routes[0].limit.burst: size must be greater than 0, got 0'],
  ],
  [
    'per bogus',
    route('{ path: /a, respond: {}, limit: { rate: 1k, per: everyone } }'),
    [
      'c.yaml:7:60: http.servers[0].routes[0].limit.per: must be one of "connection", "client", "route", got "everyone"',
    ],
  ],
  [
    'direction bogus',
    route('{ path: /a, respond: {}, limit: { rate: 1k, direction: up } }'),
    ['c.yaml:7:66: http.servers[0].routes[0].limit.direction: must be one of "out", "in", "both", got "up"'],
  ],
  [
    'ext with dot',
    limits('{ rules: [ { match: { ext: [.mp4] }, rate: 1k } ] }'),
    ['c.yaml:3:39: http.limits.rules[0].match.ext[0]: extensions are written without a dot, e.g. mp4'],
  ],
  [
    'ext with a dot inside',
    limits('{ rules: [ { match: { ext: [x.mp4] }, rate: 1k } ] }'),
    ['c.yaml:3:39: http.limits.rules[0].match.ext[0]: extensions are written without a dot, e.g. mp4'],
  ],
  [
    'ext ending with a dot',
    limits('{ rules: [ { match: { ext: [mp4.] }, rate: 1k } ] }'),
    ['c.yaml:3:39: http.limits.rules[0].match.ext[0]: extensions are written without a dot, e.g. mp4'],
  ],
  [
    'match path without slash',
    limits('{ rules: [ { match: { path: big }, rate: 1k } ] }'),
    ['c.yaml:3:39: http.limits.rules[0].match.path: has an invalid format (starts_with), got "big"'],
  ],
  [
    'slice size 0',
    route('{ path: /a, respond: {}, faults: { slice: { size: 0 } } }'),
    ['c.yaml:7:61: http.servers[0].routes[0].faults.slice.size: size must be greater than 0, got 0'],
  ],
  [
    'no chunks',
    route('{ path: /a, chunked: { chunks: [] } }'),
    ['c.yaml:7:42: http.servers[0].routes[0].chunked.chunks: needs at least 1 item'],
  ],
  [
    'repeat 0',
    route('{ path: /a, chunked: { chunks: [a], repeat: 0 } }'),
    ['c.yaml:7:55: http.servers[0].routes[0].chunked.repeat: must be at least 1, got 0'],
  ],
  [
    'status 99',
    route('{ path: /a, chunked: { chunks: [a], status: 99 } }'),
    ['c.yaml:7:55: http.servers[0].routes[0].chunked.status: must be at least 100, got 99'],
  ],
  [
    'status 600',
    route('{ path: /a, chunked: { chunks: [a], status: 600 } }'),
    ['c.yaml:7:55: http.servers[0].routes[0].chunked.status: must be at most 599, got 600'],
  ],
  [
    'format bogus',
    route('{ path: /a, stream: { format: xml } }'),
    ['c.yaml:7:41: http.servers[0].routes[0].stream.format: must be one of "ndjson", "text", "binary", got "xml"'],
  ],
  [
    'stream size 0',
    route('{ path: /a, stream: { format: binary, size: 0 } }'),
    ['c.yaml:7:55: http.servers[0].routes[0].stream.size: size must be greater than 0, got 0'],
  ],
  [
    'fault bogus',
    route('{ path: /a, sse: { script: [ { fault: explode } ] } }'),
    [
      'c.yaml:7:49: http.servers[0].routes[0].sse.script[0].fault: must be one of "close", "stall", "reset", got "explode"',
    ],
  ],
  [
    'step status 600',
    route('{ path: /a, sse: { script: [ { status: 600 } ] } }'),
    ['c.yaml:7:50: http.servers[0].routes[0].sse.script[0].status: must be at most 599, got 600'],
  ],
  [
    'step status 99',
    route('{ path: /a, sse: { script: [ { status: 99 } ] } }'),
    ['c.yaml:7:50: http.servers[0].routes[0].sse.script[0].status: must be at least 100, got 99'],
  ],
  [
    'scenario bogus',
    route('{ path: /a, sse: { scenario: gemini } }'),
    [
      'c.yaml:7:40: http.servers[0].routes[0].sse.scenario: must be one of "openai", "anthropic", "progress", "ticker", "log", got "gemini"',
    ],
  ],
  [
    'scenario count -1',
    route('{ path: /a, sse: { scenario: { type: ticker, count: -1 } } }'),
    ['c.yaml:7:63: http.servers[0].routes[0].sse.scenario.count: must be at least 0, got -1'],
  ],
  [
    'heartbeat 99ms',
    route('{ path: /a, sse: { channel: c, heartbeat: 99ms } }'),
    ['c.yaml:7:53: http.servers[0].routes[0].sse.heartbeat: duration must be at least 100ms, got "99ms"'],
  ],
  [
    'queue 1023',
    route('{ path: /a, sse: { channel: c, queue: 1023 } }'),
    ['c.yaml:7:49: http.servers[0].routes[0].sse.queue: size must be at least 1024 bytes, got 1023'],
  ],
  [
    'sse none',
    route('{ path: /a, sse: {} }'),
    ['c.yaml:7:28: http.servers[0].routes[0].sse: sse needs exactly one of channel, script or scenario'],
  ],
  [
    'sse two',
    route('{ path: /a, sse: { channel: c, scenario: openai } }'),
    ['c.yaml:7:28: http.servers[0].routes[0].sse: sse needs exactly one of channel, script or scenario'],
  ],
  [
    'connect_timeout 0',
    route('{ path: /a, proxy: { upstream: "http://127.0.0.1:1", connect_timeout: 0 } }'),
    ['c.yaml:7:81: http.servers[0].routes[0].proxy.connect_timeout: duration must be at least 1ms, got 0'],
  ],
  [
    'read_timeout 0 is no timeout, as in nginx',
    route('{ path: /a, proxy: { upstream: "http://127.0.0.1:1", read_timeout: 0 } }'),
    [],
  ],
  [
    'send_timeout 0',
    route('{ path: /a, proxy: { upstream: "http://127.0.0.1:1", send_timeout: 0 } }'),
    ['c.yaml:7:78: http.servers[0].routes[0].proxy.send_timeout: duration must be at least 1ms, got 0'],
  ],
  [
    'tries -1',
    route('{ path: /a, proxy: { upstream: "http://127.0.0.1:1", next_upstream_tries: -1 } }'),
    ['c.yaml:7:85: http.servers[0].routes[0].proxy.next_upstream_tries: must be at least 0, got -1'],
  ],
  [
    'path without slash',
    route('{ path: a, respond: {} }'),
    ['c.yaml:7:19: http.servers[0].routes[0].path: paths start with "/"'],
  ],
  [
    'cors true',
    route('{ path: /a, respond: {}, cors: true }'),
    ['c.yaml:7:42: http.servers[0].routes[0].cors: must be false, got true'],
  ],
  [
    'header_timeout 0',
    server('header_timeout: 0'),
    ['c.yaml:4:45: http.servers[0].header_timeout: duration must be at least 1ms, got 0'],
  ],
  [
    'keepalive_timeout -1',
    server('keepalive_timeout: -1'),
    ['c.yaml:4:48: http.servers[0].keepalive_timeout: duration must not be negative, got -1'],
  ],
  [
    'max_header_size 1023',
    server('max_header_size: 1023'),
    ['c.yaml:4:46: http.servers[0].max_header_size: size must be at least 1024 bytes, got 1023'],
  ],
  [
    'cert without key',
    server('tls: { cert: a.pem }'),
    ['c.yaml:4:34: http.servers[0].tls: cert needs key (the private key file of the certificate)'],
  ],
  [
    'key without cert',
    server('tls: { key: a.pem }'),
    [
      "c.yaml:4:34: http.servers[0].tls: key needs cert (the certificate file); or write tls: {} for a certificate from Sluice's local CA",
    ],
  ],
  [
    'max_conns -1',
    upServer('max_conns: -1'),
    ['c.yaml:4:54: http.upstreams[0].servers[0].max_conns: must be at least 0, got -1'],
  ],
  [
    'interval 9ms',
    up('health_check: { interval: 9ms }'),
    ['c.yaml:4:73: http.upstreams[0].health_check.interval: duration must be at least 10ms, got "9ms"'],
  ],
  [
    'timeout 0',
    up('health_check: { timeout: 0 }'),
    ['c.yaml:4:72: http.upstreams[0].health_check.timeout: duration must be at least 1ms, got 0'],
  ],
  [
    'hc path',
    up('health_check: { path: health }'),
    ['c.yaml:4:69: http.upstreams[0].health_check.path: has an invalid format (starts_with), got "health"'],
  ],
  [
    'fails 0',
    up('health_check: { fails: 0 }'),
    ['c.yaml:4:70: http.upstreams[0].health_check.fails: must be at least 1, got 0'],
  ],
  [
    'passes 0',
    up('health_check: { passes: 0 }'),
    ['c.yaml:4:71: http.upstreams[0].health_check.passes: must be at least 1, got 0'],
  ],
  [
    'no servers',
    `version: 1\nhttp:\n  upstreams:\n    - { name: u, servers: [] }\n`,
    ['c.yaml:4:27: http.upstreams[0].servers: needs at least 1 item'],
  ],
  ['keepalive -1', up('keepalive: -1'), ['c.yaml:4:58: http.upstreams[0].keepalive: must be at least 0, got -1']],
  [
    'stream interval 9ms',
    sUp('health_check: { interval: 9ms }'),
    ['c.yaml:4:73: stream.upstreams[0].health_check.interval: duration must be at least 10ms, got "9ms"'],
  ],
  [
    'stream timeout 0',
    sUp('health_check: { timeout: 0 }'),
    ['c.yaml:4:72: stream.upstreams[0].health_check.timeout: duration must be at least 1ms, got 0'],
  ],
  [
    'stream fails 0',
    sUp('health_check: { fails: 0 }'),
    ['c.yaml:4:70: stream.upstreams[0].health_check.fails: must be at least 1, got 0'],
  ],
  [
    'stream passes 0',
    sUp('health_check: { passes: 0 }'),
    ['c.yaml:4:71: stream.upstreams[0].health_check.passes: must be at least 1, got 0'],
  ],
  [
    'stream no servers',
    `version: 1\nstream:\n  upstreams:\n    - { name: u, servers: [] }\n`,
    ['c.yaml:4:27: stream.upstreams[0].servers: needs at least 1 item'],
  ],
  [
    'protocol bogus',
    sServer('protocol: sctp'),
    ['c.yaml:5:52: stream.servers[0].protocol: must be one of "tcp", "udp", got "sctp"'],
  ],
  [
    'proxy_timeout 0',
    sServer('proxy_timeout: 0'),
    ['c.yaml:5:57: stream.servers[0].proxy_timeout: duration must be at least 1ms, got 0'],
  ],
  [
    'stream connect_timeout 0',
    sServer('connect_timeout: 0'),
    ['c.yaml:5:59: stream.servers[0].connect_timeout: duration must be at least 1ms, got 0'],
  ],
  [
    'stream tries -1',
    sServer('next_upstream_tries: -1'),
    ['c.yaml:5:63: stream.servers[0].next_upstream_tries: must be at least 0, got -1'],
  ],
  [
    'max_connections -1',
    sServer('max_connections: -1'),
    ['c.yaml:5:59: stream.servers[0].max_connections: must be at least 0, got -1'],
  ],
  [
    'max_datagram 0',
    sServer('max_datagram: 0'),
    ['c.yaml:5:56: stream.servers[0].max_datagram: size must be greater than 0, got 0'],
  ],
  [
    'max_datagram 65536',
    sServer('max_datagram: 65536'),
    ['c.yaml:5:56: stream.servers[0].max_datagram: size must be at most 65535 bytes, got 65536'],
  ],
  ['token short', admin('token: short'), ['c.yaml:2:17: admin.token: must be at least 16 characters']],
  ['traffic_log -1', admin('traffic_log: -1'), ['c.yaml:2:23: admin.traffic_log: must be at least 0, got -1']],
  [
    'dup server',
    doc('http:\n  servers:\n    - { name: a, listen: 0 }\n    - { name: a, listen: 0 }\n'),
    ['c.yaml:5:15: http.servers[1].name: server name "a" is already used by item 0'],
  ],
  [
    'dup upstream',
    doc(
      'http:\n  upstreams:\n    - { name: u, servers: [ { address: 1 } ] }\n    - { name: u, servers: [ { address: 2 } ] }\n',
    ),
    ['c.yaml:5:15: http.upstreams[1].name: upstream name "u" is already used by item 0'],
  ],
  [
    'dup stream server',
    doc(
      'stream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 0, upstream: u }\n    - { name: t, listen: 0, upstream: u }\n',
    ),
    ['c.yaml:6:15: stream.servers[1].name: stream server name "t" is already used by item 0'],
  ],
  [
    'dup stream upstream',
    doc(
      'stream:\n  upstreams:\n    - { name: u, servers: [ { address: 1 } ] }\n    - { name: u, servers: [ { address: 2 } ] }\n',
    ),
    ['c.yaml:5:15: stream.upstreams[1].name: stream upstream name "u" is already used by item 0'],
  ],
  [
    'admin and http same listen',
    doc('admin: { listen: 9900 }\nhttp:\n  servers:\n    - { name: a, listen: 9900 }\n'),
    ['c.yaml:5:26: http.servers[0].listen: listen address "127.0.0.1:9900" is already used by item 0'],
  ],
  [
    'tcp stream and http same listen',
    doc(
      'http:\n  servers:\n    - { name: a, listen: 7000 }\nstream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 7000, upstream: u }\n',
    ),
    ['c.yaml:8:26: stream.servers[0].listen: listen address "127.0.0.1:7000" is already used by item 0'],
  ],
  [
    'udp and http same port ok',
    doc(
      'http:\n  servers:\n    - { name: a, listen: 7000 }\nstream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 7000, upstream: u, protocol: udp }\n',
    ),
    [],
  ],
  [
    'two udp same',
    doc(
      'stream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 7000, upstream: u, protocol: udp }\n    - { name: v, listen: 7000, upstream: u, protocol: udp }\n',
    ),
    ['c.yaml:6:26: stream.servers[1].listen: listen address "127.0.0.1:7000" is already used by item 0'],
  ],
  ['port 0 twice ok', doc('http:\n  servers:\n    - { name: a, listen: 0 }\n    - { name: b, listen: 0 }\n'), []],
  [
    'admin off loopback',
    doc('admin: { listen: "0.0.0.0:9900" }\n'),
    [
      'c.yaml:2:18: admin.listen: the admin API on 0.0.0.0:9900 would be reachable from other machines: set admin.token (16+ characters) or listen on 127.0.0.1',
    ],
  ],
  ['admin off loopback with token ok', doc('admin: { listen: "0.0.0.0:9900", token: abcdefghijklmnopq }\n'), []],
  ['admin v6 loopback ok', doc('admin: { listen: "[::1]:9900" }\n'), []],
  ['admin 127.5 ok', doc('admin: { listen: "127.5.6.7:9900" }\n'), []],
  ['admin name', doc('admin: { listen: "localhost:9900" }\n'), []],
  [
    'http2 without tls',
    doc('http:\n  servers:\n    - { name: a, listen: 0, http2: on }\n'),
    [
      "c.yaml:4:36: http.servers[0].http2: http2 needs tls on this server (browsers speak HTTP/2 only over TLS); add tls: {} for a certificate from Sluice's local CA",
    ],
  ],
  [
    'unknown upstream with known',
    doc(
      'http:\n  servers:\n    - { name: a, listen: 0, routes: [ { path: /p, proxy: { upstream: nope } } ] }\n  upstreams:\n    - { name: u, servers: [ { address: 1 } ] }\n    - { name: v, servers: [ { address: 2 } ] }\n',
    ),
    ['c.yaml:4:70: http.servers[0].routes[0].proxy.upstream: unknown upstream "nope" (known: u, v)'],
  ],
  [
    'channel replay differs',
    doc(
      'http:\n  servers:\n    - name: a\n      listen: 0\n      routes:\n        - { path: /x, sse: { channel: c, replay: 5 } }\n        - { path: /y, sse: { channel: c, replay: 6 } }\n',
    ),
    [
      'c.yaml:8:50: http.servers[0].routes[1].sse.replay: channel "c" is declared with replay 5 elsewhere; one channel has one replay size',
    ],
  ],
  [
    'channel replay same ok',
    doc(
      'http:\n  servers:\n    - name: a\n      listen: 0\n      routes:\n        - { path: /x, sse: { channel: c, replay: 5 } }\n        - { path: /y, sse: { channel: c, replay: 5 } }\n    - name: b\n      listen: 0\n      routes:\n        - { path: /z, sse: { channel: c, replay: 5 } }\n',
    ),
    [],
  ],
  [
    'channel default replay vs 6',
    doc(
      'http:\n  servers:\n    - name: a\n      listen: 0\n      routes:\n        - { path: /x, sse: { channel: c } }\n        - { path: /y, sse: { channel: c, replay: 6 } }\n        - { path: /z, sse: { channel: c, replay: 7 } }\n',
    ),
    [
      'c.yaml:8:50: http.servers[0].routes[1].sse.replay: channel "c" is declared with replay 100 elsewhere; one channel has one replay size',
      'c.yaml:9:50: http.servers[0].routes[2].sse.replay: channel "c" is declared with replay 100 elsewhere; one channel has one replay size',
    ],
  ],
  [
    'status step second',
    doc(
      'http:\n  servers:\n    - name: a\n      listen: 0\n      routes:\n        - { path: /x, sse: { script: [ { data: a }, { status: 503 } ] } }\n',
    ),
    [
      'c.yaml:7:63: http.servers[0].routes[0].sse.script[1].status: a status step must be the first step (it answers before streaming starts)',
    ],
  ],
  [
    'status step first ok',
    doc(
      'http:\n  servers:\n    - name: a\n      listen: 0\n      routes:\n        - { path: /x, sse: { script: [ { status: 503 }, { data: a } ] } }\n',
    ),
    [],
  ],
  [
    'default burst small',
    doc('http:\n  limits: { default: { rate: 1m, burst: 1023 } }\n'),
    ['c.yaml:3:41: http.limits.default.burst: burst must be at least 1024 bytes (one write), got 1023'],
  ],
  ['default burst 1024 ok', doc('http:\n  limits: { default: { rate: 1m, burst: 1024 } }\n'), []],
  [
    'rule burst small',
    doc('http:\n  limits: { rules: [ { match: { ext: [mp4] }, rate: 1m, burst: 100 } ] }\n'),
    ['c.yaml:3:64: http.limits.rules[0].burst: burst must be at least 1024 bytes (one write), got 100'],
  ],
  [
    'rule client string bad',
    doc('http:\n  limits: { rules: [ { match: { client: "10.0.0.0/33" }, rate: 1m } ] }\n'),
    [
      'c.yaml:3:41: http.limits.rules[0].match.client[0]: invalid client "10.0.0.0/33": expected an IPv4 or IPv6 address or CIDR, e.g. 127.0.0.2/32',
    ],
  ],
  [
    'rule client list second bad',
    doc('http:\n  limits: { rules: [ { match: { client: [ 10.0.0.1, "::1/129" ] }, rate: 1m } ] }\n'),
    [
      'c.yaml:3:53: http.limits.rules[0].match.client[1]: invalid client "::1/129": expected an IPv4 or IPv6 address or CIDR, e.g. 127.0.0.2/32',
    ],
  ],
  [
    'stream limit burst small',
    doc(
      'stream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 0, upstream: u, limit: { rate: 1m, burst: 10 } }\n',
    ),
    ['c.yaml:5:68: stream.servers[0].limit.burst: burst must be at least 1024 bytes (one write), got 10'],
  ],
  [
    'proxy_responses on tcp',
    doc(
      'stream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 0, upstream: u, proxy_responses: 1 }\n',
    ),
    ['c.yaml:5:59: stream.servers[0].proxy_responses: proxy_responses applies only to protocol: udp'],
  ],
  [
    'unknown stream upstream with known',
    doc(
      'stream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 0, upstream: v }\n',
    ),
    ['c.yaml:5:39: stream.servers[0].upstream: unknown stream upstream "v" (known: u)'],
  ],
  [
    'all backup',
    doc(
      'http:\n  upstreams:\n    - { name: u, servers: [ { address: 1, backup: true }, { address: 2, down: true } ] }\n',
    ),
    ['c.yaml:4:27: http.upstreams[0].servers: upstream "u" needs at least one server that is neither backup nor down'],
  ],
  [
    'stream all down',
    doc('stream:\n  upstreams:\n    - { name: u, servers: [ { address: 1, down: true } ] }\n'),
    [
      'c.yaml:4:27: stream.upstreams[0].servers: upstream "u" needs at least one server that is neither backup nor down',
    ],
  ],
  [
    'ip_hash backup',
    doc(
      'http:\n  upstreams:\n    - { name: u, balance: ip_hash, servers: [ { address: 1 }, { address: 2, backup: true } ] }\n',
    ),
    ['c.yaml:4:27: http.upstreams[0].balance: ip_hash cannot be used with backup servers (as in nginx)'],
  ],
  [
    'stream ip_hash backup',
    doc(
      'stream:\n  upstreams:\n    - { name: u, balance: ip_hash, servers: [ { address: 1 }, { address: 2, backup: true } ] }\n',
    ),
    ['c.yaml:4:27: stream.upstreams[0].balance: ip_hash cannot be used with backup servers (as in nginx)'],
  ],
  [
    'dup server address',
    doc('http:\n  upstreams:\n    - { name: u, servers: [ { address: 1 }, { address: "127.0.0.1:1" } ] }\n'),
    ['c.yaml:4:56: http.upstreams[0].servers[1].address: server address "127.0.0.1:1" is already used by item 0'],
  ],
  [
    'root route and slash',
    doc(
      'http:\n  servers:\n    - name: a\n      listen: 0\n      routes:\n        - { path: /, respond: {} }\n        - { path: //, respond: {} }\n',
    ),
    ['c.yaml:8:19: http.servers[0].routes[1].path: route path "/" is already used by item 0'],
  ],
];

for (const [name, text, want] of CASES) {
  test(`config check: ${name}`, () => assert.deepEqual(errors(text), want));
}

test('every choice of every enum is accepted', () => {
  const limit = (l: string) =>
    valid(route(`{ path: /a, respond: {}, limit: { rate: 1k, ${l} } }`)).http.servers[0]!.routes[0]!.limit!;
  assert.equal(limit('per: client').per, 'client');
  assert.equal(limit('per: route').per, 'route');
  assert.equal(limit('per: connection').per, 'connection');
  assert.equal(limit('direction: in').direction, 'in');
  assert.equal(limit('direction: both').direction, 'both');
  for (const format of ['ndjson', 'text', 'binary'] as const)
    assert.equal(
      valid(route(`{ path: /a, stream: { format: ${format} } }`)).http.servers[0]!.routes[0]!.stream!.format,
      format,
    );
  const step = (s: string) =>
    valid(route(`{ path: /a, sse: { script: [ { ${s} } ] } }`)).http.servers[0]!.routes[0]!.sse!.script![0]!;
  for (const fault of ['close', 'stall', 'reset'] as const) assert.equal(step(`fault: ${fault}`).fault, fault);
  assert.equal(step('data: x, repeat: forever').repeat, 'forever');
  assert.equal(step('status: 100').status, 100);
  assert.equal(step('status: 599').status, 599);
  for (const type of ['openai', 'anthropic', 'progress', 'ticker', 'log'] as const) {
    const sse = valid(route(`{ path: /a, sse: { scenario: ${type} } }`)).http.servers[0]!.routes[0]!.sse!;
    assert.deepEqual(sse.scenario, { type, tokens_per_second: 20 }, 'a bare name is the scenario with its defaults');
  }
  for (const balance of ['round_robin', 'least_conn', 'ip_hash', 'random'] as const)
    assert.equal(valid(up(`balance: ${balance}`)).http.upstreams[0]!.balance, balance);
  assert.equal(valid(sServer('protocol: udp')).stream.servers[0]!.protocol, 'udp');
});

test('the other side of each bound is accepted', () => {
  const r = (x: string) => valid(route(x)).http.servers[0]!.routes[0]!;
  assert.equal(r('{ path: /a, chunked: { chunks: [a], repeat: 1, status: 100 } }').chunked!.status, 100);
  assert.equal(r('{ path: /a, chunked: { chunks: [a], status: 599 } }').chunked!.status, 599);
  assert.equal(r('{ path: /a, sse: { channel: c, heartbeat: 100ms, queue: 1024 } }').sse!.queue, 1024);
  assert.equal(r('{ path: /a, sse: { scenario: { type: ticker, count: 0 } } }').sse!.scenario!.count, 0);
  assert.equal(r('{ path: /a, respond: {}, limit: { rate: 1k, burst: 1k } }').limit!.burst, 1024);
  assert.equal(r('{ path: /a, respond: {}, faults: { slice: { size: 1 } } }').faults!.slice!.size, 1);
  assert.equal(r('{ path: /a, respond: {}, cors: false }').cors, false);
  assert.equal(r('{ path: /a, respond: {}, cors: "https://app.test" }').cors, 'https://app.test');
  const proxy = r(
    '{ path: /a, proxy: { upstream: "http://127.0.0.1:1", connect_timeout: 1, read_timeout: 1, send_timeout: 1, next_upstream_tries: 0 } }',
  ).proxy!;
  assert.deepEqual([proxy.connect_timeout, proxy.read_timeout, proxy.send_timeout], [1, 1, 1]);
  const s = valid(server('header_timeout: 1, keepalive_timeout: 0, max_header_size: 1024')).http.servers[0]!;
  assert.deepEqual([s.header_timeout, s.keepalive_timeout, s.max_header_size], [1, 0, 1024]);
  const hc = valid(up('health_check: { interval: 10ms, timeout: 1, fails: 1, passes: 1, path: /h }, keepalive: 0')).http
    .upstreams[0]!;
  assert.deepEqual([hc.health_check, hc.keepalive], [{ interval: 10, timeout: 1, path: '/h', fails: 1, passes: 1 }, 0]);
  const st = valid(sServer('proxy_timeout: 1, connect_timeout: 1, max_connections: 0, max_datagram: 65535')).stream
    .servers[0]!;
  assert.deepEqual([st.proxy_timeout, st.connect_timeout, st.max_datagram], [1, 1, 65535]);
  assert.equal(valid(sServer('max_datagram: 1')).stream.servers[0]!.max_datagram, 1);
  assert.equal(valid(admin('token: abcdefghijklmnop, traffic_log: 0')).admin!.traffic_log, 0);
  const rule = valid(limits('{ rules: [ { match: { ext: [mp4, M4V], path: /big }, rate: 1k } ] }')).http.limits!;
  assert.deepEqual(rule.rules[0]!.match, { ext: ['mp4', 'M4V'], path: '/big' });
  assert.equal(rule.default, undefined);
});

test('gzip: true is the default settings, false or absent is none, an object keeps the default types', () => {
  const gz = (g: string) => valid(server(`gzip: ${g}`)).http.servers[0]!.gzip;
  const types = ['text/', 'application/json', 'application/javascript', 'image/svg+xml'];
  assert.deepEqual(gz('true'), { types, min_length: 1024 });
  assert.equal(gz('false'), undefined);
  assert.deepEqual(gz('{ min_length: 10 }'), { types, min_length: 10 });
  assert.deepEqual(gz('{ types: [text/csv] }'), { types: ['text/csv'], min_length: 1024 });
  assert.equal(valid(server('routes: []')).http.servers[0]!.gzip, undefined);
});

test('sections left out are empty, not missing', () => {
  assert.deepEqual(valid('version: 1\n').http, { servers: [], upstreams: [] });
  assert.deepEqual(valid('version: 1\n').stream, { upstreams: [], servers: [] });
  assert.deepEqual(valid('version: 1\nstream: { upstreams: [] }\n').stream.servers, []);
  assert.deepEqual(valid('version: 1\nhttp: { limits: {} }\n').http.limits, { rules: [] });
  assert.equal(valid('{}').version, 1, 'version defaults to 1');
});

test('a URL used by two routes becomes one implicit upstream', () => {
  const cfg = valid(
    doc(
      'http:\n  servers:\n    - name: s\n      listen: 0\n      routes:\n        - { path: /a, proxy: { upstream: "http://127.0.0.1:9" } }\n        - { path: /b, proxy: { upstream: "http://127.0.0.1:9" } }\n        - { path: /c, respond: {} }\n',
    ),
  );
  assert.deepEqual(
    cfg.http.upstreams.map((u) => [u.name, u.servers.map((s) => s.address)]),
    [['http://127.0.0.1:9', ['127.0.0.1:9']]],
  );
});

test('a minimal document comes out with every default', () => {
  const cfg = valid(`version: 1
admin: {}
http:
  servers:
    - name: s
      listen: 0
      gzip: true
      routes:
        - { path: /st, static: { root: . } }
        - { path: /ch, chunked: { chunks: [a, { data: b, delay: 5ms }] } }
        - { path: /sm, stream: {} }
        - { path: /up, upload: { dir: . } }
        - { path: /re, respond: {} }
        - { path: /ss, sse: { script: [ { data: x } ] } }
        - { path: /sc, sse: { scenario: openai } }
        - { path: /px, proxy: { upstream: u }, limit: { rate: 1k }, faults: { slice: { size: 1 }, status: { code: 503 } } }
  upstreams:
    - { name: u, servers: [ { address: 1 } ], health_check: {} }
  limits: { default: { rate: 1k } }
stream:
  upstreams: [ { name: su, servers: [ { address: 2 } ], health_check: {} } ]
  servers: [ { name: t, listen: 0, upstream: su } ]
`);
  assert.deepEqual(cfg, {
    version: 1,
    admin: {
      listen: '127.0.0.1:9900',
      traffic_log: 1000,
    },
    http: {
      servers: [
        {
          name: 's',
          listen: '127.0.0.1:0',
          max_concurrent_streams: 1000,
          routes: [
            {
              path: '/st',
              static: {
                root: '.',
                index: 'index.html',
                autoindex: false,
              },
              headers: {},
            },
            {
              path: '/ch',
              chunked: {
                chunks: [
                  'a',
                  {
                    data: 'b',
                    delay: 5,
                  },
                ],
                delay: 0,
                repeat: 1,
                status: 200,
                content_type: 'text/plain; charset=utf-8',
              },
              headers: {},
            },
            {
              path: '/sm',
              stream: {
                format: 'ndjson',
                line: '{"n": {{seq}}}',
                size: 1024,
                every: 1000,
                count: 0,
              },
              headers: {},
            },
            {
              path: '/up',
              upload: {
                dir: '.',
                max_size: 1073741824,
              },
              headers: {},
            },
            {
              path: '/re',
              respond: {
                status: 200,
                body: '',
                content_type: 'text/plain; charset=utf-8',
                headers: {},
              },
              headers: {},
            },
            {
              path: '/ss',
              sse: {
                script: [
                  {
                    data: 'x',
                    repeat: 1,
                  },
                ],
                loop: false,
                heartbeat: 15000,
                replay: 100,
                max_clients: 10000,
                queue: 262144,
              },
              headers: {},
            },
            {
              path: '/sc',
              sse: {
                scenario: {
                  type: 'openai',
                  tokens_per_second: 20,
                },
                loop: false,
                heartbeat: 15000,
                replay: 100,
                max_clients: 10000,
                queue: 262144,
              },
              headers: {},
            },
            {
              path: '/px',
              proxy: {
                upstream: 'u',
                buffering: false,
                connect_timeout: 5000,
                read_timeout: 60000,
                send_timeout: 60000,
                headers: {},
                next_upstream_tries: 0,
              },
              limit: {
                rate: 1024,
                after: 0,
                per: 'connection',
                direction: 'out',
              },
              faults: {
                slice: {
                  size: 1,
                  delay: 0,
                },
                status: {
                  code: 503,
                  probability: 1,
                },
              },
              headers: {},
            },
          ],
          gzip: {
            types: ['text/', 'application/json', 'application/javascript', 'image/svg+xml'],
            min_length: 1024,
          },
          header_timeout: 10000,
          keepalive_timeout: 5000,
          max_header_size: 16384,
          max_connections: 0,
        },
      ],
      upstreams: [
        {
          name: 'u',
          balance: 'round_robin',
          servers: [
            {
              address: '127.0.0.1:1',
              weight: 1,
              max_fails: 1,
              fail_timeout: 10000,
              backup: false,
              down: false,
              max_conns: 0,
            },
          ],
          health_check: {
            interval: 5000,
            timeout: 3000,
            path: '/',
            fails: 3,
            passes: 2,
          },
          keepalive: 32,
        },
      ],
      limits: {
        default: {
          rate: 1024,
          after: 0,
          per: 'connection',
          direction: 'out',
        },
        rules: [],
      },
    },
    stream: {
      upstreams: [
        {
          name: 'su',
          balance: 'round_robin',
          servers: [
            {
              address: '127.0.0.1:2',
              weight: 1,
              max_fails: 1,
              fail_timeout: 10000,
              backup: false,
              down: false,
              max_conns: 0,
            },
          ],
          health_check: {
            interval: 5000,
            timeout: 3000,
            fails: 3,
            passes: 2,
          },
        },
      ],
      servers: [
        {
          name: 't',
          listen: '127.0.0.1:0',
          protocol: 'tcp',
          upstream: 'su',
          proxy_timeout: 600000,
          connect_timeout: 5000,
          next_upstream_tries: 0,
          max_connections: 0,
          max_datagram: 65507,
        },
      ],
    },
  });
});

test('routeKind names the one kind of a route; a route without one is a bug', () => {
  const routes = valid(
    route('{ path: /a, respond: {} }') +
      '        - { path: /b, static: { root: . } }\n        - { path: /c, proxy: { upstream: "http://127.0.0.1:1" } }\n',
  ).http.servers[0]!.routes;
  assert.deepEqual(routes.map(routeKind), ['respond', 'static', 'proxy']);
  assert.deepEqual([...ROUTE_KINDS], ['static', 'chunked', 'stream', 'upload', 'respond', 'sse', 'proxy', 'llm']);
  assert.throws(
    () => routeKind({ path: '/x', headers: {} } as unknown as RouteConfig),
    /^Error: route \/x has no kind$/,
  );
});

test('client CIDRs: IPv4 with octets to 255 and bits to 32, IPv6 with bits to 128', () => {
  for (const ok of [
    '127.0.0.2',
    '10.0.0.0/8',
    '0.0.0.0/0',
    '255.255.255.255/32',
    '::1',
    '::1/128',
    'fe80::/10',
    'FE80::1',
  ])
    assert.equal(isCidr(ok), true, ok);
  for (const bad of [
    '',
    '/8',
    '10.0.0.0/33',
    '256.0.0.1',
    '10.0.0.300',
    '1.2.3',
    '1.2.3.4.5',
    '10.0.0.0/8/1',
    '10.0.0.0/',
    '10.0.0.0/x',
    '10.0.0.0/ 8',
    '10.0.0.0/8a',
    'a10.0.0.0',
    '::1/129',
    'fe80::g',
    'abcd',
    '::1/-1',
    '1234',
  ])
    assert.equal(isCidr(bad), false, bad);
});

test('loopback listen addresses: 127.0.0.0/8 and ::1, with or without brackets and port', () => {
  for (const ok of ['127.0.0.1:9900', '127.9.9.9:1', '[::1]:9900']) assert.equal(isLoopback(ok), true, ok);
  for (const bad of ['0.0.0.0:9900', '10.0.0.1:80', '[::]:9900', '128.0.0.1:1', 'x127.0.0.1:1', '[::1]x:1'])
    assert.equal(isLoopback(bad), false, bad);
});
