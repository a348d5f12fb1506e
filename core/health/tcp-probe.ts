/**
 * TCP health probe: connect to the server; when `send` is set, write it and
 * wait until the reply contains `expect` (or, without `expect`, any reply).
 * The connection is closed right after, so probes never hold sockets. Replies
 * are read up to 64 KiB.
 */
import net from 'node:net';
import { parseAddress } from '../config/index.js';
import { ProbeError, type Probe } from './probe.js';

/** Settings of a TCP probe. */
export interface TcpProbeOptions {
  /** Bytes written after connecting. */
  send?: string;
  /** The reply must contain this. */
  expect?: string;
}

const MAX_REPLY = 64 * 1024;

/** Probes by connecting (and optionally a send/expect exchange). */
export class TcpProbe implements Probe {
  constructor(private readonly options: TcpProbeOptions = {}) {}

  explain(): string {
    const { send, expect } = this.options;
    if (send === undefined && expect === undefined) return 'TCP connect';
    return `TCP connect${send !== undefined ? `, send ${JSON.stringify(send)}` : ''}${expect !== undefined ? `, expect ${JSON.stringify(expect)}` : ', expect a reply'}`;
  }

  check(address: string, signal: AbortSignal): Promise<void> {
    const target = parseAddress(address);
    if (!target) return Promise.reject(new ProbeError(`bad address ${address}`));
    const { send, expect } = this.options;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port });
      let reply = '';
      const finish = (err?: ProbeError) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(new ProbeError('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err: NodeJS.ErrnoException) =>
        finish(new ProbeError(`${err.code ?? 'error'} ${err.message.replace(/^.*?: /, '')}`.trim())),
      );
      socket.on('connect', () => {
        if (send === undefined && expect === undefined) return finish();
        if (send !== undefined) socket.write(send);
      });
      socket.on('data', (chunk: Buffer) => {
        reply = (reply + chunk.toString('latin1')).slice(-MAX_REPLY);
        if (expect === undefined || reply.includes(expect)) finish();
      });
      socket.on('end', () =>
        finish(
          new ProbeError(
            expect !== undefined ? `reply did not contain ${JSON.stringify(expect)}` : 'closed without a reply',
          ),
        ),
      );
    });
  }
}
