/**
 * The stream client against real servers that misbehave or are secured:
 * HTTPS with a certificate made here (untrusted → one-line TLS error;
 * --cacert or --insecure → events), a page that is no stream, a 500 with an
 * HTML body, 10 MB without a line break (bounded: it stops at the limit and
 * says so), invalid UTF-8 (decoded as browsers do, and flagged), gzip (read
 * as it arrives), NDJSON as lines, and a GET event stream that reconnects by
 * itself after the server ends it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createGzip } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { runClient, type ClientCliOptions } from '../../core/cli/client.js';
import { ClientSession } from '../../core/client/session.js';
import type { ClientEvent } from '../../core/api/client.js';
import { makeCertificates } from '../helpers/x509-pair.js';
import { sleep } from '../helpers/wait.js';
import { freePort } from '../helpers/free-port.js';

let plain: http.Server;
let secure: https.Server;
let base: string;
let secureBase: string;
let dir: string;
let caFile: string;
/** Bytes the 10 MB route managed to hand to its socket before the client left. */
let floodWritten = 0;
let floodClosed = false;
let ticks = 0;

const SSE = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

async function threeEvents(res: http.ServerResponse): Promise<void> {
  res.writeHead(200, SSE);
  for (let i = 1; i <= 3; i++) {
    res.write(`id: ${i}\ndata: event ${i}\n\n`);
    await sleep(10);
  }
  res.end();
}

async function flood(res: http.ServerResponse): Promise<void> {
  res.writeHead(200, SSE);
  res.write('data: ');
  const piece = Buffer.alloc(64 * 1024, 0x78);
  res.on('close', () => {
    floodClosed = true;
  });
  for (let i = 0; i < 160 && !res.destroyed; i++) {
    floodWritten += piece.length;
    if (!res.write(piece))
      await new Promise<void>((r) => {
        res.once('drain', r);
        res.once('close', r);
      });
  }
  res.end();
}

const ROUTES: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>> = {
  '/sse': (_q, res) => threeEvents(res),
  '/page': (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.write('<!doctype html><html>');
    res.end('<body>hello</body></html>');
  },
  '/boom': (_q, res) => {
    res.writeHead(500, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html>\n<html>\n  <head><title>Internal error</title></head>\n  <body>${'trace line\n'.repeat(100)}</body></html>`,
    );
  },
  '/flood': (_q, res) => flood(res),
  '/hang': () => {
    /* never answers */
  },
  '/trickle500': (_q, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.write('upstream timed o');
  },
  '/latin1': (_q, res) => {
    res.writeHead(200, SSE);
    res.write('data: ok\n\n');
    res.write(Buffer.concat([Buffer.from('data: caf'), Buffer.from([0xe9]), Buffer.from('\n\n')])); // Latin-1 é
    res.end('data: end\n\n');
  },
  '/gzip': async (_q, res) => {
    res.writeHead(200, { ...SSE, 'content-encoding': 'gzip' });
    const z = createGzip();
    z.pipe(res);
    for (let i = 1; i <= 3; i++) {
      z.write(`data: z${i}\n\n`);
      z.flush(constants.Z_SYNC_FLUSH);
      await sleep(150);
    }
    z.end();
  },
  '/ndjson': async (_q, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (let i = 1; i <= 3; i++) {
      res.write(`{"n":${i}}\n`);
      await sleep(10);
    }
    res.end();
  },
  '/ticks': (_q, res) => {
    ticks++;
    res.writeHead(200, SSE);
    res.end(`retry: 50\nid: ${ticks}\ndata: t${ticks}\n\n`);
  },
};

before(async () => {
  const certs = await makeCertificates();
  dir = mkdtempSync(join(tmpdir(), 'sluice-client-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.caPem);
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const route = ROUTES[new URL(req.url ?? '/', 'http://x').pathname];
    if (!route) return void res.writeHead(404).end();
    void route(req, res);
  };
  plain = http.createServer(handler);
  secure = https.createServer({ cert: certs.certPem, key: certs.keyPem }, handler);
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
});

after(async () => {
  plain.closeAllConnections();
  secure.closeAllConnections();
  await new Promise((r) => plain.close(r));
  await new Promise((r) => secure.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command in-process with its output captured. */
async function client(
  url: string,
  opts: Partial<ClientCliOptions> = {},
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClient(url, { header: [], ...opts }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test('https: an untrusted certificate is one line naming the fix; --cacert and --insecure get the events', async () => {
  const untrusted = await client(`${secureBase}/sse`);
  assert.equal(untrusted.code, 1);
  assert.equal(untrusted.err.length, 1, untrusted.err.join('\n'));
  assert.match(
    untrusted.err[0]!,
    /^sluice client: TLS error: the certificate(’s|'s)? .*(trusted CA|issuer).*--cacert FILE.*--insecure/,
  );
  for (const opts of [{ cacert: caFile }, { insecure: true }]) {
    const r = await client(`${secureBase}/sse`, { ...opts, json: true, reconnect: '0' });
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(
      r.out.slice(0, 3).map((l) => JSON.parse(l).data),
      ['event 1', 'event 2', 'event 3'],
    );
  }
  const wrongPort = await client(`https://127.0.0.1:${(plain.address() as AddressInfo).port}/sse`);
  assert.equal(wrongPort.code, 1);
  assert.match(wrongPort.err[0]!, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*is it an HTTPS port\?/);
});

test('a page that is no stream, a 500 with an HTML body, a refused port: one line each, exit 1', async () => {
  const page = await client(`${base}/page`);
  assert.equal(page.code, 1);
  assert.deepEqual(page.err, [
    'sluice client: not a stream: Content-Type text/html; charset=utf-8 (a web page; expected text/event-stream or NDJSON)',
  ]);
  const boom = await client(`${base}/boom`);
  assert.equal(boom.code, 1);
  assert.equal(boom.err.length, 1);
  assert.match(
    boom.err[0]!,
    /^sluice client: HTTP 500 Internal Server Error: <!doctype html> <html> <head><title>Internal error<\/title><\/head> <body>trace line trace line/,
  );
  assert.ok(boom.err[0]!.length < 300, 'the body is quoted up to 200 bytes');
  const port = await freePort(); // nothing listens there
  const refused = await client(`http://127.0.0.1:${port}/sse`);
  assert.deepEqual(refused, { code: 1, out: [], err: [`sluice client: connection refused by 127.0.0.1:${port}`] });
});

test('10 MB without a line break: reading stops at the limit with a reason; memory stays bounded', async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  const r = await client(`${base}/flood`, { maxEventSize: '256k' });
  assert.equal(r.code, 1);
  assert.equal(
    r.err.at(-1),
    'sluice client: a line of the stream grew past 256 KiB without a line break; reading stopped there (the limit keeps memory bounded)',
  );
  await sleep(100);
  assert.ok(floodClosed, 'the client closed the connection');
  assert.ok(floodWritten < 10 * 1024 * 1024, `the server could not hand over all 10 MB (${floodWritten} bytes)`);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 8 * 1024 * 1024, 'the heap did not take the stream in');
});

