/**
 * HTTP health probe: `GET path` on the server; healthy when the status is in
 * the expected list (default any 2xx or 3xx). The body is drained and the
 * connection closed, so probes never hold sockets.
 */
import http from 'node:http';
import { parseAddress } from '../config/index.js';
import { ProbeError, type Probe } from './probe.js';

/** Settings of an HTTP probe. */
export interface HttpProbeOptions {
  path: string;
  /** Expected statuses; undefined = any 2xx/3xx. */
  status?: number[];
  /** Host header; default the server's address. */
  host?: string;
}

/** Probes `GET path` over a fresh connection. */
export class HttpProbe implements Probe {
  constructor(private readonly options: HttpProbeOptions) {}

  explain(): string {
    const expect = this.options.status?.join('/') ?? '2xx/3xx';
    return `GET ${this.options.path} expecting ${expect}`;
  }

  check(address: string, signal: AbortSignal): Promise<void> {
    const target = parseAddress(address);
    if (!target) return Promise.reject(new ProbeError(`bad address ${address}`));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: target.host,
          port: target.port,
          path: this.options.path,
          method: 'GET',
          agent: false,
          signal,
          headers: { host: this.options.host ?? address, 'user-agent': 'sluice-health-check', connection: 'close' },
        },
        (res) => {
          const code = res.statusCode ?? 0;
          res.resume();
          res.on('error', () => {});
          if (this.expected(code)) resolve();
          else reject(new ProbeError(`GET ${this.options.path} answered ${code}`));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          new ProbeError(
            err.code === 'ABORT_ERR' ? 'aborted' : `${err.code ?? 'error'} ${err.message.replace(/^.*?: /, '')}`.trim(),
          ),
        ),
      );
      req.end();
    });
  }

  private expected(code: number): boolean {
    return this.options.status ? this.options.status.includes(code) : code >= 200 && code < 400;
  }
}
