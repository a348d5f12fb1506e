/**
 * Certificates and trust of HTTPS upstreams, against Debian's nginx serving
 * TLS with certificates made here: every kind of bad certificate is a 502
 * that names the reason and counts against the server — never a crash —
 * while `verify: off` passes and the inspector says it did not verify; a
 * changed tls.ca file is read again on apply; health checks mark a server
 * with an expired certificate down; and `sluice run` trusts
 * NODE_EXTRA_CA_CERTS for the https:// shorthand.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, parseConfig, type TestEngine } from '../helpers/engine.js';
import type { TestPki } from '../helpers/tls.js';
import { needs } from '../helpers/peers.js';
import { waitFor } from '../helpers/wait.js';
import { createEngine } from '../../core/runtime/create-engine.js';
import type { ExchangeDetail, ExchangeSummary } from '../../core/api/types.js';
import {
  adminJson,
  connInfo,
  get,
  startHttpsUpstreams,
  TRUSTED,
  upstreamLine,
  type HttpsPorts,
  type HttpsUpstreams,
} from './proxy-https-fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let upstreams: HttpsUpstreams;
let dir: string;
let pki: TestPki;
let port: HttpsPorts;
let t: TestEngine;

/** nginx with the nchan module serves every upstream here. */
const skip = needs('nginx', 'nchan');

before(async () => {
  if (skip) return;
  upstreams = await startHttpsUpstreams();
  ({ dir, pki, port } = upstreams);
  copyFileSync(pki.otherCa, join(dir, 'rotating-ca.pem'));
  const up = upstreamLine;
  const trusted = TRUSTED;
  t = await startEngine(
    `version: 1
admin: { listen: 0 }
http:
  servers:
    - name: front
      listen: 0
      routes:
        - { path: /, proxy: { upstream: secure, read_timeout: 1h } }
        - { path: /expired, proxy: { upstream: expired } }
        - { path: /wrong-name, proxy: { upstream: wrong_name } }
        - { path: /wrong-ca, proxy: { upstream: wrong_ca } }
        - { path: /self-signed, proxy: { upstream: self_signed } }
        - { path: /lax, proxy: { upstream: lax } }
        - { path: /missing-ca, proxy: { upstream: missing_ca } }
        - { path: /url, proxy: { upstream: "https://localhost:${port.good}" } }
        - { path: /plain, proxy: { upstream: "http://127.0.0.1:${port.plain}" } }
        - { path: /rotating, proxy: { upstream: rotating } }
        - { path: /not-tls, proxy: { upstream: not_tls } }
  upstreams:
    - { name: not_tls, servers: [ { address: 127.0.0.1:${port.plain} } ], tls: { server_name: localhost } }
    - { name: rotating, servers: [ { address: 127.0.0.1:${port.good}, max_fails: 0 } ], tls: { server_name: localhost, ca: ./rotating-ca.pem } }
${up('secure', port.good, trusted)}${up('expired', port.expired, trusted)}${up('wrong_name', port.wrongName, trusted)}${up('wrong_ca', port.good, '{ server_name: localhost, ca: ./other-ca.pem }')}${up('self_signed', port.selfSigned, '{ ca: ./ca.pem }')}${up('lax', port.selfSigned, '{ verify: off }')}${up('missing_ca', port.good, '{ ca: ./nope.pem }')}`,
    { baseDir: dir },
  );
});

after(async () => {
  await t?.stop();
  await upstreams?.stop();
});

const admin = <T>(path: string): Promise<T> => adminJson<T>(t, path);

