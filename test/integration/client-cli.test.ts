/**
 * `sluice client` as a user runs it: a Sluice channel route that cuts the
 * connection after 3 events (`retry: 200ms`) — the JSON output shows the
 * reconnect with the right Last-Event-ID, no gap, no duplicate and the later
 * events, and the traffic detail reports the resume; a POST to an OpenAI-format
 * mock prints every token event; the exit codes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import type { ApiHost } from '../../core/host/api-host.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/sluice.mjs');

/** `retry: 200\n\n` then three events `id: K\ndata: tick-K\n\n` (20 bytes each) — the fault cuts right after them. */
const CUT_AFTER = 12 + 3 * 20;
const TEXT = 'Streams arrive one token at a time, live.';

let t: TestEngine;
let host: ApiHost;

before(async () => {
  t = await startEngine(
    `version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:0
      routes:
        - path: /events
          sse: { channel: news, retry: 200ms, heartbeat: 1h, replay: 100 }
          faults: { reset_after: ${CUT_AFTER} }
        - path: /v1/chat/completions
          sse: { scenario: { type: openai, text: "${TEXT}", tokens_per_second: 200 } }
`,
    { tickMs: 100 },
  );
  host = t.host;
});

after(async () => {
  await t.stop();
});

/** Parses `--json` output: one object per line. */
function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test(
  'sluice client --json: a cut channel stream reconnects with Last-Event-ID; no gap, no duplicate, the later events',
  { timeout: 60_000 },
  async () => {
    const hub = t.modules.sse;
    const channel = hub.channel('news')!;
    const child = spawn(process.execPath, [BIN, 'client', `${t.url('mock')}/events`, '--json', '--max-events', '6'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitFor(() => channel.clientCount === 1, 'the client to subscribe', 20_000);
      for (let i = 1; i <= 4; i++) hub.publish('news', { data: `tick-${i}` });
      // Event 4 went out after the cut: the ring replays it on the reconnect. 5 and 6 arrive live.
      await waitFor(() => channel.counters.requests === 2 && channel.clientCount === 1, 'the reconnect', 10_000);
      hub.publish('news', { data: 'tick-5' });
      hub.publish('news', { data: 'tick-6' });
      assert.equal(await exited, 0, stderr);
    } finally {
      child.kill();
    }
    const lines = jsonLines(stdout);
    const events = lines.filter((l) => 'data' in l);
    assert.deepEqual(
      events.map((e) => [e.id, e.event, e.data]),
      [1, 2, 3, 4, 5, 6].map((n) => [String(n), 'message', `tick-${n}`]),
    );
    const reconnects = lines.filter((l) => 'reconnect' in l);
    assert.equal(reconnects.length, 1);
    const r = reconnects[0]!.reconnect as { after_ms: number; last_event_id: string };
    assert.equal(r.last_event_id, '3');
    assert.ok(r.after_ms >= 150 && r.after_ms < 5000, `waited the server's retry: ${r.after_ms} ms`);
    assert.ok(lines.indexOf(reconnects[0]!) === 3, 'the reconnect line comes between event 3 and event 4');
    const times = events.map((e) => e.t as number);
    assert.deepEqual(
      [...times].sort((a, b) => a - b),
      times,
      'times only grow',
    );
    const summary = lines.at(-1)!.summary as Record<string, unknown>;
    assert.equal(summary.state, 'ended');
    assert.equal(summary.events, 6);
    assert.equal(summary.reconnects, 1);
    assert.equal(summary.missing_ids, 0);
    assert.deepEqual(summary.duplicate_ids, []);
    assert.equal(summary.reason, 'max events reached');

    // The traffic detail of the second connection says what the channel replayed.
    const rows = (await host.getTraffic({ search: '/events' }))
      .filter((x) => x.url === '/events')
      .sort((a, b) => a.id - b.id);
    assert.ok(rows.length >= 2);
    const second = (await host.getExchange(rows[1]!.id))!;
    assert.equal(second.requestHeaders['last-event-id'], '3');
    assert.deepEqual(second.resume, { from: '3', replayed: 1, missed: 0 });
    assert.equal((await host.getExchange(rows[0]!.id))!.resume, undefined, 'the first connection resumed nothing');
  },
);

test(
  'sluice client -X POST -d against an OpenAI-format mock prints every token event as it arrives',
  { timeout: 60_000 },
  async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const r = await run(
      process.execPath,
      [BIN, 'client', `${t.url('mock')}/v1/chat/completions`, '-X', 'POST', '-d', body, '--json'],
      { timeoutMs: 30_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'a clean run prints nothing on stderr with --json');
    const lines = jsonLines(r.stdout);
    const events = lines.filter((l) => 'data' in l);
    assert.equal(events.at(-1)!.data, '[DONE]');
    const chunks = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.data as string) as { object: string; choices: { delta: { content?: string } }[] });
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    const tokens = chunks.map((c) => c.choices[0]?.delta.content).filter((x): x is string => !!x);
    assert.equal(tokens.join(''), TEXT, 'every token, in order');
    assert.ok(tokens.length >= 5, `streamed token by token (${tokens.length} tokens)`);
    const times = events.map((e) => e.t as number);
    assert.ok(times.at(-1)! - times[0]! >= 20, 'events carry their own arrival times, not one time for all');
    const summary = lines.at(-1)!.summary as Record<string, unknown>;
    assert.equal(summary.state, 'ended');
    assert.equal(summary.reconnects, 0, 'a POST stream does not reconnect unless --reconnect says so');
    assert.equal(summary.events, events.length);
    assert.ok(typeof summary.ttfb_ms === 'number' && typeof summary.first_event_ms === 'number');
  },
);

test(
  'text output: events on stdout, the rest on stderr; bad arguments exit 2 with one line',
  { timeout: 60_000 },
  async () => {
    const r = await run(
      process.execPath,
      [BIN, 'client', `${t.url('mock')}/v1/chat/completions`, '-d', '{"stream":true}', '-H', 'X-Trace: 1'],
      { timeoutMs: 30_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^\s+\d+\.\d{3}s\s+\+\d+ms message\s+\{"id":"chatcmpl-/);
    assert.match(r.stderr, /^← 200 text\/event-stream/m);
    assert.match(r.stderr, /^— \d+ events · 0 reconnects · first byte \d+ ms · first event \d+ ms/m);
    const bad = await run(process.execPath, [BIN, 'client', `${t.url('mock')}/x`, '-H', 'no colon'], {
      timeoutMs: 30_000,
    });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'sluice client: -H needs "Name: value", got "no colon"');
  },
);
