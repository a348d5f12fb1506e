/**
 * SSE load over HTTP/2 for the TLS bench, in its own process (driven over
 * IPC by test/bench/tls.ts): N subscribers multiplexed on a few HTTP/2
 * connections, as browsers put a page's EventSources on one connection.
 * Streams scan what arrives for `data: ` (no SSE parser). The publisher
 * lives here too, so the publish stamp in each event and the arrival time
 * come from the same clock.
 *
 * Commands (process.send → reply):
 *   { cmd: 'connect', url, path, ca, connections, streams } → { alive }
 *   { cmd: 'latency', pub, json, seconds, rate, size }        → { p50, p99, received, expected }
 *   { cmd: 'flood', pub, json, seconds, window, size }        → { deliveries, seconds, alive }
 *   { cmd: 'close' }                                          → exits
 */
import http from 'node:http';
import http2 from 'node:http2';

const MARK = Buffer.from('data: ');
let mode: 'idle' | 'latency' | 'count' = 'idle';
let delivered = 0;
let latencies: number[] = [];
let alive = 0;
const sessions: http2.ClientHttp2Session[] = [];

/** The publish stamp (digits and a dot, then a space) at `i`; NaN when cut off. */
function stampAt(buf: Buffer, i: number): number {
  const end = buf.indexOf(0x20, i);
  return end < 0 ? NaN : Number(buf.toString('latin1', i, end));
}

/** Counts the events of whole events' bytes (and reads stamps while measuring latency). */
function scan(buf: Buffer): void {
  const now = mode === 'latency' ? performance.now() : 0;
  for (let i = buf.indexOf(MARK); i >= 0; i = buf.indexOf(MARK, i + MARK.length)) {
    delivered++;
    if (mode === 'latency') {
      const stamp = stampAt(buf, i + MARK.length);
      if (!Number.isNaN(stamp)) latencies.push(now - stamp);
    }
  }
}

const END = Buffer.from('\n\n');

/** A stream's data handler: events cut across DATA frames are carried to the next one. */
function eventReader(): (chunk: Buffer) => void {
  let carry: Buffer | null = null;
  return (chunk) => {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    const last = buf.lastIndexOf(END);
    carry = last + 2 < buf.length ? Buffer.from(buf.subarray(last + 2)) : null;
    if (mode !== 'idle' && last >= 0) scan(buf.subarray(0, last + 2));
  };
}

function openStream(session: http2.ClientHttp2Session, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = session.request({ ':path': path, accept: 'text/event-stream' });
    const onData = eventReader();
    req.on('response', (h) => {
      const ok = h[':status'] === 200;
      if (ok) alive++;
      resolve(ok);
    });
    req.on('data', onData);
    req.on('close', () => {
      alive--;
      resolve(false);
    });
    req.on('error', () => {});
  });
}

async function connect(url: string, path: string, ca: string, connections: number, streams: number) {
  for (let c = 0; c < connections; c++) {
    const session = http2.connect(url, { ca, peerMaxConcurrentStreams: streams * 2 });
    session.on('error', () => {});
    await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
    sessions.push(session);
    await Promise.all(Array.from({ length: streams }, () => openStream(session, path)));
  }
  return { alive };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
let asJson = false;

function publish(pub: string, text: string): Promise<void> {
  const data = asJson ? JSON.stringify({ data: text }) : text;
  return new Promise((resolve) => {
    const req = http.request(
      pub,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': asJson ? 'application/json' : 'text/plain',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.end(data);
  });
}

const payload = (size: number) => {
  const stamp = `${performance.now().toFixed(3)} `;
  return stamp + 'x'.repeat(Math.max(0, size - stamp.length));
};

async function latency(pub: string, seconds: number, rate: number, size: number) {
  latencies = [];
  delivered = 0;
  mode = 'latency';
  const n = Math.round(seconds * rate);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    void publish(pub, payload(size));
  }
  await new Promise((r) => setTimeout(r, 1500));
  mode = 'idle';
  const s = latencies.sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), received: delivered, expected: n * alive };
}

async function flood(pub: string, seconds: number, window: number, size: number) {
  delivered = 0;
  mode = 'count';
  const end = performance.now() + seconds * 1000;
  const data = payload(size);
  const worker = async () => {
    while (performance.now() < end) await publish(pub, data);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: window }, worker));
  const took = (performance.now() - start) / 1000;
  const counted = delivered;
  await new Promise((r) => setTimeout(r, 1000));
  mode = 'idle';
  return { deliveries: counted, seconds: took, alive };
}

process.on('message', async (m: { cmd: string; [k: string]: unknown }) => {
  let reply: unknown;
  if (typeof m.json === 'boolean') asJson = m.json;
  if (m.cmd === 'connect')
    reply = await connect(
      m.url as string,
      m.path as string,
      m.ca as string,
      m.connections as number,
      m.streams as number,
    );
  else if (m.cmd === 'latency')
    reply = await latency(m.pub as string, m.seconds as number, m.rate as number, m.size as number);
  else if (m.cmd === 'flood')
    reply = await flood(m.pub as string, m.seconds as number, m.window as number, m.size as number);
  else if (m.cmd === 'close') {
    for (const s of sessions) s.destroy();
    agent.destroy();
    process.send!({ ok: true }, () => process.exit(0));
    return;
  }
  process.send!(reply);
});
process.send!({ ready: true });
