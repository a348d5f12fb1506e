/**
 * The certificate an HTTPS listener serves, and one read ahead of an apply:
 * prepare() reads the next definition's files before anything changes (a bad
 * file fails the apply), update() then takes what was read instead of
 * reading again.
 */
import { parseAddress, stableJson, type HttpServerConfig } from '../config/index.js';
import { loadServerCredentials, type CaSource, type LoadedCredentials } from '../tls/index.js';
import { SluiceError } from '../util/errors.js';

/** What decides a listener's certificate: its tls block and (for `tls: {}`) its listen host. */
function credentialsKey(server: HttpServerConfig): string {
  return stableJson({ tls: server.tls, listen: server.listen });
}

/** A listener's served and read-ahead certificates. */
export class ListenerCertificates {
  private served: LoadedCredentials | undefined;
  private held: { key: string; creds: LoadedCredentials } | undefined;

  constructor(
    private readonly ca: CaSource,
    /** Relative certificate paths resolve against this. */
    private readonly baseDir: string,
  ) {}

  /** The certificate of `server` (which has tls): the one held for the same settings, else read from its source. */
  async read(server: HttpServerConfig): Promise<LoadedCredentials> {
    const held = this.held;
    this.held = undefined;
    if (held && held.key === credentialsKey(server)) return held.creds;
    try {
      return await loadServerCredentials(server.tls!, {
        listenHost: parseAddress(server.listen)?.host ?? '127.0.0.1',
        baseDir: this.baseDir,
        ca: this.ca,
      });
    } catch (err) {
      throw new SluiceError('E_TLS', `${server.name}: ${(err as Error).message}`);
    }
  }

  /** Keeps what prepare() read for the update that follows. */
  hold(server: HttpServerConfig, creds: LoadedCredentials): void {
    this.held = { key: credentialsKey(server), creds };
  }

  /** Records `creds` as served; true when they differ from what was served (a new secure context is due). */
  serve(creds: LoadedCredentials | undefined): boolean {
    const old = this.served;
    this.served = creds;
    return !!creds && !(old && old.chain === creds.chain && old.key === creds.key);
  }
}
