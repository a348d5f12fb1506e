/**
 * The bare-Node peers of the small-response bench, each in its own process:
 *
 *   logged PORT    Node's HTTP server doing the job a `respond` route does:
 *                  a traffic record per exchange (the fields Sluice keeps)
 *                  in a 1000-record ring, finished by a 'close' listener
 *                  with the sent head and outcome, the status counted, the
 *                  route's CORS header in the head. The floor for keeping
 *                  a traffic log on this runtime.
 *   cluster PORT   `res.end('ok')` in two `cluster` workers sharing the
 *                  listen socket: what more processes give on this machine.
 */
import cluster from 'node:cluster';
import http from 'node:http';

const RING = 1000;
const HEAD = Object.freeze({
  'access-control-allow-origin': '*',
  'content-type': 'text/plain; charset=utf-8',
  'content-length': 2,
});
const BODY = Buffer.from('ok');

interface TrafficRecord {
  id: number;
  method: string | undefined;
  url: string | undefined;
  client: string | undefined;
  startedAt: number;
  requestHeaders: http.IncomingHttpHeaders;
  status: number | undefined;
  headerBlock: string | undefined;
  bytesOut: number;
  durationMs: number | undefined;
  outcome: string;
  chunks: unknown[];
  events: unknown[];
}

/** A response that carries its record (as Sluice's carries its exchange). */
type Logged = http.ServerResponse & { record?: TrafficRecord };

function logged(port: number): void {
  const ring: (TrafficRecord | undefined)[] = new Array<TrafficRecord | undefined>(RING).fill(undefined);
  const byClass = [0, 0, 0, 0, 0, 0];
  let next = 0;
  function finish(this: Logged): void {
    const rec = this.record!;
    rec.durationMs = performance.now() - rec.startedAt;
    rec.status = this.statusCode;
    rec.headerBlock = (this as http.ServerResponse & { _header?: string })._header;
    rec.outcome = this.writableFinished ? 'complete' : 'closed';
    byClass[Math.floor(rec.status / 100)]!++;
  }
  http
    .createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      const rec: TrafficRecord = {
        id: next,
        method: req.method,
        url: req.url,
        client: req.socket.remoteAddress,
        startedAt: performance.now(),
        requestHeaders: req.headers,
        status: undefined,
        headerBlock: undefined,
        bytesOut: 0,
        durationMs: undefined,
        outcome: 'open',
        chunks: [],
        events: [],
      };
      ring[next++ % RING] = rec;
      (res as Logged).record = rec;
      res.on('close', finish);
      res.writeHead(200, HEAD);
      rec.bytesOut += BODY.length;
      res.end(BODY);
    })
    .listen(port, '127.0.0.1');
}

function clustered(port: number): void {
  if (cluster.isPrimary) {
    // Workers accept on the shared socket themselves (no round-robin hand-off through the primary).
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    for (let i = 0; i < 2; i++) cluster.fork();
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill();
      process.exit(0);
    });
    return;
  }
  http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => res.end('ok')).listen(port, '127.0.0.1');
}

const [mode, port] = [process.argv[2], Number(process.argv[3])];
if (mode === 'logged') logged(port);
else if (mode === 'cluster') clustered(port);
else throw new Error(`small-server: unknown mode ${mode}`);
