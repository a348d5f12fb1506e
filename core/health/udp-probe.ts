/**
 * UDP health probe: send one datagram (`send`, default empty). With `expect`,
 * healthy means a reply containing it arrives (silence fails at the checker's
 * timeout). Without `expect`, many UDP services never answer a probe they do
 * not understand, so healthy means no ICMP port-unreachable within SILENCE_OK_MS
 * (or any reply). An ICMP refusal surfaces as ECONNREFUSED on the connected
 * socket and fails at once.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { parseAddress } from '../config/index.js';
import { ProbeError, type Probe } from './probe.js';

/** Settings of a UDP probe. */
export interface UdpProbeOptions {
  send?: string;
  expect?: string;
}

/** Without `expect`: silence this long (no ICMP error) counts as healthy. */
export const SILENCE_OK_MS = 150;

/** Probes with one datagram and its reply. */
export class UdpProbe implements Probe {
  constructor(private readonly options: UdpProbeOptions = {}) {}

  explain(): string {
    const { send, expect } = this.options;
    return `UDP send ${JSON.stringify(send ?? '')}, ${expect !== undefined ? `expect ${JSON.stringify(expect)}` : 'healthy unless the port is unreachable'}`;
  }

  check(address: string, signal: AbortSignal): Promise<void> {
    const target = parseAddress(address);
    if (!target) return Promise.reject(new ProbeError(`bad address ${address}`));
    const { send, expect } = this.options;
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
      let done = false;
      const finish = (err?: ProbeError) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        try {
          socket.close();
        } catch {
          /* already closed */
        }
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(new ProbeError('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err: NodeJS.ErrnoException) =>
        finish(
          new ProbeError(
            err.code === 'ECONNREFUSED' ? 'port unreachable (ICMP)' : `${err.code ?? 'error'} ${err.message}`,
          ),
        ),
      );
      socket.on('message', (msg: Buffer) => {
        if (expect === undefined || msg.toString('latin1').includes(expect)) finish();
      });
      socket.connect(target.port, target.host, () => {
        if (done) return;
        socket.send(Buffer.from(send ?? '', 'latin1'), (err) => {
          if (err) finish(new ProbeError(`${(err as NodeJS.ErrnoException).code ?? 'error'} ${err.message}`));
        });
        if (expect === undefined) setTimeout(() => finish(), SILENCE_OK_MS);
      });
    });
  }
}
