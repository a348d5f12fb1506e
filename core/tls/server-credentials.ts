/**
 * What an HTTPS listener presents: with `tls: {}` a leaf from Sluice's local
 * CA for the listen host, localhost, 127.0.0.1 and ::1; with `{ cert, key }`
 * the user's files, read (and checked to belong together) on every start and
 * apply, so a renewed certificate is picked up by applying again.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ServerTlsConfig } from '../config/index.js';
import type { LocalCa } from './local-ca.js';
import { readKeyPair } from './pem-files.js';
import { localServerNames, type ServerCredentials } from './secure-context.js';

/** Opens the install's local CA (once; later calls share it). */
export type CaSource = () => Promise<LocalCa>;

/** Credentials plus where they came from, for logs and the UI. */
export interface LoadedCredentials extends ServerCredentials {
  /** `local CA (localhost, 127.0.0.1, ::1)` or the certificate file's path. */
  source: string;
}

/** Where a listener's files are and how the local CA is reached. */
export interface CredentialsContext {
  /** The host part of the listen address (`127.0.0.1`, `0.0.0.0`, `[::1]`). */
  listenHost: string;
  /** Relative certificate paths resolve against this (the config file's folder). */
  baseDir: string;
  ca: CaSource;
}

/** Loads the certificate chain and key a listener with `tls` presents; rejects with a one-line reason. */
export async function loadServerCredentials(tls: ServerTlsConfig, ctx: CredentialsContext): Promise<LoadedCredentials> {
  if (tls.cert !== undefined && tls.key !== undefined) {
    const cert = isAbsolute(tls.cert) ? tls.cert : resolve(ctx.baseDir, tls.cert);
    const key = isAbsolute(tls.key) ? tls.key : resolve(ctx.baseDir, tls.key);
    const pair = await readKeyPair(cert, key, { cert: tls.cert, key: tls.key });
    return { chain: pair.chain, key: pair.key, source: tls.cert };
  }
  const names = localServerNames(ctx.listenHost);
  const leaf = await (await ctx.ca()).leaf(names);
  return { chain: leaf.chain, key: leaf.key, source: `local CA (${names.join(', ')})` };
}

/** A CaSource that opens the CA on first use and shares it; a failed open is retried on the next call. */
export function sharedCa(open: () => Promise<LocalCa>): CaSource {
  let pending: Promise<LocalCa> | undefined;
  return () => {
    pending ??= open().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
