/**
 * SSE load generator for the fan-out bench, in its own process (driven over
 * IPC by test/bench/sse.ts). Subscribers are raw TCP sockets that send one
 * GET and scan what arrives for `data: ` — no HTTP or SSE parser, so the
 * generator stays lean. The publisher lives here too, so the publish stamp
 * in each event and the arrival time come from the same clock.
 *
 * Commands (process.send → reply):
 *   { cmd: 'connect', port, path, total }         → { alive, failed }
 *   { cmd: 'latency', pub, seconds, rate, size }  → { samples, p50, p99, received, expected }
 *   { cmd: 'flood', pub, seconds, window, size }  → { deliveries, published, seconds }
 *   { cmd: 'close' }                              → exits
 */
import http from 'node:http';
import net from 'node:net';

interface Sub {
  socket: net.Socket;
  open: boolean;
  head: string;
  carry: Buffer | null;
}

const subs: Sub[] = [];
let mode: 'idle' | 'latency' | 'count' = 'idle';
let delivered = 0;
let latencies: number[] = [];
const MARK = Buffer.from('data: ');
const SPACE = 0x20;

/** Reads the publish stamp (digits and one dot) at `i`; NaN when incomplete. */
function stampAt(buf: Buffer, i: number): number {
  let int = 0;
  let frac = 0;
  let scale = 1;
  let dot = false;
  for (let k = i; k < buf.length; k++) {
    const c = buf[k]!;
    if (c === SPACE) return int + frac / scale;
    if (c === 0x2e) {
      dot = true;
      continue;
    }
    if (c < 0x30 || c > 0x39) return NaN;
    if (dot) {
      frac = frac * 10 + (c - 0x30);
      scale *= 10;
    } else int = int * 10 + (c - 0x30);
  }
  return NaN;
}

/** Counts `data: ` marks (and reads stamps while measuring latency); a mark split across reads is carried over. */
function scan(sub: Sub, buf: Buffer): void {
  if (sub.carry) {
    buf = Buffer.concat([sub.carry, buf]);
    sub.carry = null;
  }
  const now = mode === 'latency' ? performance.now() : 0;
  let i = buf.indexOf(MARK);
  let last = -1;
  while (i >= 0) {
    last = i;
    if (mode === 'latency') {
      const stamp = stampAt(buf, i + MARK.length);
      if (Number.isNaN(stamp) && buf.length - i < 48) break; // cut off mid-stamp: carried over below
      latencies.push(now - stamp);
    }
    delivered++;
    last = -1;
    i = buf.indexOf(MARK, i + MARK.length);
  }
  if (last >= 0) sub.carry = Buffer.from(buf.subarray(last));
  else if (buf.length >= MARK.length) {
    // The tail may hold the start of a mark ("dat"): keep the last 5 bytes when they could be one.
    const tail = buf.subarray(buf.length - (MARK.length - 1));
    if (tail.includes(0x64)) sub.carry = Buffer.from(tail);
  }
}

function onData(sub: Sub, buf: Buffer): void {
  if (!sub.open) {
    // Headers: wait for the status line; anything after the blank line is body.
    const s = sub.head + buf.toString('latin1');
    const end = s.indexOf('\r\n\r\n');
    if (end < 0) {
      sub.head = s.slice(-4096);
      return;
    }
    sub.open = s.startsWith('HTTP/1.1 200');
    sub.head = '';
    if (!sub.open) {
      sub.socket.destroy();
      return;
    }
    buf = Buffer.from(s.slice(end + 4), 'latin1');
  }
  if (mode !== 'idle') scan(sub, buf);
}

/** One read buffer shared by every socket (reads are handled synchronously): no allocation per read. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

function openOne(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sub: Sub = { socket: undefined as unknown as net.Socket, open: false, head: '', carry: null };
    const onread = (n: number, buf: Buffer) => {
      const was = sub.open;
      onData(sub, buf.subarray(0, n));
      if (!was && sub.open) {
        clearTimeout(timer);
        subs.push(sub);
        resolve(true);
      }
      return true;
    };
    const socket = net.connect({ port, host: '127.0.0.1', onread: { buffer: READ_BUFFER, callback: onread } });
    sub.socket = socket;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 15000);
    socket.setNoDelay(true);
    socket.on('connect', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`),
    );
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const i = subs.indexOf(sub);
      if (i >= 0) subs.splice(i, 1);
      if (!sub.open) resolve(false);
    });
  });
}

async function connect(port: number, path: string, total: number): Promise<{ alive: number; failed: number }> {
  let failed = 0;
  while (subs.length < total && failed < total) {
    const batch = Math.min(250, total - subs.length);
    const ok = await Promise.all(Array.from({ length: batch }, () => openOne(port, path)));
    failed += ok.filter((x) => !x).length;
  }
  return { alive: subs.length, failed };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** Publishes as a text body (nchan, minimal Node) or as Sluice's control API JSON (`{"data": …}`). */
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

/** A `size`-byte payload whose first field is the publish stamp. */
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
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    void publish(pub, payload(size));
  }
  await new Promise((r) => setTimeout(r, 1500));
  mode = 'idle';
  const s = latencies.sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { samples: s.length, p50: at(0.5), p99: at(0.99), received: delivered, expected: n * subs.length };
}

async function flood(pub: string, seconds: number, window: number, size: number) {
  delivered = 0;
  mode = 'count';
  let published = 0;
  const end = performance.now() + seconds * 1000;
  const data = payload(size);
  const worker = async () => {
    while (performance.now() < end) {
      await publish(pub, data);
      published++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: window }, worker));
  const took = (performance.now() - start) / 1000;
  const counted = delivered;
  await new Promise((r) => setTimeout(r, 1000)); // let queues drain before the next phase
  mode = 'idle';
  return { deliveries: counted, published, seconds: took, alive: subs.length };
}

process.on('message', async (m: { cmd: string; [k: string]: unknown }) => {
  let reply: unknown;
  if (typeof m.json === 'boolean') asJson = m.json;
  if (m.cmd === 'connect') reply = await connect(m.port as number, m.path as string, m.total as number);
  else if (m.cmd === 'latency')
    reply = await latency(m.pub as string, m.seconds as number, m.rate as number, m.size as number);
  else if (m.cmd === 'flood')
    reply = await flood(m.pub as string, m.seconds as number, m.window as number, m.size as number);
  else if (m.cmd === 'close') {
    // RST instead of FIN: no client-side TIME_WAIT, so the next server in the run gets the same ephemeral ports.
    for (const s of [...subs]) s.socket.resetAndDestroy();
    agent.destroy();
    process.send!({ ok: true }, () => process.exit(0));
    return;
  }
  process.send!(reply);
});
process.send!({ ready: true });
