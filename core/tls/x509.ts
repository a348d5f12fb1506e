/**
 * @peculiar/x509 set up once for the engine: Reflect metadata first (the
 * library needs it at load time), then Node's WebCrypto as its provider, so
 * certificates are made the same way on Linux, macOS and Windows.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** Node's WebCrypto. */
export const crypto = webcrypto;
/** A WebCrypto key (Node's type; the engine is compiled without DOM types). */
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
