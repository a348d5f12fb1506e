/**
 * Making certificates with @peculiar/x509 on WebCrypto: a CA (self-signed,
 * may sign leaves only) and leaf certificates for server names and IPs.
 * Keys are ECDSA P-256: quick to make, accepted by browsers, curl and Node.
 * Nothing here touches the disk; local-ca.ts stores what it needs.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { crypto, x509, type CryptoKey, type CryptoKeyPair } from './x509.js';

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate with its private key, both PEM; `chain` is what a server sends (leaf first). */
export interface IssuedCertificate {
  cert: string;
  key: string;
  /** The certificate followed by its issuer's (empty issuer for a self-signed CA). */
  chain: string;
}

/** A signer: a CA certificate and its key, as WebCrypto objects. */
export interface Signer {
  cert: InstanceType<typeof x509.X509Certificate>;
  key: CryptoKey;
}

/** Validity and naming of a certificate to make. */
export interface IssueOptions {
  notBefore: Date;
  notAfter: Date;
}

/** A positive 128-bit serial number, as hex (RFC 5280 allows up to 20 octets; the top bit must stay clear). */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** Imports a PKCS#8 PEM private key made by this module (ECDSA P-256) for signing. */
export async function importSigningKey(pem: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), KEY_ALGORITHM, false, ['sign']);
}

/** A self-signed CA that may sign end-entity certificates only (path length 0). */
export async function createCa(subject: string, o: IssueOptions): Promise<IssuedCertificate & { signer: Signer }> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pem = cert.toString('pem');
  return { cert: pem, key: await keyPem(keys.privateKey), chain: pem, signer: { cert, key: keys.privateKey } };
}

/** The subjectAltName entries for host names and IP addresses. */
function altNames(hosts: readonly string[]): { type: 'dns' | 'ip'; value: string }[] {
  return hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
}

/** A server certificate for `hosts` (names and IPs), signed by `issuer`. */
export async function createLeaf(
  hosts: readonly string[],
  issuer: Signer,
  o: IssueOptions,
): Promise<IssuedCertificate> {
  if (hosts.length === 0) throw new Error('a server certificate needs at least one host name or IP');
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${hosts[0]!.replace(/[,+="\\<>;#]/g, '')}`,
    issuer: issuer.cert.subjectName,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    publicKey: keys.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames(hosts)),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey),
    ],
  });
  const pem = cert.toString('pem');
  return { cert: pem, key: await keyPem(keys.privateKey), chain: `${pem}\n${issuer.cert.toString('pem')}\n` };
}
