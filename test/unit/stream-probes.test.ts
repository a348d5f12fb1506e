/**
 * The stream health probes against real loopback sockets: TCP connect and
 * send/expect, UDP reply/expect, ICMP refusals and silent UDP services.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { TcpProbe } from '../../core/health/tcp-probe.js';
import { UdpProbe } from '../../core/health/udp-probe.js';
import { freePort } from '../bench/harness.js';

const signal = (ms = 1000) => AbortSignal.timeout(ms);

async function tcpServer(onConn: (s: net.Socket) => void): Promise<{ addr: string; close(): void }> {
  const server = net.createServer(onConn);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { addr: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() };
}

async function udpServer(reply: boolean): Promise<{ addr: string; close(): void }> {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => {
    if (reply) s.send(Buffer.concat([Buffer.from('re:'), m]), r.port, r.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { addr: `127.0.0.1:${s.address().port}`, close: () => s.close() };
}

describe('stream health probes', () => {
  it('tcp: connect, send/expect, refused', async () => {
    const srv = await tcpServer((s) =>
      s.on('data', (d) => s.write(String(d).includes('PING') ? '+PONG\r\n' : '-ERR\r\n')),
    );
    await new TcpProbe().check(srv.addr, signal());
    await new TcpProbe({ send: 'PING\r\n', expect: '+PONG' }).check(srv.addr, signal());
    await assert.rejects(new TcpProbe({ send: 'HELLO\r\n', expect: '+PONG' }).check(srv.addr, signal(300)));
    srv.close();
    const dead = await freePort();
    await assert.rejects(new TcpProbe().check(`127.0.0.1:${dead}`, signal()), /ECONNREFUSED/);
  });

  it('udp: reply with expect, silence without expect, ICMP refusal', async () => {
    const echo = await udpServer(true);
    const silent = await udpServer(false);
    await new UdpProbe({ send: 'ping', expect: 're:ping' }).check(echo.addr, signal());
    await new UdpProbe().check(silent.addr, signal());
    await assert.rejects(new UdpProbe({ send: 'ping', expect: 'pong' }).check(silent.addr, signal(300)));
    const dead = await freePort();
    await assert.rejects(new UdpProbe().check(`127.0.0.1:${dead}`, signal()), /unreachable/);
    echo.close();
    silent.close();
  });
});
