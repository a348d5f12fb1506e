/** TLS for the engine: the local CA, certificate files, contexts, and human reasons for failed handshakes. */
export {
  LocalCa,
  spkiHash,
  CA_VALIDITY_DAYS,
  LEAF_VALIDITY_DAYS,
  RENEW_BEFORE_DAYS,
  type LeafCertificate,
  type LocalCaOptions,
} from './local-ca.js';
export { createCa, createLeaf, randomSerial, type IssuedCertificate, type IssueOptions, type Signer } from './issue.js';
export {
  parseCertificates,
  parsePrivateKey,
  readCertificates,
  readKeyPair,
  readCaFile,
  readCaFileSync,
  type KeyPair,
  type PemCertificates,
} from './pem-files.js';
export {
  serverSecureContext,
  serverTlsOptions,
  trustedRoots,
  clientSecureContext,
  localServerNames,
  type ServerCredentials,
} from './secure-context.js';
export { tlsSummary } from './peer-summary.js';
export {
  loadServerCredentials,
  sharedCa,
  type CaSource,
  type CredentialsContext,
  type LoadedCredentials,
} from './server-credentials.js';
