/**
 * The checks of each field of the config language: bounds, formats and
 * choices of routes, servers, upstreams, stream servers, admin and limits.
 * Each bad document with the exact, positioned error a user sees, and the
 * other side of every bound and every choice of every enum accepted.
 * Checks that need the whole document are in config-document-checks.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, errors, limits, route, sServer, server, sUp, up, upServer, valid } from '../helpers/config-docs.js';

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