test(
  'bad certificates are 502s that name the reason, counted against the server; the engine carries on',
  { skip },
  async () => {
    const cases: [string, string][] = [
      ['/expired/x', `upstream expired: certificate has expired (127.0.0.1:${port.expired})`],
      [
        '/wrong-name/x',
        `upstream wrong_name: hostname mismatch: the certificate is for other.test, not localhost (127.0.0.1:${port.wrongName})`,
      ],
      ['/wrong-ca/x', `upstream wrong_ca: self-signed certificate in chain (127.0.0.1:${port.good})`],
      ['/self-signed/x', `upstream self_signed: self-signed certificate (127.0.0.1:${port.selfSigned})`],
      // The shorthand verifies against the usual roots, which do not hold the test CA.
      ['/url/x', `upstream https://localhost:${port.good}: self-signed certificate in chain (127.0.0.1:${port.good})`],
      ['/missing-ca/x', 'upstream missing_ca: tls.ca ./nope.pem: cannot read (no such file)'],
      [
        '/not-tls/x',
        `upstream not_tls: TLS handshake failed: the server does not speak TLS on this port (127.0.0.1:${port.plain})`,
      ],
    ];
    for (const [path, reason] of cases) {
      const r = await get(`${t.url('front')}${path}`);
      assert.equal(r.status, 502, `${path}: ${r.body}`);
      assert.equal(r.body.trim(), reason);
    }
    const servers = t.modules.upstreams.servers();
    for (const group of ['expired', 'wrong_name', 'wrong_ca', 'self_signed']) {
      const s = servers.find((x) => x.group === group)!;
      assert.ok(s.failures >= 1, `${group}: the failure counts against the server (${s.failures})`);
    }
    const rows = await admin<ExchangeSummary[]>('/api/traffic?limit=100');
    assert.equal(rows.find((r) => r.url === '/expired/x')?.status, 502);

    const lax = await get(`${t.url('front')}/lax/x`);
    assert.equal(lax.status, 200, 'verify: off accepts the self-signed certificate');
    assert.equal(lax.body, 'self-signed ok\n');
    let laxRow: ExchangeSummary | undefined;
    await waitFor(async () => {
      laxRow = (await admin<ExchangeSummary[]>('/api/traffic?limit=100')).find((r) => r.url === '/lax/x');
      return laxRow?.outcome === 'complete';
    }, 'the completed exchange in the traffic log');
    assert.ok(laxRow);
    const laxTls = (await admin<ExchangeDetail>(`/api/traffic/${laxRow.id}`)).upstreamTls!;
    assert.equal(laxTls.authorized, false, 'the inspector still says it did not verify');
    assert.equal(laxTls.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');

    const plain = await get(`${t.url('front')}/plain/conn`);
    assert.equal(plain.status, 200);
    assert.equal(connInfo(plain.body).host, '127.0.0.1', 'an http:// shorthand names its host too');
    assert.equal((await get(`${t.url('front')}/conn`)).status, 200, 'still serving');
  },
);

test('a changed tls.ca file is read again on apply', { skip }, async () => {
  const before = await get(`${t.url('front')}/rotating/conn`);
  assert.equal(before.status, 502, 'trusting another CA');
  copyFileSync(pki.ca, join(dir, 'rotating-ca.pem'));
  const r = await t.engine.apply(t.config);
  assert.ok(r.ok);
  const afterApply = await get(`${t.url('front')}/rotating/conn`);
  assert.equal(afterApply.status, 200, afterApply.body);
});

test(
  'health checks over TLS: a server whose certificate expired is down with that reason; traffic goes to the good one',
  { skip },
  async () => {
    const { engine, modules } = createEngine({ baseDir: dir, drainMs: 200 });
    const logs: string[] = [];
    engine.events.on('log', (e) => logs.push(e.message));
    const r = await engine.start(
      parseConfig(`version: 1
http:
  servers:
    - { name: hc, listen: 0, routes: [ { path: /, proxy: { upstream: mixed } } ] }
  upstreams:
    - name: mixed
      servers: [ { address: 127.0.0.1:${port.good} }, { address: 127.0.0.1:${port.expired} } ]
      tls: { server_name: localhost, ca: ./ca.pem }
      # Generous: a TLS handshake with nginx on a loaded machine can take seconds; one slow check is no verdict.
      health_check: { interval: 100ms, timeout: 5s, path: /health, fails: 2, passes: 1 }
`),
    );
    assert.ok(r.ok);
    try {
      const states = () => modules.upstreams.servers();
      await waitFor(
        () => states().find((s) => s.address.endsWith(`:${port.expired}`))?.health === 'down',
        'the expired server marked down',
        10_000,
      );
      await waitFor(
        () => states().find((s) => s.address.endsWith(`:${port.good}`))?.health === 'up',
        'the good server marked up',
        10_000,
      );
      assert.ok(
        logs.some((l) => l === `upstream mixed 127.0.0.1:${port.expired} is down: certificate has expired`),
        logs.join('\n'),
      );
      for (let i = 0; i < 10; i++) {
        const res = await get(`http://${engine.address('hc')}/conn`);
        assert.equal(res.status, 200, res.body);
      }
    } finally {
      await engine.stop(200);
    }
  },
);

test(
  'sluice run with NODE_EXTRA_CA_CERTS: the https:// shorthand reaches nginx, verified, with SNI and Host of the URL',
  { skip },
  async () => {
    const file = join(dir, 'shorthand.yaml');
    writeFileSync(
      file,
      `version: 1\nhttp:\n  servers:\n    - name: front\n      listen: 0\n      routes: [ { path: /, proxy: { upstream: "https://localhost:${port.good}" } } ]\n`,
    );
    const child = spawn(process.execPath, [join(ROOT, 'bin/sluice.mjs'), 'run', file], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: pki.ca },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      output += b.toString();
    });
    try {
      await waitFor(() => /http front listening on http:\/\/[\d.:]+/.test(output), 'sluice run to listen', 30_000);
      const url = /http front listening on (http:\/\/[\d.:]+)/.exec(output)![1]!;
      const r = await get(`${url}/conn`);
      assert.equal(r.status, 200, r.body);
      const info = connInfo(r.body);
      assert.equal(info.sni, 'localhost');
      assert.equal(info.host, 'localhost');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  },
);
