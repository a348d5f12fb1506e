/**
 * The config checks beyond a single field's schema: duplicate names and
 * listen addresses, references to unknown upstreams, an admin API off
 * loopback without a token, an SSE channel's one replay size, bursts smaller
 * than one write, client addresses that are no address or CIDR, and
 * combinations nginx would refuse — each bad document with the exact,
 * positioned error a user sees — and the CIDR and loopback tests they use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCidr, isLoopback } from '../../core/config/semantic.js';
import { doc, errors } from '../helpers/config-docs.js';

/** Each document with every error it must produce ([] = valid, as the boundary right next to an error). */
const CASES: [string, string, string[]][] = [
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
