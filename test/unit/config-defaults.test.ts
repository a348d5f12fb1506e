/**
 * What a loaded config looks like: the defaults a minimal document gets in
 * every section, gzip's shorthand forms, sections left out, proxy URLs shared
 * by routes becoming one implicit upstream, and the one kind of each route.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeKind, ROUTE_KINDS, type RouteConfig } from '../../core/config/schema.js';
import { doc, route, server, valid } from '../helpers/config-docs.js';

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
