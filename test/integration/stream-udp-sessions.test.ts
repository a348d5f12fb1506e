/**
 * UDP sessions as a client of the balancer sees them, with real sockets:
 * `proxy_responses: 0` (fire and forget, as for syslog or statsd) ends each
 * session once its datagram is sent, and `proxy_responses: 1` ping-pong reuses
 * the parked socket for the same client's next request — one upstream source
 * port for many sessions — while another client gets its own.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { waitFor } from '../helpers/wait.js';

/** An upstream that notes every datagram's source port, and echoes it back when `echo`. */
async function upstream(echo: boolean): Promise<{ port: number; from: number[]; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const from: number[] = [];
  socket.on('message', (msg, r) => {
    from.push(r.port);
    if (echo) socket.send(msg, r.port, r.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, from, close: () => socket.close() };
}

async function client(addr: string): Promise<{ got: string[]; send(text: string): void; close(): void }> {
  const [host, port] = addr.split(':');
  const socket = dgram.createSocket('udp4');
  const got: string[] = [];
  socket.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { got, send: (text) => socket.send(text, Number(port), host), close: () => socket.close() };
}

describe('stream udp: sessions', () => {
  const cleanup: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function engine(servers: string, port: number): Promise<TestEngine> {
    const t = await startEngine(`
stream:
  upstreams: [ { name: u, servers: [ { address: 127.0.0.1:${port} } ] } ]
  servers:
${servers}`);
    cleanup.push(() => t.stop());
    return t;
  }

  it('proxy_responses: 0 forwards every datagram and ends each session at once, without counting a failure', async () => {
    const sink = await upstream(true);
    cleanup.push(() => sink.close());
    const t = await engine(
      '    - { name: logs, listen: 0, protocol: udp, upstream: u, proxy_responses: 0, proxy_timeout: 1m }\n',
      sink.port,
    );
    const c = await client(t.addr('logs'));
    cleanup.push(() => c.close());
    const listener = t.engine.services.counters.get('listener', 'logs');
    for (let i = 0; i < 5; i++) {
      c.send(`line ${i}`);
      await waitFor(() => sink.from.length === i + 1, `datagram ${i} at the upstream`);
      // Ended once sent, not after proxy_timeout (a minute): the next datagram opens a new session.
      await waitFor(() => listener.active === 0, `session ${i} to end`);
    }
    assert.equal(listener.requests, 5, 'one session per datagram');
    const server = t.modules.streamUpstreams.servers()[0]!;
    assert.equal(server.failures, 0, 'no reply was expected, so none missing is a failure');
    assert.equal(server.health, 'up');
  });

  it('proxy_responses: 1 ping-pong reuses the parked socket of the same client; another client gets its own', async () => {
    const echo = await upstream(true);
    cleanup.push(() => echo.close());
    const t = await engine(
      '    - { name: dns, listen: 0, protocol: udp, upstream: u, proxy_responses: 1, proxy_timeout: 1m }\n',
      echo.port,
    );
    const listener = t.engine.services.counters.get('listener', 'dns');
    const a = await client(t.addr('dns'));
    const b = await client(t.addr('dns'));
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    for (let i = 0; i < 4; i++) {
      a.send(`a${i}`);
      await waitFor(() => a.got.length === i + 1, `reply ${i} to a`);
      await waitFor(() => listener.active === 0, `a's session ${i} to end with its reply`);
    }
    assert.deepEqual(a.got, ['a0', 'a1', 'a2', 'a3']);
    assert.equal(listener.requests, 4, 'four sessions');
    assert.equal(new Set(echo.from).size, 1, `one upstream socket for them: source ports ${echo.from.join(', ')}`);
    b.send('b0');
    await waitFor(() => b.got.length === 1, 'the reply to b');
    assert.deepEqual(b.got, ['b0']);
    assert.equal(new Set(echo.from).size, 2, 'the other client has a socket of its own');
    assert.equal(a.got.length, 4, "b's reply did not go to a");
  });
});
