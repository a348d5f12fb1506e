/**
 * The local CA: created once per install in the data directory (key 0600),
 * leaves issued for names and IPs, cached in memory and on disk, renewed
 * near their end; the certificates pass a real TLS handshake with Node as
 * the client. Certificate and key files of the user fail with one clear line.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  LocalCa,
  readKeyPair,
  readCaFile,
  serverSecureContext,
  serverTlsOptions,
  localServerNames,
  CA_VALIDITY_DAYS,
  LEAF_VALIDITY_DAYS,
} from '../../core/tls/index.js';
import { dataDir } from '../../core/util/data-dir.js';

const DAY = 86_400_000;
const homes: string[] = [];
after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

function home(): string {
  const h = mkdtempSync(join(tmpdir(), 'sluice-home-'));
  homes.push(h);
  return h;
}

/** Node's own SPKI hash of a PEM certificate (what Chromium's spki list compares). */
function nodeSpki(pem: string): string {
  return createHash('sha256')
    .update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

/**
 * A TLS server presenting `chain`/`key` (as its default context, or through an SNI callback);
 * resolves whether a client trusting only `ca` accepts it for `servername`/host.
 */
async function handshake(
  chain: string,
  key: string,
  ca: string,
  opts: { servername?: string; host?: string; sni?: boolean },
): Promise<{ authorized: boolean; error?: string; certs: number }> {
  const options = opts.sni
    ? {
        SNICallback: (_name: string, cb: (e: Error | null, c: tls.SecureContext) => void) =>
          cb(null, serverSecureContext({ chain, key })),
      }
    : serverTlsOptions({ chain, key });
  const server = tls.createServer(options, (s) => s.end('hi'));
  server.listen(0, opts.host ?? '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise((resolve) => {
      const c = tls.connect({ host: opts.host ?? '127.0.0.1', port, ca: [ca], servername: opts.servername }, () => {
        let depth = 0;
        for (let cert = c.getPeerCertificate(true); cert && depth < 5; depth++) {
          if (cert.issuerCertificate === cert) {
            depth++;
            break;
          }
          cert = cert.issuerCertificate;
        }
        resolve({ authorized: c.authorized, certs: depth });
        c.destroy();
      });
      c.on('error', (err) => resolve({ authorized: false, error: (err as NodeJS.ErrnoException).code, certs: 0 }));
    });
  } finally {
    server.close();
  }
}

