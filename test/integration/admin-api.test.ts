/**
 * The control API over real sockets: every call, the Host/Origin/token guard,
 * /metrics through a strict Prometheus parser, /api/telemetry with the
 * `eventsource` package and curl -N.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { EventSource } from 'eventsource';
import { parseConfig, startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import type { TelemetryTick } from '../../core/api/types.js';
import { createEngine } from '../../core/runtime/create-engine.js';
import { parsePrometheus, seriesValue } from './admin-prom.js';
import { sleep } from '../helpers/wait.js';

const YAML = `version: 1
admin: { listen: 0 }
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /events
          sse: { channel: news, replay: 10 }
        - path: /health
          respond: { status: 200, body: ok }
`;

let t: TestEngine;
let admin: string;
let port: number;
before(async () => {
  t = await startEngine(YAML);
  admin = t.addr('admin');
  port = Number(admin.split(':').pop());
});
after(() => t.stop());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of every shape
  json: () => any;
}

/** One request with full control over headers (fetch cannot set Host). */
function call(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string; addr?: string } = {},
): Promise<Answer> {
  const [host, p] = (opts.addr ?? admin).split(/:(?=\d+$)/);
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(p), method, path, headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (text += s));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) }),
      );
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('health, config read, validate and apply (a bad config keeps the last good one)', async () => {
  const h = await call('GET', '/api/health');
  assert.equal(h.status, 200);
  assert.equal(h.json().ok, true);
  assert.match(h.json().version, /^\d+\.\d+\.\d+/);

  const cfg = (await call('GET', '/api/config')).json();
  assert.equal(cfg.running, true);
  assert.match(cfg.text, /channel: news/);

  const mockAddr = t.addr('mock');
  const good = YAML.replace('body: ok', 'body: changed');
  const bad = 'version: 1\nhttp:\n  servers:\n    - name: mock\n      listen: nowhere\n      extra: 1\n';
  const v = await call('POST', '/api/config/validate', { body: good });
  assert.equal(v.status, 200, v.text);
  assert.deepEqual(
    v.json().plan.update.map((u: { name: string }) => u.name),
    ['mock'],
  );
  assert.deepEqual(v.json().changes, ['~ http mock 127.0.0.1:0 (routes[1])']);
  const invalid = await call('POST', '/api/config/validate', { body: bad });
  assert.equal(invalid.status, 400);
  assert.equal(await (await fetch(`http://${mockAddr}/health`)).text(), 'ok', 'validate applies nothing');

  const refused = await call('PUT', '/api/config', { body: bad, headers: { 'content-type': 'application/yaml' } });
  assert.equal(refused.status, 400);
  const errors = refused.json().errors as { file: string; line: number; col: number; message: string }[];
  assert.deepEqual(
    errors.map((e) => [e.line, e.col]),
    [
      [5, 15],
      [6, 7],
    ],
  );
  for (const e of errors) assert.equal(typeof e.file, 'string');
  assert.equal(await (await fetch(`http://${mockAddr}/health`)).text(), 'ok', 'last good config still serves');

  const applied = await call('PUT', '/api/config', { body: good });
  assert.equal(applied.status, 200, applied.text);
  assert.deepEqual(applied.json().changes, ['~ http mock 127.0.0.1:0 (routes[1])']);
  assert.equal(await (await fetch(`http://${mockAddr}/health`)).text(), 'changed');
  assert.equal((await call('GET', '/api/config')).json().text, good);

  // JSON is accepted too.
  const asJson = JSON.stringify(parseConfig(good));
  const j = await call('PUT', '/api/config', { body: asJson, headers: { 'content-type': 'application/json' } });
  assert.equal(j.status, 200, j.text);
});

