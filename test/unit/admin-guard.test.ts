/**
 * Who may call the control API, as data: the Host header must name this
 * listener (no DNS rebinding), an Origin must be this very origin (no
 * cross-site calls from pages on other sites or other local ports), and a
 * configured token must come as a Bearer header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname, networkInterfaces } from 'node:os';
import { allowedHosts, assertBindAllowed, checkRequest, isLoopbackHost } from '../../core/admin/guard.js';

test('loopback hosts: 127.0.0.0/8, ::1 (bracketed or not), localhost in any case, mapped IPv4', () => {
  for (const h of [
    '127.0.0.1',
    '127.1.2.3',
    '127.10.200.30',
    'localhost',
    'LOCALHOST',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
  ])
    assert.equal(isLoopbackHost(h), true, h);
  for (const h of [
    '0.0.0.0',
    '10.0.0.1',
    '128.0.0.1',
    '127.0.0',
    '127.0.0.1.evil',
    'x127.0.0.1',
    'localhost.evil',
    '::2',
    '',
  ])
    assert.equal(isLoopbackHost(h), false, h);
});

test('binding off loopback without a token is refused with a clear error; with one, allowed', () => {
  assert.doesNotThrow(() => assertBindAllowed('127.0.0.1', '127.0.0.1:9900', undefined));
  assert.doesNotThrow(() => assertBindAllowed('::1', '[::1]:9900', undefined));
  assert.doesNotThrow(() => assertBindAllowed('0.0.0.0', '0.0.0.0:9900', 'a-token-of-16-chars'));
  assert.throws(
    () => assertBindAllowed('0.0.0.0', '0.0.0.0:9900', undefined),
    (e: Error & { code?: string }) =>
      e.code === 'E_LISTEN' &&
      e.message ===
        'admin listen 0.0.0.0:9900 is not a loopback address: set admin.token (16+ characters) to expose the control API, or listen on 127.0.0.1',
  );
  assert.throws(() => assertBindAllowed('10.1.2.3', '10.1.2.3:9900', ''), /set admin\.token/);
});

test('allowed hosts of a loopback listener: every loopback name with the port, nothing else', () => {
  assert.deepEqual([...allowedHosts('127.0.0.1', 9900)].sort(), ['127.0.0.1:9900', '[::1]:9900', 'localhost:9900']);
  assert.deepEqual([...allowedHosts('localhost', 9900)].sort(), ['127.0.0.1:9900', '[::1]:9900', 'localhost:9900']);
  assert.deepEqual([...allowedHosts('::1', 9900)].sort(), ['127.0.0.1:9900', '[::1]:9900', 'localhost:9900']);
  assert.deepEqual([...allowedHosts('[::1]', 9900)].sort(), ['127.0.0.1:9900', '[::1]:9900', 'localhost:9900']);
  // Port 80 may be left out of a Host header.
  assert.deepEqual([...allowedHosts('127.0.0.1', 80)].sort(), [
    '127.0.0.1',
    '127.0.0.1:80',
    '[::1]',
    '[::1]:80',
    'localhost',
    'localhost:80',
  ]);
});

test('allowed hosts of a specific non-loopback address: only that address', () => {
  assert.deepEqual([...allowedHosts('10.1.2.3', 9900)], ['10.1.2.3:9900']);
  assert.deepEqual([...allowedHosts('Admin.Example', 81)], ['admin.example:81']);
  assert.deepEqual([...allowedHosts('fe80::1', 9900)], ['[fe80::1]:9900']);
});

test('allowed hosts of a wildcard bind: loopback names, every interface address and the machine name', () => {
  for (const wildcard of ['0.0.0.0', '::', '[::]', '']) {
    const allowed = allowedHosts(wildcard, 9900);
    for (const h of ['127.0.0.1:9900', 'localhost:9900', '[::1]:9900', `${hostname().toLowerCase()}:9900`])
      assert.ok(allowed.has(h), `${wildcard}: ${h}`);
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) {
        const h = a.address.includes(':') ? `[${a.address}]:9900` : `${a.address}:9900`;
        assert.ok(allowed.has(h.toLowerCase()), `${wildcard}: ${h}`);
      }
    assert.ok(![...allowed].some((h) => h.startsWith('0.0.0.0') || h.startsWith('[::]') || h === ':9900'), wildcard);
  }
});

const OWN = allowedHosts('127.0.0.1', 9900);

test('Host must name this listener: a foreign or portless Host is 403 (DNS rebinding)', () => {
  assert.deepEqual(checkRequest({ host: '127.0.0.1:9900' }, OWN, undefined), { ok: true });
  assert.deepEqual(checkRequest({ host: 'LOCALHOST:9900' }, OWN, undefined), { ok: true });
  for (const host of ['evil.example', 'evil.example:9900', '127.0.0.1', '127.0.0.1:9901', 'localhost:99000'])
    assert.deepEqual(checkRequest({ host }, OWN, undefined), {
      ok: false,
      status: 403,
      message: `refused: Host "${host}" is not this admin listener (allowed: 127.0.0.1:9900, localhost:9900, [::1]:9900)`,
    });
  assert.deepEqual(checkRequest({}, OWN, undefined), {
    ok: false,
    status: 403,
    message: 'refused: Host "" is not this admin listener (allowed: 127.0.0.1:9900, localhost:9900, [::1]:9900)',
  });
});

test('a refusal names at most three of the allowed hosts', () => {
  const wide = allowedHosts('0.0.0.0', 9900);
  assert.ok(wide.size > 3);
  const r = checkRequest({ host: 'evil.example' }, wide, undefined);
  assert.deepEqual(r, {
    ok: false,
    status: 403,
    message: `refused: Host "evil.example" is not this admin listener (allowed: ${[...wide].slice(0, 3).join(', ')})`,
  });
});

test('Origin, when sent, must be this very origin: another port, scheme or site is 403', () => {
  const host = '127.0.0.1:9900';
  for (const origin of ['http://127.0.0.1:9900', 'http://localhost:9900', 'http://[::1]:9900', 'HTTP://LOCALHOST:9900'])
    assert.deepEqual(checkRequest({ host, origin }, OWN, undefined), { ok: true }, origin);
  for (const origin of [
    'http://localhost:3000',
    'http://127.0.0.1:9901',
    'http://localhost',
    'https://127.0.0.1:9900',
    'ws://127.0.0.1:9900',
    'http://evil.example:9900',
    'null',
    '',
    'not a url',
  ])
    assert.deepEqual(
      checkRequest({ host, origin }, OWN, undefined),
      { ok: false, status: 403, message: `refused: cross-origin request from ${origin}` },
      origin,
    );
});

test('a token, when set, must come as Authorization: Bearer; checked after Host and Origin', () => {
  const token = 'abcdefghijklmnop-secret';
  const host = '127.0.0.1:9900';
  const unauthorized = { ok: false, status: 401, message: 'unauthorized: send Authorization: Bearer <admin.token>' };
  assert.deepEqual(checkRequest({ host, authorization: `Bearer ${token}` }, OWN, token), { ok: true });
  assert.deepEqual(checkRequest({ host, authorization: `bearer   ${token}  ` }, OWN, token), { ok: true });
  assert.deepEqual(checkRequest({ host }, OWN, token), unauthorized);
  assert.deepEqual(checkRequest({ host, authorization: token }, OWN, token), unauthorized);
  assert.deepEqual(checkRequest({ host, authorization: `Basic ${token}` }, OWN, token), unauthorized);
  assert.deepEqual(checkRequest({ host, authorization: `Bearer ${token}x` }, OWN, token), unauthorized);
  assert.deepEqual(checkRequest({ host, authorization: 'Bearer ' }, OWN, token), unauthorized);
  assert.deepEqual(checkRequest({ host, authorization: `xBearer ${token}` }, OWN, token), unauthorized);
  // Host and Origin come first: a right token does not open the door to another site.
  assert.equal(checkRequest({ host: 'evil.example', authorization: `Bearer ${token}` }, OWN, token).ok, false);
  const cross = checkRequest({ host, origin: 'http://evil.example', authorization: `Bearer ${token}` }, OWN, token);
  assert.equal(!cross.ok && cross.status, 403);
  assert.deepEqual(checkRequest({ host }, OWN, ''), { ok: true }, 'an empty token means none');
});
