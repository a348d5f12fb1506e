/**
 * `sluice ca` as a user runs it: one line, the path of a PEM CA
 * certificate (made on first use under SLUICE_HOME); `--spki` the base64
 * SHA-256 of its public key, as Node's crypto computes it — what Chromium's
 * `--ignore-certificate-errors-spki-list` takes. Both stay the same across runs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/process.js';

const BIN = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin/sluice.mjs');
const home = mkdtempSync(join(tmpdir(), 'sluice-home-'));
after(() => rmSync(home, { recursive: true, force: true }));

const sluice = (...args: string[]) =>
  run(process.execPath, [BIN, ...args], { env: { ...process.env, SLUICE_HOME: home }, timeoutMs: 30_000 });

test('sluice ca prints the path of a PEM CA certificate; --spki its public key hash as Node computes it', async () => {
  const first = await sluice('ca');
  assert.equal(first.code, 0, first.stderr);
  const lines = first.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line: ${first.stdout}`);
  const path = lines[0]!;
  assert.equal(path, join(home, 'ca', 'ca.pem'));
  const pem = readFileSync(path, 'utf8');
  assert.match(pem, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/);
  const cert = new X509Certificate(pem);
  assert.equal(cert.ca, true);
  assert.ok(cert.verify(cert.publicKey), 'self-signed');
  if (process.platform !== 'win32') assert.equal(statSync(join(home, 'ca', 'ca-key.pem')).mode & 0o777, 0o600);

  const spki = await sluice('ca', '--spki');
  assert.equal(spki.code, 0, spki.stderr);
  const expected = createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  assert.equal(spki.stdout.trim(), expected);
  assert.match(spki.stdout, /^[A-Za-z0-9+/]{43}=\n$/, 'one line of base64 (32 bytes)');

  const again = await sluice('ca');
  assert.equal(again.stdout.trim(), path);
  assert.equal(readFileSync(path, 'utf8'), pem, 'the CA is made once, not on every run');
});

test('sluice ca with a data directory it cannot use says why and exits 1', async () => {
  const file = join(home, 'a-file');
  writeFileSync(file, 'not a folder');
  const r = await run(process.execPath, [BIN, 'ca'], {
    env: { ...process.env, SLUICE_HOME: join(file, 'sluice') },
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sluice ca: .*a-file\/sluice/m);
  assert.equal(r.stdout, '');
});
