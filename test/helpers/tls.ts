/**
 * Certificates made in the test, written as PEM files a real server (nginx)
 * can load: a test CA, a good leaf, an expired one, one for another name,
 * one self-signed, and a second CA nobody uses.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, createLeaf, randomSerial } from '../../core/tls/issue.js';
import { crypto, x509 } from '../../core/tls/x509.js';

const DAY = 86_400_000;

/** Paths of one certificate + key pair on disk. */
export interface PemPair {
  cert: string;
  key: string;
}

/** Every file the TLS tests use, under one folder. */
export interface TestPki {
  /** The CA the good, expired and wrong-name leaves chain to. */
  ca: string;
  /** Another CA, trusted by nothing. */
  otherCa: string;
  good: PemPair;
  expired: PemPair;
  wrongName: PemPair;
  selfSigned: PemPair;
}

/** A self-signed server certificate (no CA behind it), as dev servers often have. */
async function selfSigned(hosts: string[]): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${hosts[0]}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + DAY),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        hosts.map((value) => ({ type: /^[\d.]+$/.test(value) ? ('ip' as const) : ('dns' as const), value })),
      ),
    ],
  });
  const key = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { cert: cert.toString('pem'), key };
}

/** Makes the test PKI in `dir` (files readable by nginx workers). */
export async function makeTestPki(dir: string): Promise<TestPki> {
  const now = Date.now();
  const valid = { notBefore: new Date(now - DAY), notAfter: new Date(now + 7 * DAY) };
  const ca = await createCa('CN=Sluice test CA', valid);
  const other = await createCa('CN=Nobody trusts this CA', valid);
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o644 });
    return p;
  };
  const pair = (name: string, c: { chain?: string; cert: string; key: string }): PemPair => ({
    cert: write(`${name}.pem`, c.chain ?? c.cert),
    key: write(`${name}.key`, c.key),
  });
  return {
    ca: write('ca.pem', ca.cert),
    otherCa: write('other-ca.pem', other.cert),
    good: pair('good', await createLeaf(['localhost', '127.0.0.1'], ca.signer, valid)),
    expired: pair(
      'expired',
      await createLeaf(['localhost', '127.0.0.1'], ca.signer, {
        notBefore: new Date(now - 30 * DAY),
        notAfter: new Date(now - DAY),
      }),
    ),
    wrongName: pair('wrong-name', await createLeaf(['other.test'], ca.signer, valid)),
    selfSigned: pair('self-signed', await selfSigned(['localhost', '127.0.0.1'])),
  };
}