test('the CA is created once in the data directory: PEM CA certificate, key 0600, ten years, random serial', async () => {
  const h = home();
  const t0 = Date.now();
  const ca = await LocalCa.open({ home: h });
  assert.equal(ca.certPath, join(h, 'ca', 'ca.pem'));
  const cert = new X509Certificate(readFileSync(ca.certPath));
  assert.equal(cert.ca, true);
  assert.ok(cert.checkIssued(cert), 'self-signed');
  assert.match(cert.subject, /Sluice local CA/);
  const days = (Date.parse(cert.validTo) - t0) / DAY;
  assert.ok(Math.abs(days - CA_VALIDITY_DAYS) < 1, `valid for ${days} days`);
  assert.ok(Date.parse(cert.validFrom) <= t0, 'valid from now (backdated for clock skew)');
  assert.match(cert.serialNumber, /^[0-7][0-9A-F]{31}$/, 'a positive 128-bit serial');
  if (process.platform !== 'win32') {
    assert.equal(statSync(join(h, 'ca', 'ca-key.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(h, 'ca')).mode & 0o077, 0, "the folder is the user's only");
  }
  assert.equal(ca.spki(), nodeSpki(ca.certPem));

  const again = await LocalCa.open({ home: h });
  assert.equal(again.certPem, ca.certPem, 'a second start loads the same CA');
  const other = await LocalCa.open({ home: home() });
  assert.notEqual(other.spki(), ca.spki(), 'each install has its own key');
  assert.notEqual(new X509Certificate(other.certPem).serialNumber, cert.serialNumber);
});

test('CAs created at the same moment (two processes starting) end up as one', async () => {
  const h = home();
  const cas = await Promise.all([1, 2, 3, 4].map(() => LocalCa.open({ home: h })));
  assert.equal(new Set(cas.map((c) => c.certPem)).size, 1);
  assert.deepEqual(readdirSync(h).sort(), ['ca'], 'no temporary folders left behind');
});

test('a leaf for localhost, 127.0.0.1 and ::1 verifies against the CA alone, chain sent leaf first', async () => {
  const ca = await LocalCa.open({ home: home() });
  const leaf = await ca.leaf(localServerNames('127.0.0.1'));
  const cert = new X509Certificate(leaf.chain);
  assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
  assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(cert.subjectAltName ?? '', /IP Address:(0:0:0:0:0:0:0:1|::1)/);
  assert.ok(cert.checkIssued(new X509Certificate(ca.certPem)));
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'server authentication only');
  const days = (Date.parse(cert.validTo) - Date.now()) / DAY;
  assert.ok(
    days <= LEAF_VALIDITY_DAYS && days > LEAF_VALIDITY_DAYS - 1,
    `leaf valid ${days} days (browsers accept up to 398)`,
  );

  const byName = await handshake(leaf.chain, leaf.key, ca.certPem, { servername: 'localhost' });
  assert.deepEqual(byName, { authorized: true, certs: 2 });
  assert.deepEqual(
    await handshake(leaf.chain, leaf.key, ca.certPem, { servername: 'localhost', sni: true }),
    { authorized: true, certs: 2 },
    'through an SNI callback',
  );
  assert.equal((await handshake(leaf.chain, leaf.key, ca.certPem, {})).authorized, true, 'by IP 127.0.0.1');
  const wrongName = await handshake(leaf.chain, leaf.key, ca.certPem, { servername: 'example.com' });
  assert.equal(wrongName.error, 'ERR_TLS_CERT_ALTNAME_INVALID');
  const stranger = await LocalCa.open({ home: home() });
  assert.equal(
    (await handshake(leaf.chain, leaf.key, stranger.certPem, { servername: 'localhost' })).authorized,
    false,
    "another install's CA does not vouch for it",
  );
});

test('leaves are cached in memory and on disk (0600), per set of names; a new process serves the same one', async () => {
  const h = home();
  const ca = await LocalCa.open({ home: h });
  const a = await ca.leaf(['localhost', '127.0.0.1']);
  const b = await ca.leaf(['127.0.0.1', 'LOCALHOST', 'localhost']);
  assert.equal(a, b, 'same names in any order and case: the same leaf');
  const [c1, c2] = await Promise.all([ca.leaf(['api.test']), ca.leaf(['api.test'])]);
  assert.equal(c1, c2, 'concurrent requests issue once');
  assert.notEqual(c1.chain, a.chain);
  const files = readdirSync(join(h, 'ca', 'leaves'));
  assert.equal(files.length, 2);
  if (process.platform !== 'win32')
    for (const f of files) assert.equal(statSync(join(h, 'ca', 'leaves', f)).mode & 0o777, 0o600);

  const restarted = await LocalCa.open({ home: h });
  const again = await restarted.leaf(['localhost', '127.0.0.1']);
  assert.equal(again.chain, a.chain, 'loaded from disk, not reissued');
  assert.equal(again.key, a.key);
});

test('leaves near their end are reissued; a CA near its end is replaced and the old one kept aside', async () => {
  const h = home();
  let now = Date.now();
  const ca = await LocalCa.open({ home: h, now: () => now });
  const first = await ca.leaf(['localhost']);
  now += (LEAF_VALIDITY_DAYS - 10) * DAY;
  const renewed = await ca.leaf(['localhost']);
  assert.notEqual(renewed.chain, first.chain, 'renewed in memory');
  assert.ok(renewed.notAfter.getTime() > first.notAfter.getTime());
  const fromDisk = await (await LocalCa.open({ home: h, now: () => now })).leaf(['localhost']);
  assert.equal(fromDisk.chain, renewed.chain, 'the renewed leaf replaced the stored one');

  now += (CA_VALIDITY_DAYS - LEAF_VALIDITY_DAYS) * DAY;
  const next = await LocalCa.open({ home: h, now: () => now });
  assert.notEqual(next.spki(), ca.spki());
  assert.ok(
    readdirSync(h).some((d) => d.startsWith('ca.old-')),
    'the old CA is moved aside, not deleted',
  );
  const leaf = await next.leaf(['localhost']);
  assert.ok(
    new X509Certificate(leaf.chain).checkIssued(new X509Certificate(next.certPem)),
    'leaves of the old CA are not served',
  );
});

test('a CA key that does not belong to the certificate is an error naming the folder', async () => {
  const h = home();
  await LocalCa.open({ home: h });
  const other = home();
  await LocalCa.open({ home: other });
  writeFileSync(join(h, 'ca', 'ca-key.pem'), readFileSync(join(other, 'ca', 'ca-key.pem')));
  await assert.rejects(
    LocalCa.open({ home: h }),
    /ca-key\.pem does not belong to the CA certificate .*delete the folder/,
  );
});

test('certificate and key files: one clear line for each mistake', async () => {
  const h = home();
  const ca = await LocalCa.open({ home: h });
  const leaf = await ca.leaf(['site.test']);
  const other = await ca.leaf(['other.test']);
  const f = (name: string, text: string) => {
    const p = join(h, name);
    writeFileSync(p, text);
    return p;
  };
  const cert = f('site.pem', leaf.chain);
  const key = f('site.key', leaf.key);
  const pair = await readKeyPair(cert, key);
  assert.match(pair.leaf.subject, /site\.test/);
  assert.equal(pair.chain.match(/BEGIN CERTIFICATE/g)?.length, 2, 'the chain is kept whole');

  await assert.rejects(readKeyPair(join(h, 'missing.pem'), key), /missing\.pem: cannot read \(no such file\)/);
  await assert.rejects(readKeyPair(f('text.pem', 'hello\n'), key), /text\.pem: not a PEM certificate$/);
  await assert.rejects(
    readKeyPair(key, cert),
    /site\.key: not a PEM certificate \(it holds a private key: cert and key swapped\?\)/,
  );
  await assert.rejects(
    readKeyPair(cert, f('other.key', other.key)),
    /other\.key does not match the certificate in .*site\.pem/,
  );
  await assert.rejects(
    readKeyPair(f('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), key),
    /broken\.pem: certificate 1 is damaged/,
  );
  const encrypted = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  await assert.rejects(readKeyPair(cert, f('enc.key', encrypted)), /enc\.key: the private key is encrypted/);
  await assert.rejects(readCaFile(f('ca-text.pem', 'not a cert')), /ca-text\.pem: not a PEM certificate/);
  assert.equal((await readCaFile(ca.certPath)).length, 1);
});

test("the data directory: SLUICE_HOME wins, else the platform's per-user place", () => {
  assert.equal(dataDir({ env: { SLUICE_HOME: '/x/y' }, platform: 'linux', home: '/home/u' }), '/x/y');
  assert.equal(dataDir({ env: {}, platform: 'linux', home: '/home/u' }), '/home/u/.local/share/sluice');
  assert.equal(dataDir({ env: { XDG_DATA_HOME: '/d' }, platform: 'linux', home: '/home/u' }), '/d/sluice');
  assert.equal(
    dataDir({ env: {}, platform: 'darwin', home: '/Users/u' }),
    '/Users/u/Library/Application Support/Sluice',
  );
  assert.equal(
    dataDir({ env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, platform: 'win32', home: 'C:\\Users\\u' }),
    'C:\\Users\\u\\AppData\\Local\\Sluice',
  );
});

test('names for tls: {}: the listen host unless a wildcard, then localhost and the loopback IPs', () => {
  assert.deepEqual(localServerNames('127.0.0.1'), ['localhost', '127.0.0.1', '::1']);
  assert.deepEqual(localServerNames('0.0.0.0'), ['localhost', '127.0.0.1', '::1']);
  assert.deepEqual(localServerNames('dev.test'), ['dev.test', 'localhost', '127.0.0.1', '::1']);
  assert.deepEqual(localServerNames('[::1]'), ['localhost', '127.0.0.1', '::1']);
});
