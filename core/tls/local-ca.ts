/**
 * Sluice's local certificate authority, one per install: created on first
 * use in the data directory, its key readable by the user only (0600).
 * `tls: {}` listeners get leaf certificates issued on demand, cached in
 * memory and on disk, so a restart serves the same certificate and a
 * browser told to trust the CA (by file or by its SPKI hash) keeps trusting.
 *
 *   <home>/ca/ca.pem        the CA certificate (what users trust)
 *   <home>/ca/ca-key.pem    its private key (0600)
 *   <home>/ca/leaves/*.pem  issued leaves: certificate + key (0600)
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { dataDir } from '../util/data-dir.js';
import { createCa, createLeaf, importSigningKey, type IssuedCertificate, type Signer } from './issue.js';
import { parseCertificates, parsePrivateKey } from './pem-files.js';
import { x509 } from './x509.js';

const DAY = 86_400_000;
/** The CA lasts ten years: re-trusting it is a chore, and its key never leaves this machine. */
export const CA_VALIDITY_DAYS = 3650;
/** Leaves stay under the 398 days browsers and macOS accept for server certificates. */
export const LEAF_VALIDITY_DAYS = 397;
/** A cached leaf this close to expiry (or a CA this close) is replaced. */
export const RENEW_BEFORE_DAYS = 30;
/** Clocks of a browser and this machine may differ a little: certificates start an hour back. */
const BACKDATE_MS = 3_600_000;

/** Where the CA lives and how time is read (tests inject both). */
export interface LocalCaOptions {
  /** The data directory (default: SLUICE_HOME or the platform's). */
  home?: string;
  now?: () => number;
}

/** A leaf issued for a set of hosts: its chain (leaf + CA) and key, as a TLS server takes them. */
export interface LeafCertificate {
  chain: string;
  key: string;
  hosts: string[];
  notAfter: Date;
}

/** The local CA: its certificate on disk, and leaves issued on demand. */
export class LocalCa {
  private readonly ready = new Map<string, LeafCertificate>();
  private readonly pending = new Map<string, Promise<LeafCertificate>>();

  private constructor(
    /** Path of the CA certificate (PEM): what `NODE_EXTRA_CA_CERTS` or curl `--cacert` take. */
    readonly certPath: string,
    /** The CA certificate, PEM. */
    readonly certPem: string,
    private readonly signer: Signer,
    private readonly leafDir: string,
    private readonly now: () => number,
  ) {}

  /** Loads the install's CA, creating it on first use (or when it is about to expire). */
  static async open(opts: LocalCaOptions = {}): Promise<LocalCa> {
    const now = opts.now ?? Date.now;
    const dir = join(opts.home ?? dataDir(), 'ca');
    const paths = { cert: join(dir, 'ca.pem'), key: join(dir, 'ca-key.pem') };
    let loaded = await loadCa(paths, now);
    if (!loaded) {
      await createCaDir(dir, now);
      loaded = await loadCa(paths, now);
      if (!loaded) throw new Error(`could not create the local CA in ${dir}`);
    }
    return new LocalCa(paths.cert, loaded.certPem, loaded.signer, join(dir, 'leaves'), now);
  }

  /** Base64 SHA-256 of the CA's SubjectPublicKeyInfo (Chromium's `--ignore-certificate-errors-spki-list`). */
  spki(): string {
    return spkiHash(this.certPem);
  }

