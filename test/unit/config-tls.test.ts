/**
 * TLS in the config document: server `tls`/`http2`/`max_concurrent_streams`,
 * upstream `tls`, and the `proxy.upstream` URL shorthand that stands for a
 * one-server group. Mistakes come back as `file:line:col: message`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatConfigError,
  http2Enabled,
  loadConfig,
  parseUpstreamUrl,
  tlsHostHeader,
  tlsServerName,
  toConfigText,
  withoutImplicitUpstreams,
} from '../../core/config/index.js';

const server = (extra: string, routes = '      routes: [ { path: /, respond: { body: ok } } ]\n') =>
  `version: 1\nhttp:\n  servers:\n    - name: s\n      listen: 0\n${extra}${routes}`;
const proxyTo = (upstream: string, more = '') =>
  `version: 1\nhttp:\n  servers:\n    - name: s\n      listen: 0\n      routes:\n        - path: /v1\n          proxy: { upstream: ${upstream} }\n${more}`;

function ok(text: string) {
  const r = loadConfig(text, 'c.yaml');
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

function firstError(text: string): string {
  const r = loadConfig(text, 'c.yaml');
  assert.equal(r.ok, false, 'expected an error');
  return formatConfigError(r.errors[0]!);
}

test('server tls: {} or cert + key; http2 on by default with tls, off without; a stream limit well above 100', () => {
  const local = ok(server('      tls: {}\n')).http.servers[0]!;
  assert.deepEqual(local.tls, {});
  assert.equal(http2Enabled(local), true);
  assert.equal(local.max_concurrent_streams, 1000);
  const files = ok(
    server('      tls: { cert: ./site.pem, key: ./site.key }\n      http2: off\n      max_concurrent_streams: 250\n'),
  ).http.servers[0]!;
  assert.deepEqual(files.tls, { cert: './site.pem', key: './site.key' });
  assert.equal(http2Enabled(files), false);
  assert.equal(files.max_concurrent_streams, 250);
  const plain = ok(server('')).http.servers[0]!;
  assert.equal(plain.tls, undefined);
  assert.equal(http2Enabled(plain), false);
});

test('server tls mistakes: each at its position', () => {
  assert.equal(
    firstError(server('      tls: { cert: ./site.pem }\n')),
    'c.yaml:6:12: http.servers[0].tls: cert needs key (the private key file of the certificate)',
  );
  assert.match(
    firstError(server('      tls: { key: ./site.key }\n')),
    /^c\.yaml:6:12: http\.servers\[0\]\.tls: key needs cert .*tls: \{\}/,
  );
  assert.equal(
    firstError(server('      tls: { cert: a, key: b, pass: c }\n')),
    'c.yaml:6:31: http.servers[0].tls.pass: unknown key "pass"',
  );
  assert.equal(
    firstError(server('      http2: on\n')),
    "c.yaml:6:14: http.servers[0].http2: http2 needs tls on this server (browsers speak HTTP/2 only over TLS); add tls: {} for a certificate from Sluice's local CA",
  );
  assert.equal(
    firstError(server('      tls: {}\n      max_concurrent_streams: 0\n')),
    'c.yaml:7:31: http.servers[0].max_concurrent_streams: must be at least 1, got 0',
  );
});

test('upstream tls: verify on by default; server_name and ca as written', () => {
  const c = ok(
    proxyTo(
      'openai',
      '  upstreams:\n    - name: openai\n      servers: [ { address: api.openai.com:443 } ]\n      tls: { server_name: api.openai.com, ca: ./corp-ca.pem }\n    - name: lax\n      servers: [ { address: 127.0.0.1:8443 } ]\n      tls: { verify: off }\n',
    ),
  );
  assert.deepEqual(c.http.upstreams[0]!.tls, { server_name: 'api.openai.com', verify: true, ca: './corp-ca.pem' });
  assert.deepEqual(c.http.upstreams[1]!.tls, { verify: false });
  assert.equal(c.http.upstreams.length, 2, 'no implicit groups when routes name groups');
});

test('upstream tls mistakes', () => {
  const up = (tls: string) =>
    proxyTo('o', `  upstreams:\n    - name: o\n      servers: [ { address: 127.0.0.1:8443 } ]\n      tls: ${tls}\n`);
  assert.match(
    firstError(up('{ server_name: 10.0.0.1 }')),
    /^c\.yaml:12:27: http\.upstreams\[0\]\.tls\.server_name: server_name is sent as SNI, which cannot be an IP address/,
  );
  assert.match(
    firstError(up('{ server_name: "a b" }')),
    /^c\.yaml:12:27: .*server_name is a host name such as api\.openai\.com/,
  );
  assert.equal(
    firstError(up('{ verify: maybe }')),
    'c.yaml:12:22: http.upstreams[0].tls.verify: must be one of "on", "off", got "maybe"',
  );
  assert.equal(firstError(up('{ sni: x }')), 'c.yaml:12:14: http.upstreams[0].tls.sni: unknown key "sni"');
});

test('proxy.upstream as a URL becomes a one-server group named by the normalised URL', () => {
  const c = ok(`version: 1
http:
  servers:
    - name: s
      listen: 0
      routes:
        - { path: /a, proxy: { upstream: "https://API.OpenAI.com:443/" } }
        - { path: /b, proxy: { upstream: "https://api.openai.com" } }
        - { path: /c, proxy: { upstream: "http://localhost:3000" } }
        - { path: /d, proxy: { upstream: "https://127.0.0.1:8443" } }
        - { path: /e, proxy: { upstream: "http://[::1]:8080" } }
`);
  const routes = c.http.servers[0]!.routes;
  assert.deepEqual(
    routes.map((r) => r.proxy!.upstream),
    [
      'https://api.openai.com',
      'https://api.openai.com',
      'http://localhost:3000',
      'https://127.0.0.1:8443',
      'http://[::1]:8080',
    ],
  );
  const groups = Object.fromEntries(c.http.upstreams.map((u) => [u.name, u]));
  assert.equal(c.http.upstreams.length, 4, 'routes naming the same URL share one group');
  const openai = groups['https://api.openai.com']!;
  assert.deepEqual(
    openai.servers.map((s) => s.address),
    ['api.openai.com:443'],
  );
  assert.deepEqual(openai.tls, { server_name: 'api.openai.com', verify: true });
  assert.equal(openai.keepalive, 32, 'defaults as for a declared group');
  assert.equal(groups['http://localhost:3000']!.tls, undefined);
  assert.deepEqual(
    groups['http://localhost:3000']!.servers.map((s) => s.address),
    ['127.0.0.1:3000'],
  );
  assert.deepEqual(groups['https://127.0.0.1:8443']!.tls, { verify: true }, 'an IP is never sent as SNI');
  assert.deepEqual(
    groups['http://[::1]:8080']!.servers.map((s) => s.address),
    ['[::1]:8080'],
  );

  // What `current()` shows for a config applied behind the editor's back loads again.
  const again = loadConfig(toConfigText(withoutImplicitUpstreams(c)), 'again.yaml');
  assert.ok(again.ok, again.ok ? '' : again.errors.map(formatConfigError).join('\n'));
  assert.deepEqual(again.config.http.upstreams.map((u) => u.name).sort(), Object.keys(groups).sort());
});

test('bad upstream URLs and names: the reason at the field', () => {
  assert.equal(
    firstError(proxyTo('"https://api.openai.com/v1"')),
    'c.yaml:8:30: http.servers[0].routes[0].proxy.upstream: upstream URL "https://api.openai.com/v1" has a path or query; the proxy forwards each request\'s own path, so write https://api.openai.com',
  );
  assert.equal(
    firstError(proxyTo('"ftp://files.test"')),
    'c.yaml:8:30: http.servers[0].routes[0].proxy.upstream: unsupported scheme "ftp:" in upstream URL "ftp://files.test": use http:// or https://',
  );
  assert.match(
    firstError(proxyTo('"https://user:pw@api.test"')),
    /carries credentials; send them with proxy\.headers instead$/,
  );
  assert.match(
    firstError(proxyTo('"http://bad host:80"')),
    /^c\.yaml:8:30: .*invalid upstream URL "http:\/\/bad host:80": expected http:\/\/host\[:port\]$/,
  );
  assert.match(firstError(proxyTo('"http://a.test:0"')), /invalid upstream URL "http:\/\/a\.test:0"/);
  assert.equal(
    firstError(proxyTo('"my upstream"')),
    'c.yaml:8:30: http.servers[0].routes[0].proxy.upstream: "my upstream" is neither an upstream name (letters, digits, "_", "." and "-") nor a URL such as https://api.openai.com',
  );
  assert.equal(
    firstError(proxyTo('missing')),
    'c.yaml:8:30: http.servers[0].routes[0].proxy.upstream: unknown upstream "missing" (http.upstreams is empty)',
  );
  // A URL is never an "unknown upstream", even when another error stops the schema.
  const r = loadConfig(proxyTo('"https://api.test"', '      bogus: 1\n'), 'c.yaml');
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.errors.map((e) => e.message),
    ['http.servers[0].bogus: unknown key "bogus"'],
  );
});

test('URL parts, SNI and Host for TLS upstreams', () => {
  assert.deepEqual(parseUpstreamUrl('https://api.test:8443'), {
    name: 'https://api.test:8443',
    tls: true,
    address: 'api.test:8443',
    host: 'api.test',
    authority: 'api.test:8443',
  });
  assert.deepEqual(parseUpstreamUrl('http://api.test'), {
    name: 'http://api.test',
    tls: false,
    address: 'api.test:80',
    host: 'api.test',
    authority: 'api.test',
  });
  assert.equal(tlsServerName('api.test:443'), 'api.test');
  assert.equal(tlsServerName('10.1.2.3:443'), '', 'no SNI for an IP');
  assert.equal(tlsServerName('10.1.2.3:443', 'api.test'), 'api.test');
  assert.equal(tlsHostHeader('api.test:443'), 'api.test');
  assert.equal(tlsHostHeader('10.1.2.3:8443', 'api.test'), 'api.test:8443');
  assert.equal(tlsHostHeader('[::1]:8443'), '[::1]:8443');
});
