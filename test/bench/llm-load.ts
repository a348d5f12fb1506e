/**
 * Load generator of the llm bench, in its own process (driven over IPC by
 * test/bench/llm.ts). Each stream is a raw TCP socket that POSTs one
 * streaming chat completion and scans what arrives for `data: ` marks — no
 * HTTP or SSE parser, so the generator stays lean. The first mark is the
 * role chunk (sent with the headers); mark k ≥ 1 is token k-1, due at
 * headers + first + (k-1)/rate. Lateness is arrival minus that.
 *
 *   { cmd: 'run', port, streams, rampMs, tokens, rate, first } → results
 *   { cmd: 'close' } → exits
 */
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const MARK = Buffer.from('data: ');
const DONE = Buffer.from('data: [DONE]');
const BODY = JSON.stringify({ model: 'gpt-bench', stream: true, messages: [{ role: 'user', content: 'go' }] });

interface Run {
  port: number;
  streams: number;
  rampMs: number;
  tokens: number;
  rate: number;
  first: number;
}

/** Results of one run. */
interface Result {
  completed: number;
  failed: number;
  deliveries: number;
  seconds: number;
  lateness: { p50: number; p99: number; max: number };
  loopP99: number;
  openAt: number;
}

const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

async function run(r: Run): Promise<Result> {
  const gap = 1000 / r.rate;
  const late = new Float64Array(r.streams * r.tokens);
  let lateN = 0;
  let deliveries = 0;
  let firstArrival = Infinity;
  let lastArrival = 0;
  let completed = 0;
  let failed = 0;
  let open = 0;
  let maxOpen = 0;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const done = new Promise<void>((resolve) => {
    const finish = () => {
      if (completed + failed === r.streams) resolve();
    };
    const one = () => {
      let headersAt = -1;
      let marks = 0;
      let carry: Buffer | null = null;
      let head = '';
      let ended = false;
      const end = (ok: boolean) => {
        if (ended) return;
        ended = true;
        open--;
        if (ok) completed++;
        else failed++;
        socket.destroy();
        finish();
      };
      const scan = (buf: Buffer, now: number) => {
        if (carry) {
          buf = Buffer.concat([carry, buf]);
          carry = null;
        }
        let i = buf.indexOf(MARK);
        while (i >= 0) {
          if (buf.length - i < DONE.length) {
            carry = Buffer.from(buf.subarray(i));
            return;
          }
          if (buf.subarray(i, i + DONE.length).equals(DONE)) return end(true);
          if (marks >= 1 && marks <= r.tokens) {
            late[lateN++] = now - (headersAt + r.first + (marks - 1) * gap);
            deliveries++;
            if (now < firstArrival) firstArrival = now;
            if (now > lastArrival) lastArrival = now;
          }
          marks++;
          i = buf.indexOf(MARK, i + MARK.length);
        }
        const tail = buf.subarray(Math.max(0, buf.length - (MARK.length - 1)));
        if (tail.includes(0x64)) carry = Buffer.from(tail);
      };
      const socket = net.connect({
        port: r.port,
        host: '127.0.0.1',
        onread: {
          buffer: READ_BUFFER,
          callback: (n, buf) => {
            const now = performance.now();
            let chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
            if (headersAt < 0) {
              const s = head + chunk.toString('latin1', 0, n);
              const k = s.indexOf('\r\n\r\n');
              if (k < 0) {
                head = s.slice(-4096);
                return true;
              }
              if (!s.startsWith('HTTP/1.1 200')) {
                end(false);
                return false;
              }
              headersAt = now;
              chunk = Buffer.from(s.slice(k + 4), 'latin1');
            }
            scan(chunk, now);
            return true;
          },
        },
      });
      socket.setNoDelay(true);
      socket.on('connect', () => {
        open++;
        maxOpen = Math.max(maxOpen, open);
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`,
        );
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (!ended) {
          ended = true;
          open = Math.max(0, open - 1);
          failed++;
          finish();
        }
      });
    };
    // Starts spread evenly over the ramp, so token writes spread over the schedule as steady traffic does.
    const t0 = performance.now();
    let started = 0;
    const tick = () => {
      const due = Math.min(r.streams, Math.ceil(((performance.now() - t0) / r.rampMs) * r.streams));
      while (started < due) {
        started++;
        one();
      }
      if (started < r.streams) setTimeout(tick, 1);
    };
    tick();
  });
  const openAt = new Promise<number>((resolve) => {
    // Open streams at the ramp's end plus a second: the moment the bench samples server RSS.
    setTimeout(() => resolve(open), r.rampMs + 1000);
  });
  const [openNow] = await Promise.all([openAt, done]);
  loop.disable();
  const sorted = late.slice(0, lateN).sort();
  return {
    completed,
    failed,
    deliveries,
    seconds: (lastArrival - firstArrival) / 1000,
    lateness: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN },
    loopP99: loop.percentile(99) / 1e6,
    openAt: openNow,
  };
}

process.on('message', async (m: { cmd: string } & Partial<Run>) => {
  if (m.cmd === 'run') {
    process.send!(await run(m as Run));
  } else if (m.cmd === 'close') {
    process.send!({ ok: true }, () => process.exit(0));
  }
});
process.send!({ ready: true });