test('publish: 202 with the id, the subscriber gets it; 404 unknown channel; 400 bad body', async () => {
  const got: { data: string; type: string; id: string }[] = [];
  const es = new EventSource(`http://${t.addr('mock')}/events`);
  es.addEventListener('alert', (e) => got.push({ data: e.data, type: e.type, id: e.lastEventId }));
  await new Promise<void>((resolve, reject) => {
    es.onopen = () => resolve();
    es.onerror = () => reject(new Error('SSE failed'));
  });
  try {
    const r = await call('POST', '/api/channels/news/events', {
      body: JSON.stringify({ event: 'alert', data: 'line 1\nline 2' }),
    });
    assert.equal(r.status, 202, r.text);
    const id = r.json().id;
    assert.equal(typeof id, 'string');
    for (let i = 0; i < 200 && got.length === 0; i++) await sleep(10);
    assert.deepEqual(got, [{ data: 'line 1\nline 2', type: 'alert', id }]);
    const custom = await call('POST', '/api/channels/news/events', {
      body: JSON.stringify({ data: { n: 1 }, id: 'my-id' }),
    });
    assert.deepEqual([custom.status, custom.json().id], [202, 'my-id']);
  } finally {
    es.close();
  }
  const unknown = await call('POST', '/api/channels/nope/events', { body: '{"data":"x"}' });
  assert.equal(unknown.status, 404);
  assert.match(unknown.json().error, /unknown channel "nope"/);
  const raw = await call('POST', '/api/channels/news/events', {
    body: 'not json',
    headers: { 'x-eventsource-event': 'note' },
  });
  assert.equal(raw.status, 202, `a body that is not JSON is the data: ${raw.text}`);
  for (const body of ['{}', '{"data":"x","event":5}', '[1]', '{"data":"x","bogus":1}']) {
    const r = await call('POST', '/api/channels/news/events', { body });
    assert.equal(r.status, 400, `${body} → ${r.text}`);
    assert.equal(typeof r.json().error, 'string');
  }
  const channels = (await call('GET', '/api/channels')).json();
  assert.equal(channels[0].name, 'news');
  assert.ok(channels[0].recent.some((e: { data: string }) => e.data === 'line 1\nline 2'));
});

test('stats, traffic list and detail, upstreams; unknown paths and methods', async () => {
  for (let i = 0; i < 3; i++) await (await fetch(`http://${t.addr('mock')}/health?i=${i}`)).text();
  const stats = (await call('GET', '/api/stats')).json();
  const mock = stats.listeners.find((l: { name: string }) => l.name === 'mock');
  assert.ok(mock.totals.requests >= 3);
  assert.equal(mock.address, t.addr('mock'));
  assert.ok(stats.routes.some((r: { name: string }) => r.name === 'mock /health'));
  assert.equal(stats.channels[0].name, 'news');

  const rows = (await call('GET', '/api/traffic?limit=2')).json();
  assert.equal(rows.length, 2);
  assert.equal(rows[0].url, '/health?i=2', 'most recent first');
  assert.equal(rows[0].status, 200);
  assert.equal(typeof rows[0].durationMs, 'number');
  const detail = (await call('GET', `/api/traffic/${rows[0].id}`)).json();
  assert.equal(detail.requestHeaders.host, t.addr('mock'));
  assert.ok(Array.isArray(detail.sseEvents));
  assert.equal((await call('GET', '/api/traffic/999999')).status, 404);
  assert.equal((await call('GET', '/api/traffic?limit=-1')).status, 400);
  // A poll keeps capture on for a while: the next exchange gets a chunk timeline.
  await (await fetch(`http://${t.addr('mock')}/health?watched`)).text();
  const watched = (await call('GET', '/api/traffic?limit=1')).json()[0];
  assert.ok((await call('GET', `/api/traffic/${watched.id}`)).json().chunks.length >= 1);
  assert.deepEqual((await call('GET', '/api/upstreams')).json(), []);

  assert.equal((await call('GET', '/api/nope')).status, 404);
  const wrong = await call('DELETE', '/api/config');
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.allow, 'GET, PUT');
});