  /** A leaf certificate for `hosts` (names and IPs): from memory, else from disk, else newly issued. */
  leaf(hosts: readonly string[]): Promise<LeafCertificate> {
    const names = [...new Set(hosts.map((h) => h.toLowerCase()))].sort();
    const key = names.join(',');
    const have = this.ready.get(key);
    // A long-running engine renews a leaf in memory as it nears its end.
    if (have && !this.expiring(have.notAfter)) return Promise.resolve(have);
    let p = this.pending.get(key);
    if (!p) {
      p = (have ? this.issue(names) : this.loadOrIssue(names))
        .then((leaf) => {
          this.ready.set(key, leaf);
          return leaf;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  private expiring(notAfter: Date): boolean {
    return notAfter.getTime() - this.now() < RENEW_BEFORE_DAYS * DAY;
  }

  private leafFile(names: string[]): string {
    return join(this.leafDir, `${createHash('sha256').update(names.join(',')).digest('hex').slice(0, 24)}.pem`);
  }

  private async loadOrIssue(names: string[]): Promise<LeafCertificate> {
    const file = this.leafFile(names);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    const stored = text === undefined ? undefined : this.validStoredLeaf(text, names);
    return stored ?? this.issue(names);
  }

  /** A stored leaf, if it was issued by this CA for exactly these names and is not near its end. */
  private validStoredLeaf(text: string, names: string[]): LeafCertificate | undefined {
    try {
      const { certs, pem } = parseCertificates(text, 'leaf');
      const key = parsePrivateKey(text, 'leaf');
      const leaf = certs[0]!;
      const ca = new X509Certificate(this.certPem);
      const notAfter = new Date(leaf.validTo);
      if (
        !leaf.checkIssued(ca) ||
        !leaf.verify(ca.publicKey) ||
        !leaf.checkPrivateKey(key.key) ||
        this.expiring(notAfter)
      )
        return undefined;
      if (sanNames(leaf).join(',') !== names.join(',')) return undefined;
      return { chain: this.chain(pem[0]!), key: key.pem, hosts: names, notAfter };
    } catch {
      return undefined;
    }
  }

  /** What a server sends: the leaf, then this CA (clients that trust the CA can build the path). */
  private chain(leafPem: string): string {
    return `${leafPem.trim()}\n${this.certPem.trim()}\n`;
  }

  private async issue(names: string[]): Promise<LeafCertificate> {
    const now = this.now();
    const notAfter = new Date(now + LEAF_VALIDITY_DAYS * DAY);
    const issued = await createLeaf(names, this.signer, { notBefore: new Date(now - BACKDATE_MS), notAfter });
    await mkdir(this.leafDir, { recursive: true, mode: 0o700 });
    // Written whole under a temporary name, then renamed: a concurrent reader never sees half a file.
    await writeAtomic(this.leafFile(names), `${issued.cert}\n${issued.key}`, 0o600).catch(() => {});
    return { chain: this.chain(issued.cert), key: issued.key, hosts: names, notAfter };
  }
}

/** Base64 SHA-256 of a certificate's SubjectPublicKeyInfo (the certificate given as PEM). */
export function spkiHash(certPem: string): string {
  const cert = new x509.X509Certificate(certPem);
  return createHash('sha256').update(Buffer.from(cert.publicKey.rawData)).digest('base64');
}

/** The DNS names and IPs a certificate's subjectAltName lists, lowercased and sorted. */
function sanNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .map((e) => e.replace(/^(DNS|IP Address):/, '').toLowerCase())
    .filter(Boolean)
    .sort();
}

async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}

/** Reads the CA when present, usable and not near its end; tightens a key file others can read. */
async function loadCa(
  paths: { cert: string; key: string },
  now: () => number,
): Promise<{ certPem: string; signer: Signer } | undefined> {
  let certText: string;
  let keyText: string;
  try {
    [certText, keyText] = await Promise.all([readFile(paths.cert, 'utf8'), readFile(paths.key, 'utf8')]);
  } catch {
    return undefined;
  }
  const certPem = parseCertificates(certText, paths.cert).pem[0]!;
  const key = parsePrivateKey(keyText, paths.key);
  const node = new X509Certificate(certPem);
  if (!node.ca || !node.checkPrivateKey(key.key))
    throw new Error(
      `${paths.key} does not belong to the CA certificate ${paths.cert}; delete the folder to make a new CA`,
    );
  if (new Date(node.validTo).getTime() - now() < RENEW_BEFORE_DAYS * DAY) return undefined;
  if (process.platform !== 'win32' && ((await stat(paths.key)).mode & 0o077) !== 0) await chmod(paths.key, 0o600);
  return { certPem, signer: { cert: new x509.X509Certificate(certPem), key: await importSigningKey(key.pem) } };
}

/**
 * Creates a CA in a temporary folder and renames it into place, so two
 * processes starting at once end up sharing one CA: the loser's rename
 * fails and it reads the winner's. An expiring CA is moved aside first.
 */
async function createCaDir(dir: string, now: () => number): Promise<void> {
  const home = join(dir, '..');
  await mkdir(home, { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      `cannot create the data directory ${home} (${err.code ?? err.message}); set SLUICE_HOME to a folder you can write`,
    );
  });
  const existing = await stat(join(dir, 'ca.pem')).catch(() => undefined);
  if (existing)
    await rename(dir, `${dir}.old-${new Date(now()).toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`);
  const t = now();
  const ca: IssuedCertificate = await createCa(caSubject(), {
    notBefore: new Date(t - BACKDATE_MS),
    notAfter: new Date(t + CA_VALIDITY_DAYS * DAY),
  });
  const tmp = `${dir}.${randomBytes(6).toString('hex')}.tmp`;
  await mkdir(tmp, { mode: 0o700 });
  await writeFile(join(tmp, 'ca-key.pem'), ca.key, { mode: 0o600 });
  await writeFile(join(tmp, 'ca.pem'), ca.cert, { mode: 0o644 });
  try {
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw err;
  }
}

/** A subject that tells whose CA this is when it shows up in a certificate viewer or trust store. */
function caSubject(): string {
  let who = 'sluice';
  try {
    who = `${userInfo().username}@${hostname()}`;
  } catch {
    // no user entry (some containers): keep the plain name
  }
  const clean = who.replace(/[,+="\\<>;#]/g, '');
  return `CN=Sluice local CA ${randomBytes(4).toString('hex')}, OU=${clean}, O=Sluice local CA`;
}
