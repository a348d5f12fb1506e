/** The rechunk splitter: pieces always join back to the input, and each mode cuts where it says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutPoints, rechunk, seededRng } from '../../core/faults/rechunk.js';
import { loadConfig, RECHUNK_MODES } from '../../core/config/index.js';

const SAMPLE = Buffer.from(
  'event: delta\r\ndata: {"t":"héllo wörld 🚀 你好"}\r\n\r\n: comment\ndata: plain\n\nid: 7\ndata: x\r\r',
  'utf8',
);

test('every mode: the pieces concatenate to exactly the input, none empty', () => {
  for (const mode of RECHUNK_MODES) {
    const pieces = rechunk(SAMPLE, mode, seededRng(7));
    assert.ok(pieces.length > 1, `${mode} splits`);
    assert.ok(
      pieces.every((p) => p.length > 0),
      `${mode}: no empty piece`,
    );
    assert.deepEqual(Buffer.concat(pieces), SAMPLE, mode);
  }
});

test('utf8-split: every multi-byte character is cut (no piece decodes on its own around it)', () => {
  const pieces = rechunk(Buffer.from('aé🚀你b'), 'utf8-split', Math.random);
  assert.deepEqual(
    pieces.map((p) => [...p]),
    [[0x61, 0xc3], [0xa9, 0xf0], [0x9f], [0x9a], [0x80, 0xe4], [0xbd], [0xa0, 0x62]],
  );
  assert.deepEqual(rechunk(Buffer.from('ascii only'), 'utf8-split', Math.random).length, 1);
});

test("crlf-split: between CR and LF, before the blank line's newline, inside field names", () => {
  const buf = Buffer.from('data: a\r\n\r\nevent: b\n\n');
  const pieces = rechunk(buf, 'crlf-split', Math.random).map(String);
  assert.deepEqual(pieces, ['da', 'ta: a\r', '\n', '\r', '\nev', 'ent: b\n', '\n']);
});

test('one-byte: every byte alone; random: 1–12 bytes, the same cuts for the same seed', () => {
  assert.equal(rechunk(SAMPLE, 'one-byte', Math.random).length, SAMPLE.length);
  const a = cutPoints(SAMPLE, 'random', seededRng(42));
  const b = cutPoints(SAMPLE, 'random', seededRng(42));
  const c = cutPoints(SAMPLE, 'random', seededRng(43));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const sizes = rechunk(SAMPLE, 'random', seededRng(42)).map((p) => p.length);
  assert.ok(
    sizes.every((s) => s >= 1 && s <= 12),
    String(sizes),
  );
});

test('config: rechunk takes a mode or an object; a UDP stream server refuses it with a reason', () => {
  const ok = loadConfig(
    'http:\n  servers:\n    - name: s\n      listen: 0\n      routes:\n        - { path: /, respond: { body: x }, faults: { rechunk: one-byte } }\n',
    'a.yaml',
  );
  assert.ok(ok.ok && ok.config.http.servers[0]!.routes[0]!.faults!.rechunk!.mode === 'one-byte');
  const udp = loadConfig(
    'stream:\n  upstreams: [ { name: u, servers: [ { address: 127.0.0.1:53 } ] } ]\n  servers:\n    - { name: d, listen: 0, protocol: udp, upstream: u, faults: { rechunk: random } }\n',
    'b.yaml',
  );
  assert.ok(
    !udp.ok && udp.errors.some((e) => /rechunk does not apply to protocol: udp/.test(e.message)),
    JSON.stringify(!udp.ok && udp.errors),
  );
});