test('guard: foreign Host or Origin is 403; own names pass', async () => {
  const evil = await call('GET', '/api/health', { headers: { host: 'evil.example' } });
  assert.equal(evil.status, 403);
  assert.match(evil.json().error, /Host "evil.example"/);
  assert.equal((await call('GET', '/api/health', { headers: { host: `evil.example:${port}` } })).status, 403);
  assert.equal(
    (await call('PUT', '/api/config', { headers: { host: 'evil.example' }, body: 'version: 1\n' })).status,
    403,
  );
  assert.equal((await call('GET', '/api/health', { headers: { origin: 'http://evil.example' } })).status, 403);
  assert.equal((await call('GET', '/api/health', { headers: { origin: `http://evil.example:${port}` } })).status, 403);
  assert.equal((await call('GET', '/api/health', { headers: { origin: 'null' } })).status, 403);
  assert.equal(
    (
      await call('POST', '/api/channels/news/events', {
        headers: { origin: 'https://attacker.test' },
        body: '{"data":"x"}',
      })
    ).status,
    403,
  );
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
    assert.equal((await call('GET', '/api/health', { headers: { host } })).status, 200, host);
  }
  assert.equal((await call('GET', '/api/health', { headers: { origin: `http://localhost:${port}` } })).status, 200);
  assert.equal((await call('GET', '/api/health', { headers: { origin: `http://127.0.0.1:${port}` } })).status, 200);
  // A page served by another local program (a dev server on another port) is another origin; so is https.
  const other = port === 3000 ? 3001 : 3000;
  for (const origin of [
    `http://localhost:${other}`,
    `http://127.0.0.1:${other}`,
    `http://[::1]:${other}`,
    'http://localhost',
    'http://127.0.0.1',
    `https://127.0.0.1:${port}`,
    `https://localhost:${port}`,
    `ws://127.0.0.1:${port}`,
  ]) {
    const refused = await call('GET', '/api/health', { headers: { origin } });
    assert.equal(refused.status, 403, origin);
    assert.equal(refused.json().error, `refused: cross-origin request from ${origin}`);
    const publish = await call('POST', '/api/channels/news/events', { headers: { origin }, body: '{"data":"x"}' });
    assert.equal(publish.status, 403, `publish from ${origin}`);
  }
});

