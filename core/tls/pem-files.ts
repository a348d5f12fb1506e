/**
 * Reading the user's certificate, key and CA files. Every failure is one
 * line that names the file and what is wrong with it (`site.pem: not a PEM
 * certificate`, `site.key does not match the certificate in site.pem`), so a
 * wrong path or a swapped file is obvious from the message alone.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { SluiceError } from '../util/errors.js';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/** Certificates read from a PEM file: the blocks (in file order) and their parsed form. */
export interface PemCertificates {
  pem: string[];
  certs: X509Certificate[];
}

/** A certificate chain and the private key of its first certificate, as PEM, ready for a TLS server. */
export interface KeyPair {
  /** Leaf first, then any intermediates, as the file has them. */
  chain: string;
  key: string;
  leaf: X509Certificate;
}

function tlsError(message: string): SluiceError {
  return new SluiceError('E_TLS', message);
}

function readError(err: unknown, label: string): SluiceError {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === 'ENOENT'
      ? 'no such file'
      : e.code === 'EACCES'
        ? 'permission denied'
        : e.code === 'EISDIR'
          ? 'is a directory'
          : e.message;
  return tlsError(`${label}: cannot read (${why})`);
}

async function readText(file: string, label: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw readError(err, label);
  }
}

/** Parses every CERTIFICATE block of a PEM text; `label` names the source in errors. */
export function parseCertificates(text: string, label: string): PemCertificates {
  const pem = text.match(CERT_BLOCK) ?? [];
  if (pem.length === 0) {
    const hint = KEY_BLOCK.test(text) ? ' (it holds a private key: cert and key swapped?)' : '';
    throw tlsError(`${label}: not a PEM certificate${hint}`);
  }
  const certs = pem.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw tlsError(`${label}: certificate ${i + 1} is damaged (${(err as Error).message})`);
    }
  });
  return { pem, certs };
}

/** Reads a PEM file of one or more certificates. */
export async function readCertificates(file: string, label = file): Promise<PemCertificates> {
  return parseCertificates(await readText(file, label), label);
}

/** Parses a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC); encrypted keys are refused with a reason. */
export function parsePrivateKey(text: string, label: string): { pem: string; key: KeyObject } {
  const m = KEY_BLOCK.exec(text);
  if (!m) {
    const hint = text.includes('-----BEGIN CERTIFICATE-----') ? ' (it holds a certificate: cert and key swapped?)' : '';
    throw tlsError(`${label}: not a PEM private key${hint}`);
  }
  if (m[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(m[0]))
    throw tlsError(`${label}: the private key is encrypted; give Sluice an unencrypted key file`);
  try {
    return { pem: m[0], key: createPrivateKey(m[0]) };
  } catch (err) {
    throw tlsError(`${label}: the private key is damaged (${(err as Error).message})`);
  }
}

/** Reads a certificate file and its key file, and checks that they belong together. */
export async function readKeyPair(
  certFile: string,
  keyFile: string,
  labels: { cert?: string; key?: string } = {},
): Promise<KeyPair> {
  const certLabel = labels.cert ?? certFile;
  const keyLabel = labels.key ?? keyFile;
  // Both files are read at once, but a mistake in the certificate file is reported first, every time.
  const [certsRead, keyRead] = await Promise.allSettled([
    readCertificates(certFile, certLabel),
    readText(keyFile, keyLabel).then((t) => parsePrivateKey(t, keyLabel)),
  ]);
  if (certsRead.status === 'rejected') throw certsRead.reason;
  if (keyRead.status === 'rejected') throw keyRead.reason;
  const certs = certsRead.value;
  const key = keyRead.value;
  const leaf = certs.certs[0]!;
  if (!leaf.checkPrivateKey(key.key))
    throw tlsError(
      `${keyLabel} does not match the certificate in ${certLabel} (the key belongs to another certificate)`,
    );
  return { chain: `${certs.pem.join('\n')}\n`, key: key.pem, leaf };
}

/** Reads a CA file for verifying upstreams: its certificates as PEM blocks. */
export async function readCaFile(file: string, label = file): Promise<string[]> {
  return (await readCertificates(file, label)).pem;
}

/** readCaFile for a config apply, which runs synchronously (a CA file is a few KiB). */
export function readCaFileSync(file: string, label = file): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw readError(err, label);
  }
  return parseCertificates(text, label).pem;
}
