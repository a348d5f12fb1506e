/** Browser mode's server over real sockets: token, Host/Origin checks, the call allowlist, argument validation, pushed events. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { startUiServer } from '../../core/host/ws-server.js';
import { createEngine } from '../../core/runtime/create-engine.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-ui-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Sluice</title>');
writeFileSync(join(dir, 'app.js'), 'console.log(1)');
const rt = createEngine({ drainMs: 200, text: 'version: 1\n', tickMs: 100 });
const { engine, host } = rt;
const server = await startUiServer({ host, staticDir: dir, token: 'tok-123' });
after(async () => {
  await server.close();
  await rt.close(100);
});

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function socket(query = '?token=tok-123', headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(
  ws: WebSocket,
  id: number,
  callName: unknown,
  args: unknown[],
): Promise<{ id: number; ok: boolean; result?: unknown; error?: string }> {
  return new Promise((resolve) => {
    const onMsg = (data: Buffer) => {
      const m = JSON.parse(data.toString());
      if (m.id === id) {
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ id, call: callName, args }));
  });
}

test('the page needs the token (query or cookie); the query sets an HttpOnly cookie; assets are served', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=tok-123$/);
  assert.equal((await get('/')).status, 403);
  assert.equal((await get('/?token=wrong')).status, 403);
  const ok = await get('/?token=tok-123');
  assert.equal(ok.status, 200);
  assert.match(ok.body, /Sluice/);
  assert.match(String(ok.headers['set-cookie']), /sluice_token=tok-123; HttpOnly; SameSite=Strict/);
  assert.equal((await get('/', { cookie: 'sluice_token=tok-123' })).status, 200);
  assert.equal((await get('/app.js')).status, 200);
  for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd']) {
    const r = await get(path);
    assert.ok(r.status === 403 || r.status === 404, `${path}: ${r.status}`);
    assert.doesNotMatch(r.body, /root:/);
  }
});

test('a foreign Host (DNS rebinding) or Origin is refused with 403', async () => {
  assert.equal((await get('/?token=tok-123', { host: 'evil.example:80' })).status, 403);
  assert.equal((await get('/?token=tok-123', { origin: 'http://evil.example' })).status, 403);
  assert.equal((await get('/?token=tok-123', { host: `localhost:${server.port}` })).status, 200);
  await assert.rejects(socket('?token=tok-123', { origin: 'http://evil.example' }), /HTTP 403/);
  await assert.rejects(socket('?token=nope'), /HTTP 403/);
  await assert.rejects(socket(''), /HTTP 403/);
  const ws = await socket('', { cookie: 'sluice_token=tok-123', origin: `http://127.0.0.1:${server.port}` });
  ws.close();
  const own = await socket('', { cookie: 'sluice_token=tok-123', origin: `http://localhost:${server.port}` });
  own.close();
});

test('an Origin of another local port, or of https on our own port, is another site: page and socket refused', async () => {
  const other = server.port === 3000 ? 3001 : 3000;
  for (const origin of [
    `http://localhost:${other}`,
    `http://127.0.0.1:${other}`,
    'http://localhost',
    'http://127.0.0.1',
    `https://127.0.0.1:${server.port}`,
    `https://localhost:${server.port}`,
  ]) {
    assert.equal((await get('/?token=tok-123', { origin })).status, 403, `page from ${origin}`);
    await assert.rejects(
      socket('?token=tok-123', { origin }),
      /HTTP 403/,
      `a WebSocket from ${origin} (with the right token) is refused`,
    );
  }
});

test('calls: allowed ones answer, unknown ones and bad arguments are refused with a message', async () => {
  const ws = await socket();
  const health = await call(ws, 1, 'health', []);
  assert.equal(health.ok, true);
  assert.equal((health.result as { ok: boolean }).ok, true);
  const cfg = await call(ws, 2, 'getConfig', []);
  assert.equal((cfg.result as { text: string }).text, 'version: 1\n');
  const bad = await call(ws, 3, 'invoke', ['getStats', []]);
  assert.deepEqual([bad.ok, bad.error], [false, 'unknown call "invoke"']);
  const proto = await call(ws, 4, '__proto__', []);
  assert.equal(proto.ok, false);
  const args = await call(ws, 5, 'validateConfig', [{ not: 'text' }]);
  assert.equal(args.ok, false);
  assert.match(args.error!, /validateConfig: invalid arguments/);
  const v = await call(ws, 6, 'validateConfig', ['version: 2\n']);
  assert.equal(v.ok, true);
  assert.equal((v.result as { ok: boolean }).ok, false, 'an invalid config is a value, not a transport error');
  ws.close();
});

test('telemetry ticks are pushed to connected sockets as {event, payload}', async () => {
  const ws = await socket();
  const tick = await new Promise<{ event: string; payload: { t: number; total: unknown } }>((resolve) => {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.event === 'telemetry') resolve(m);
    });
  });
  assert.equal(typeof tick.payload.t, 'number');
  assert.ok(tick.payload.total);
  ws.close();
});

test('traffic capture runs only while a page is connected', async () => {
  const traffic = engine.services.traffic;
  const waitFor = async (want: boolean) => {
    for (let i = 0; i < 100 && traffic.observed !== want; i++) await new Promise((r) => setTimeout(r, 20));
    return traffic.observed;
  };
  assert.equal(await waitFor(false), false, 'nobody connected: no capture');
  const ws = await socket();
  assert.equal(await waitFor(true), true, 'a page is connected: capture on');
  ws.close();
  assert.equal(await waitFor(false), false, 'the last page left: capture off');
});

test('a page receives only the events it says it listens to ({events}); one that never says gets them all', async () => {
  const chooser = await socket();
  const silent = await socket();
  const seen = (ws: WebSocket) => {
    const got = new Set<string>();
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.event) got.add(m.event);
    });
    return got;
  };
  const a = seen(chooser);
  const b = seen(silent);
  chooser.send(JSON.stringify({ events: ['log', 'nonsense'] }));
  await new Promise((r) => setTimeout(r, 150)); // the choice is in before the next tick
  a.clear();
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(a.has('telemetry'), false, 'ticks withheld from a page that does not listen to them');
  assert.equal(b.has('telemetry'), true, 'the other page still gets them');
  chooser.send(JSON.stringify({ events: ['telemetry'] }));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(a.has('telemetry'), true, 'and again once it listens');
  const answer = await call(chooser, 9, 'health', []);
  assert.equal(answer.ok, true, 'calls are unaffected');
  chooser.close();
  silent.close();
});
