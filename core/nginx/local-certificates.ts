/**
 * The certificate files an exported nginx serves for `tls: {}` servers: the
 * leaf Sluice's local CA issues for the listener — the same names a running
 * Sluice presents (the listen host, localhost, 127.0.0.1, ::1) — written as
 * PEM, the leaf followed by the CA, and its key, readable by the user only.
 * One pair of files per set of names, so servers on the same host share
 * them and exporting again renews them in place.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAddress, type SluiceConfig } from '../config/index.js';
import { localServerNames, type LocalCa } from '../tls/index.js';
import { dataDir } from '../util/data-dir.js';
import type { LocalCertificateFiles } from './export-tls.js';

/** Where the files go unless `--cert-dir` says otherwise: beside the local CA, in Sluice's data directory. */
export function defaultCertificateDir(): string {
  return join(dataDir(), 'nginx');
}

/** True when some HTTP server of the config takes its certificate from the local CA. */
export function needsLocalCertificates(config: SluiceConfig): boolean {
  return config.http.servers.some((s) => s.tls && s.tls.cert === undefined);
}

/** `localhost.pem`, `192.168.1.5.pem`, `fe80--1.pem`: named by the first of a leaf's names. */
function fileStem(names: readonly string[]): string {
  return names[0]!.replace(/[^A-Za-z0-9.-]/g, '-');
}

async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}

/**
 * Issues (or reuses) the local CA's leaf for every `tls: {}` server and
 * writes it to `dir`; returns the files by server name, for the export.
 */
export async function writeLocalCertificates(
  config: SluiceConfig,
  ca: LocalCa,
  dir: string,
): Promise<Record<string, LocalCertificateFiles>> {
  const out: Record<string, LocalCertificateFiles> = {};
  const written = new Map<string, LocalCertificateFiles>();
  for (const s of config.http.servers) {
    if (!s.tls || s.tls.cert !== undefined) continue;
    const names = localServerNames(parseAddress(s.listen)?.host ?? '127.0.0.1');
    const stem = fileStem(names);
    let files = written.get(stem);
    if (!files) {
      const leaf = await ca.leaf(names);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      files = {
        cert: join(dir, `${stem}.pem`),
        key: join(dir, `${stem}.key`),
        hosts: names,
        ca: ca.certPath,
        notAfter: leaf.notAfter.toISOString().slice(0, 10),
      };
      await writeAtomic(files.cert, leaf.chain, 0o644);
      await writeAtomic(files.key, leaf.key, 0o600);
      written.set(stem, files);
    }
    out[s.name] = files;
  }
  return out;
}
