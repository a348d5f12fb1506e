/**
 * UDP health probe: send one datagram (`send`, default empty) and wait for a
 * reply that contains `expect` (any reply when `expect` is unset). An ICMP
 * port-unreachable surfaces as ECONNREFUSED on the connected socket and fails
 * at once; silence fails at the checker's timeout.
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

/** Probes with one datagram and its reply. */
export class UdpProbe implements Probe {
  constructor(private readonly options: UdpProbeOptions = {}) {}

  explain(): string {
    const { send, expect } = this.options;
    return `UDP send ${JSON.stringify(send ?? '')}, expect ${expect !== undefined ? JSON.stringify(expect) : 'a reply'}`;
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
        try { socket.close(); } catch { /* already closed */ }
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(new ProbeError('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err: NodeJS.ErrnoException) => finish(new ProbeError(err.code === 'ECONNREFUSED' ? 'port unreachable (ICMP)' : `${err.code ?? 'error'} ${err.message}`)));
      socket.on('message', (msg: Buffer) => {
        if (expect === undefined || msg.toString('latin1').includes(expect)) finish();
      });
      socket.connect(target.port, target.host, () => {
        if (!done) socket.send(Buffer.from(send ?? '', 'latin1'), (err) => { if (err) finish(new ProbeError(`${(err as NodeJS.ErrnoException).code ?? 'error'} ${err.message}`)); });
      });
    });
  }
}