test('token: required on every call when set; off-loopback binds need one', async () => {
  const token = 'abcdefghijklmnop-secret';
  const e = await startEngine(`version: 1\nadmin: { listen: 0, token: ${token} }\n`);
  try {
    const addr = e.addr('admin');
    const none = await call('GET', '/api/health', { addr });
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /Bearer/);
    assert.equal((await call('GET', '/metrics', { addr })).status, 401);
    assert.equal(
      (await call('GET', '/api/health', { addr, headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status,
      401,
    );
    assert.equal(
      (await call('GET', '/api/health', { addr, headers: { authorization: `Bearer ${token}` } })).status,
      200,
    );
    assert.equal(
      (await call('GET', '/api/health', { addr, headers: { authorization: `Bearer ${token}`, host: 'evil.example' } }))
        .status,
      403,
    );
  } finally {
    await e.stop();
  }
  // Refused at validation, with its position, before anything binds.
  assert.throws(
    () => parseConfig('version: 1\nadmin: { listen: "0.0.0.0:0" }\n'),
    /test\.yaml:2:18: admin\.listen: .*set admin\.token/,
  );
  // And the listener itself refuses, should an unvalidated config reach it.
  const exposed = createEngine({ drainMs: 100 }).engine;
  const valid = parseConfig(`version: 1\nadmin: { listen: "0.0.0.0:0", token: ${token} }\n`);
  const r = await exposed.start({ ...valid, admin: { ...valid.admin!, token: undefined } });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /not a loopback address: set admin.token/);
  assert.equal(exposed.running, false);
  const withToken = createEngine({ drainMs: 100 }).engine;
  const ok = await withToken.start(parseConfig(`version: 1\nadmin: { listen: "0.0.0.0:0", token: ${token} }\n`));
  assert.equal(ok.ok, true, ok.ok ? '' : ok.message);
  const p = withToken.address('admin')!.split(':').pop();
  assert.equal((await call('GET', '/api/health', { addr: `127.0.0.1:${p}` })).status, 401);
  assert.equal(
    (await call('GET', '/api/health', { addr: `127.0.0.1:${p}`, headers: { authorization: `Bearer ${token}` } }))
      .status,
    200,
  );
  await withToken.stop(100);
});

test('/metrics parses as strict Prometheus text and reflects traffic', async () => {
  for (let i = 0; i < 2; i++) await (await fetch(`http://${t.addr('mock')}/health`)).text();
  await (await fetch(`http://${t.addr('mock')}/no-such-route`)).text();
  const r = await call('GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const m = parsePrometheus(r.text);
  for (const name of [
    'sluice_requests_total',
    'sluice_bytes_sent_total',
    'sluice_bytes_received_total',
    'sluice_active_connections',
    'sluice_sse_events_total',
    'sluice_sse_clients',
    'sluice_sse_dropped_total',
    'sluice_upstream_up',
    'sluice_upstream_requests_total',
  ]) {
    assert.ok(m.has(name), `missing ${name}`);
  }
  assert.equal(m.get('sluice_requests_total')!.type, 'counter');
  assert.equal(m.get('sluice_sse_clients')!.type, 'gauge');
  assert.ok(seriesValue(m, 'sluice_requests_total', { listener: 'mock', route: '/health' })! >= 2);
  assert.ok(seriesValue(m, 'sluice_requests_total', { listener: 'mock', route: '' })! >= 1, 'unrouted requests');
  assert.ok(seriesValue(m, 'sluice_bytes_sent_total', { listener: 'mock' })! > 0);
  assert.equal(seriesValue(m, 'sluice_sse_clients', { channel: 'news' }), 0);
  assert.ok(seriesValue(m, 'sluice_responses_total', { listener: 'mock', code: '4xx' })! >= 1);
  // The parser is strict: it rejects what scrapers reject.
  assert.throws(() => parsePrometheus('x_total{a="b} 1\n'), /unterminated/);
  assert.throws(
    () =>
      parsePrometheus(
        '# HELP x_total h\n# TYPE x_total counter\nx_total 1\n# HELP y y\n# TYPE y gauge\ny 1\nx_total{a="1"} 2\n',
      ),
    /two places/,
  );
});

test('label values are escaped in /metrics', async () => {
  const e = await startEngine('version: 1\nadmin: { listen: 0 }\n');
  try {
    const odd = 'a"b\\c\nd';
    e.engine.services.counters.get('listener', 'odd', { kind: 'http' }).requests = 1;
    e.engine.services.counters.get('route', 'odd x', { listener: 'odd', route: odd }).requests = 1;
    const text = (await call('GET', '/metrics', { addr: e.addr('admin') })).text;
    assert.ok(text.includes('route="a\\"b\\\\c\\nd"'), text);
    const m = parsePrometheus(text);
    assert.equal(seriesValue(m, 'sluice_requests_total', { listener: 'odd', route: odd }), 1);
  } finally {
    await e.stop();
  }
});

test('/api/telemetry: the eventsource package gets one tick per 250 ms', async () => {
  const ticks: TelemetryTick[] = [];
  const es = new EventSource(`http://${admin}/api/telemetry`);
  es.onmessage = (e) => ticks.push(JSON.parse(e.data) as TelemetryTick);
  const started = Date.now();
  while (ticks.length < 4 && Date.now() - started < 5000) await sleep(20);
  const elapsed = Date.now() - started;
  es.close();
  assert.ok(ticks.length >= 4, `ticks: ${ticks.length}`);
  assert.ok(elapsed >= 600, `4 ticks at 250 ms take ≥ 750 ms, took ${elapsed}`);
  const last = ticks.at(-1)!;
  assert.equal(last.intervalMs, 250);
  assert.ok(last.listeners.some((l) => l.name === 'mock'));
  assert.ok(last.channels.some((c) => c.name === 'news'));
  assert.ok(last.t > 1.7e12, 'wall-clock time');
});

test('/api/telemetry with curl -N: a steady stream of data lines', async () => {
  const r = await run('curl', ['-sN', '--max-time', '2.5', `http://${admin}/api/telemetry`], { timeoutMs: 20_000 });
  assert.equal(r.code, 28, 'curl stops on --max-time: the stream never ends by itself');
  const data = r.stdout.split('\n').filter((l) => l.startsWith('data: '));
  assert.ok(data.length >= 4 && data.length <= 11, `data lines in 2.5 s at 4/s: ${data.length}`);
  for (const l of data) assert.equal(JSON.parse(l.slice(6)).intervalMs, 250);
  assert.match(r.stdout, /^retry: 1000\n/);
});
