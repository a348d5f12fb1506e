/**
 * The load the UI bench (and its e2e tests) put Sluice under: N HTTP
 * listeners, each with a `/health` answer and an endless SSE script at
 * 20 events/s; open SSE streams spread over the listeners; wrk hammering one
 * listener's `/health`.
 *
 *   wrk ─────────────▶ svc01 /health          (thousands of short requests/s)
 *   100 SSE clients ──▶ svcNN /events          (20 events/s each)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';

/** Listener names `svc01`, `svc02`…: sortable and short enough for a legend. */
export const listenerName = (i: number) => `svc${String(i + 1).padStart(2, '0')}`;

/** A config with `listeners` HTTP servers on the given ports (0: any free port). */
export function loadConfig(listeners: number, ports: number[] = []): string {
  const servers = Array.from(
    { length: listeners },
    (_, i) => `    - name: ${listenerName(i)}
      listen: 127.0.0.1:${ports[i] ?? 0}
      routes:
        - path: /health
          respond: { status: 200, body: ok }
        - path: /events
          sse:
            script:
              - { event: tick, data: '{"n": {{seq}}, "at": "{{now}}"}', every: 50ms, repeat: forever }
`,
  );
  return `version: 1\nhttp:\n  servers:\n${servers.join('')}`;
}

/** Open SSE streams and the events they received. */
export interface SseLoad {
  /** Streams currently open. */
  open(): number;
  /** Events received so far (every stream). */
  events(): number;
  close(): void;
}

/** Opens `count` SSE streams, round-robin over `bases` (`http://host:port`); resolves when all answered. */
export async function openStreams(bases: string[], count: number, path = '/events'): Promise<SseLoad> {
  const reqs: http.ClientRequest[] = [];
  let open = 0;
  let events = 0;
  const one = (base: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}${path}`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`${base}${path}: HTTP ${res.statusCode}`));
        open++;
        res.setEncoding('utf8');
        res.on('data', (s: string) => {
          events += s.split('\ndata:').length - 1 + (s.startsWith('data:') ? 1 : 0);
        });
        res.on('close', () => {
          open--;
        });
        resolve();
      });
      req.on('error', reject);
      reqs.push(req);
    });
  await Promise.all(Array.from({ length: count }, (_, i) => one(bases[i % bases.length]!)));
  return {
    open: () => open,
    events: () => events,
    close: () => {
      for (const r of reqs) r.destroy();
    },
  };
}

/** wrk running in the background; `stop()` ends it and resolves with its requests/s. */
export interface Wrk {
  stop(): Promise<number>;
}

/** Starts `wrk -t1 -cC -d10m URL` (stopped by `stop()` with SIGINT, which makes wrk print its summary). */
export function startWrk(url: string, connections = 16): Wrk {
  const proc: ChildProcess = spawn('wrk', ['-t1', `-c${connections}`, '-d600s', url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const done = new Promise<number>((resolve) => {
    proc.on('error', () => resolve(NaN));
    proc.on('close', () => resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN)));
  });
  return {
    stop: () => {
      if (proc.exitCode === null) proc.kill('SIGINT');
      setTimeout(() => {
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }, 3000).unref();
      return done;
    },
  };
}

/** Fires `total` short GETs at `url`, `concurrency` at a time, on keep-alive sockets; resolves when all answered. */
export async function burst(url: string, total: number, concurrency = 16): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await new Promise<void>((resolve) => {
        http
          .get(url, { agent }, (res) => {
            res.resume();
            res.on('end', resolve);
          })
          .on('error', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}
