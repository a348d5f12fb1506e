import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadConfig,
  formatConfigError,
  parseSize,
  parseDuration,
  parseRate,
  normalizeAddress,
} from '../../core/config/index.js';

const head = 'version: 1\nhttp:\n  servers:\n    - name: mock\n      listen: 127.0.0.1:8080\n      routes:\n';

const udp =
  'version: 1\nstream:\n  upstreams: [ { name: e, servers: [ { address: 127.0.0.1:9 } ] } ]\n  servers:\n    - name: u\n      listen: 0\n      protocol: udp\n      upstream: e\n';

/** Each bad document with the exact first error it must produce. */
const BAD: { name: string; text: string; error: string }[] = [
  { name: 'unknown top-level key', text: 'version: 1\nbogus: 3\n', error: 'c.yaml:2:1: bogus: unknown key "bogus"' },
  { name: 'wrong version', text: 'version: 2\n', error: 'c.yaml:1:10: version: must be 1, got 2' },
  {
    name: 'bad listen',
    text: 'version: 1\nhttp:\n  servers:\n    - name: a\n      listen: nowhere\n',
    error: 'c.yaml:5:15: http.servers[0].listen: invalid address "nowhere": expected host:port, e.g. 127.0.0.1:8080',
  },
  {
    name: 'zero rate',
    text: head + '        - path: /a\n          respond: { body: x }\n          limit: { rate: 0 }\n',
    error: 'c.yaml:9:26: http.servers[0].routes[0].limit.rate: rate must be greater than 0, got 0',
  },
  {
    name: 'negative size',
    text: head + '        - path: /a\n          upload: { dir: ./u, max_size: -5k }\n',
    error: 'c.yaml:8:41: http.servers[0].routes[0].upload.max_size: size must be greater than 0, got "-5k"',
  },
  {
    name: 'bad duration',
    text: head + '        - path: /a\n          chunked: { chunks: [a], delay: 5 parsecs }\n',
    error:
      'c.yaml:8:42: http.servers[0].routes[0].chunked.delay: invalid duration "5 parsecs": expected e.g. 500ms, 15s, 1m or 1h',
  },
  {
    name: 'route without kind',
    text: head + '        - path: /a\n',
    error:
      'c.yaml:7:11: http.servers[0].routes[0]: route /a needs one of: static, chunked, stream, upload, respond, sse, proxy',
  },
  {
    name: 'two kinds',
    text: head + '        - path: /a\n          respond: { body: x }\n          static: { root: . }\n',
    error:
      'c.yaml:8:20: http.servers[0].routes[0].respond: route /a has static and respond; a route has exactly one kind',
  },
  {
    name: 'unknown upstream',
    text: head + '        - path: /api\n          proxy: { upstream: nope }\n',
    error: 'c.yaml:8:30: http.servers[0].routes[0].proxy.upstream: unknown upstream "nope" (http.upstreams is empty)',
  },
  {
    name: 'duplicate route path',
    text:
      head +
      '        - path: /a\n          respond: { body: x }\n        - path: /a/\n          respond: { body: y }\n',
    error: 'c.yaml:9:17: http.servers[0].routes[1].path: route path "/a" is already used by item 0',
  },
  {
    name: 'duplicate listen',
    text: 'version: 1\nhttp:\n  servers:\n    - { name: a, listen: 8080 }\n    - { name: b, listen: "127.0.0.1:8080" }\n',
    error: 'c.yaml:5:26: http.servers[1].listen: listen address "127.0.0.1:8080" is already used by item 0',
  },
  {
    name: 'unknown key in route',
    text: head + '        - path: /a\n          respond: { body: x }\n          limt: { rate: 1k }\n',
    error: 'c.yaml:9:11: http.servers[0].routes[0].limt: unknown key "limt"',
  },
  {
    name: 'enum',
    text: 'version: 1\nhttp:\n  upstreams:\n    - name: b\n      balance: fastest\n      servers: [ { address: 3000 } ]\n',
    error:
      'c.yaml:5:16: http.upstreams[0].balance: must be one of "round_robin", "least_conn", "ip_hash", "random", got "fastest"',
  },
  { name: 'yaml syntax', text: 'version: 1\nhttp: [\n', error: 'c.yaml:3:1:' },
  {
    name: 'stream unknown upstream',
    text: 'version: 1\nstream:\n  servers:\n    - { name: pg, listen: 15432, upstream: db }\n',
    error: 'c.yaml:4:44: stream.servers[0].upstream: unknown stream upstream "db" (stream.upstreams is empty)',
  },
  {
    name: 'burst too small',
    text: head + '        - path: /a\n          respond: { body: x }\n          limit: { rate: 1m, burst: 10 }\n',
    error: 'c.yaml:9:37: http.servers[0].routes[0].limit.burst: burst must be at least 1024 bytes (one write), got 10',
  },
  {
    name: 'bad cidr',
    text: 'version: 1\nhttp:\n  limits:\n    rules:\n      - { match: { client: 300.1.1.1/8 }, rate: 1k }\n',
    error:
      'c.yaml:5:28: http.limits.rules[0].match.client[0]: invalid client "300.1.1.1/8": expected an IPv4 or IPv6 address or CIDR, e.g. 127.0.0.2/32',
  },
  {
    name: 'not a mapping',
    text: '- a\n- b\n',
    error: 'c.yaml:1:1: the document must be a mapping (version: 1, http: …)',
  },
  {
    name: 'slice on a udp server',
    text: udp + '      faults: { latency: 10ms, slice: { size: 10 } }\n',
    error:
      'c.yaml:9:39: stream.servers[0].faults.slice: slice does not apply to protocol: udp (a datagram is delivered whole',
  },
  {
    name: 'status on a tcp server',
    text: udp.replace('protocol: udp', 'protocol: tcp') + '      faults:\n        status: { code: 503 }\n',
    error: 'c.yaml:10:17: stream.servers[0].faults.status: status does not apply to protocol: tcp',
  },
  {
    name: 'status on a udp server',
    text: udp + '      faults:\n        status: { code: 503 }\n',
    error: 'c.yaml:10:17: stream.servers[0].faults.status: status does not apply to protocol: udp',
  },
];