test('invalid UTF-8 is decoded as browsers do (U+FFFD) and flagged; the stream goes on', async () => {
  const r = await client(`${base}/latin1`, { json: true, reconnect: '0' });
  assert.equal(r.code, 0, r.err.join('\n'));
  const lines = r.out.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.filter((l) => 'data' in l).map((l) => l.data),
    ['ok', 'caf\uFFFD', 'end'],
  );
  const summary = lines.at(-1)!.summary as { diagnostics: { code: string; message: string }[] };
  assert.deepEqual(
    summary.diagnostics.map((d) => d.code),
    ['invalid-utf8'],
  );
  const text = await client(`${base}/latin1`, { reconnect: '0' });
  assert.ok(
    text.err.some((l) => /^! invalid-utf8: The body is not valid UTF-8/.test(l)),
    text.err.join('\n'),
  );
});

test('a gzip stream is read event by event as it arrives, and flagged', async () => {
  const events: ClientEvent[] = [];
  const session = new ClientSession({ url: `${base}/gzip`, reconnect: 0 }, { event: (e) => events.push(e) });
  const s = await session.run();
  assert.equal(s.state, 'ended');
  assert.deepEqual(
    events.map((e) => e.data),
    ['z1', 'z2', 'z3'],
  );
  assert.ok(events[2]!.t - events[0]!.t >= 200, `decompressed as it arrived: ${events.map((e) => e.t).join(', ')} ms`);
  assert.ok(s.diagnostics.some((d) => d.code === 'compression'));
});

test('NDJSON is read as lines; a GET event stream ended by the server reconnects by itself after retry', async () => {
  const lines = await client(`${base}/ndjson`, { json: true });
  assert.equal(lines.code, 0);
  assert.deepEqual(
    lines.out.slice(0, 3).map((l) => JSON.parse(l)),
    [1, 2, 3].map((n) => ({ t: JSON.parse(lines.out[n - 1]!).t, event: null, id: null, data: `{"n":${n}}` })),
  );
  const start = ticks;
  const events: ClientEvent[] = [];
  const session = new ClientSession({ url: `${base}/ticks`, maxEvents: 3 }, { event: (e) => events.push(e) });
  const s = await session.run();
  assert.equal(s.reconnects, 2, 'as EventSource: no --reconnect needed for a GET event stream');
  assert.deepEqual(
    events.map((e) => e.id),
    [start + 1, start + 2, start + 3].map(String),
  );
  assert.equal(s.ids.missing, 0);
  assert.equal(s.endReason, 'max events reached');
  const once = await new ClientSession({ url: `${base}/ticks`, reconnect: 0 }).run();
  assert.equal(once.state, 'ended', '--reconnect 0: the end of the stream is the end of the session');
  assert.equal(once.events, 1);
});

test('stop ends a session still waiting for headers at once; an error body that never ends is quoted as far as it came', async () => {
  const session = new ClientSession({ url: `${base}/hang` });
  const done = session.run();
  await sleep(200);
  const t0 = Date.now();
  session.stop();
  const s = await done;
  assert.equal(s.state, 'stopped');
  assert.ok(Date.now() - t0 < 1000, `stopped in ${Date.now() - t0} ms`);
  const r = await client(`${base}/trickle500`);
  assert.deepEqual(r, { code: 1, out: [], err: ['sluice client: HTTP 500 Internal Server Error: upstream timed o'] });
});
