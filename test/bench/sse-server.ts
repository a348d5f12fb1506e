/**
 * The SSE servers the fan-out bench starts in their own process:
 *
 *   sluice PORT PUBPORT  the Sluice engine with a channel route on /sub/bench
 *                        (replay ring, counters, traffic log, telemetry sampler
 *                        on) and its admin listener on PUBPORT, published to
 *                        through POST /api/channels/bench/events
 *   node PORT            a minimal single-process Node SSE server: GET /sub/*
 *                        subscribes, POST /pub/* writes one pre-encoded Buffer
 *                        to every response
 *
 * Prints `ready` on stdout once listening.
 */
import http from 'node:http';
import { Engine } from '../../core/engine/engine.js';
import { loadConfig } from '../../core/config/index.js';
import { createApiHost } from '../../core/host/api-host.js';

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts).toString()));
  });
}

async function sluice(port: number, pubPort: number): Promise<void> {
  const loaded = loadConfig(
    `version: 1
admin: { listen: 127.0.0.1:${pubPort} }
http:
  servers:
    - name: bench
      listen: 127.0.0.1:${port}
      keepalive_timeout: 60s
      routes:
        - path: /sub/bench
          sse: { channel: bench, replay: 64, heartbeat: 15s }
`,
    'bench.yaml',
  );
  if (!loaded.ok) throw new Error('bad bench config');
  const engine = new Engine();
  const host = createApiHost({ engine });
  // A telemetry subscriber keeps the sampler ticking, as with the UI open.
  host.on('telemetry', () => {});
  const r = await engine.start(loaded.config);
  if (!r.ok) throw new Error(r.message);
  console.log('ready');
}

function minimalNode(port: number): void {
  const subscribers = new Set<http.ServerResponse>();
  http
    .createServer(async (req, res) => {
      if (req.method === 'POST') {
        const data = await readBody(req);
        const buf = Buffer.from(`data: ${data}\n\n`);
        for (const s of subscribers) s.write(buf);
        res.writeHead(202);
        res.end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.flushHeaders();
      subscribers.add(res);
      res.on('close', () => subscribers.delete(res));
    })
    .listen(port, '127.0.0.1', 1024, () => console.log('ready'));
}

// Exit through process.exit so --cpu-prof (when profiling a run) writes its profile.
process.on('SIGTERM', () => process.exit(0));

const [kind, port, pubPort] = process.argv.slice(2);
if (kind === 'sluice') await sluice(Number(port), Number(pubPort));
else minimalNode(Number(port));