for (const c of BAD) {
  test(`bad config: ${c.name}`, () => {
    const r = loadConfig(c.text, 'c.yaml');
    assert.equal(r.ok, false);
    const first = formatConfigError(r.errors[0]!);
    assert.ok(first.startsWith(c.error), `got: ${first}\nwant: ${c.error}`);
  });
}

test('all errors come back at once, in document order', () => {
  const r = loadConfig(
    'version: 1\nnope: 1\nhttp:\n  servers:\n    - { name: a, listen: bad }\n    - { name: b, listen: 1, routes: [ { path: x, respond: {} } ] }\n',
    'c.yaml',
  );
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.errors.map((e) => `${e.line}:${e.col}`),
    ['2:1', '5:26', '6:47'],
  );
});

test('JSON documents load with positions too', () => {
  const r = loadConfig(
    '{\n  "version": 1,\n  "http": { "servers": [ { "name": "a", "listen": "x" } ] }\n}\n',
    'c.json',
  );
  assert.equal(r.ok, false);
  assert.equal(formatConfigError(r.errors[0]!).split(': ')[0], 'c.json:3:51');
});

test('a valid document comes out normalised with defaults', () => {
  const r = loadConfig(
    head +
      '        - path: /events\n          sse: { channel: news, heartbeat: 15s }\n          limit: { rate: 512k/s, after: 1m }\n',
    'c.yaml',
  );
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
  const route = r.config.http.servers[0]!.routes[0]!;
  assert.equal(route.sse!.heartbeat, 15000);
  assert.equal(route.sse!.replay, 100);
  assert.deepEqual(route.limit, { rate: 524288, after: 1048576, per: 'connection', direction: 'out' });
  assert.equal(r.config.http.servers[0]!.listen, '127.0.0.1:8080');
});

test('the full example of every section (examples/spec-example.yaml) validates', async () => {
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(new URL('../../examples/spec-example.yaml', import.meta.url), 'utf8');
  const r = loadConfig(text, 'spec-example.yaml');
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
});

test('units: sizes are 1024-based, durations in ms, addresses normalised', () => {
  assert.equal(parseSize('512k'), 524288);
  assert.equal(parseSize('1g'), 1073741824);
  assert.equal(parseSize('1.5m'), 1572864);
  assert.equal(parseSize('12 parsecs'), undefined);
  assert.equal(parseRate('64k/s'), 65536);
  assert.equal(parseDuration('1m30s'), 90000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1h'), 3600000);
  assert.equal(parseDuration('abc'), undefined);
  assert.equal(normalizeAddress(':8080'), '127.0.0.1:8080');
  assert.equal(normalizeAddress('localhost:80'), '127.0.0.1:80');
  assert.equal(normalizeAddress('[::1]:9'), '[::1]:9');
  assert.equal(normalizeAddress('host:99999'), undefined);
});

test('an admin API off loopback needs a token', () => {
  const r = loadConfig('version: 1\nadmin: { listen: 0.0.0.0:9900 }\n', 'c.yaml');
  assert.equal(r.ok, false);
  assert.match(
    formatConfigError(r.errors[0]!),
    /^c\.yaml:2:18: admin\.listen: the admin API on 0\.0\.0\.0:9900 would be reachable from other machines: set admin\.token/,
  );
  assert.equal(
    loadConfig('version: 1\nadmin: { listen: 0.0.0.0:9900, token: abcdefghijklmnopq }\n', 'c.yaml').ok,
    true,
  );
  assert.equal(loadConfig('version: 1\nadmin: { listen: 127.0.0.1:9900 }\n', 'c.yaml').ok, true);
});

test('reference errors come in the same pass as schema errors', () => {
  const r = loadConfig(
    head +
      '        - path: /a\n          proxy: { upstream: nope }\n        - path: /b\n          respond: { status: x }\n',
    'c.yaml',
  );
  assert.equal(r.ok, false);
  assert.deepEqual(r.errors.map(formatConfigError), [
    'c.yaml:8:30: http.servers[0].routes[0].proxy.upstream: unknown upstream "nope" (http.upstreams is empty)',
    'c.yaml:10:30: http.servers[0].routes[1].respond.status: expected a number, got "x"',
  ]);
});
