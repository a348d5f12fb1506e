/**
 * Script and scenario routes with real clients: the `eventsource` npm
 * package reconnecting after a `close` step (honouring `retry` and sending
 * Last-Event-ID), stall, reset and status faults, and an OpenAI stream.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { EventSource } from 'eventsource';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';
import { sleep, waitFor } from '../helpers/wait.js';

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /hello
          sse:
            retry: 400ms
            script:
              - { event: greet, id: "{{seq}}", data: "hello {{query.name}}, last={{header.last-event-id}}" }
              - { event: greet, id: "{{seq}}", data: "again", delay: 50ms }
              - { fault: close }
        - path: /stall
          sse:
            heartbeat: 100ms
            script: [ { data: one }, { fault: stall, delay: 50ms }, { data: never } ]
        - path: /reset
          sse: { script: [ { data: one }, { fault: reset, delay: 50ms } ] }
        - path: /busy
          sse: { script: [ { status: 503, body: "try later" }, { data: never } ] }
        - path: /chat
          sse: { scenario: { type: openai, text: "Streams are fun to test.", tokens_per_second: 100 } }
        - path: /anthropic
          sse: { scenario: { type: anthropic, text: "Claude streams too.", tokens_per_second: 200 } }
        - path: /progress
          sse: { scenario: { type: progress, count: 4, every: 20ms } }
        - path: /ticker
          sse: { scenario: { type: ticker, count: 5, every: 20ms } }
        - path: /log
          sse: { scenario: { type: log, count: 6, every: 20ms } }
`;

let t: TestEngine;
before(async () => {
  t = await startEngine(YAML);
});
after(() => t.stop());

test('eventsource: named events, a close step, a reconnect after retry with Last-Event-ID', async () => {
  const es = new EventSource(`${t.url('mock')}/hello?name=ada`);
  const got: { data: string; id: string; at: number }[] = [];
  es.addEventListener('greet', (e) => got.push({ data: e.data, id: e.lastEventId, at: Date.now() }));
  try {
    await waitFor(() => got.length >= 3, 'three greetings (two, a close, a reconnect)', 8000);
    assert.deepEqual(
      got.slice(0, 3).map((g) => [g.id, g.data]),
      [
        ['1', 'hello ada, last='],
        ['2', 'again'],
        ['1', 'hello ada, last=2'],
      ],
    );
    const pause = got[2]!.at - got[1]!.at;
    assert.ok(pause >= 350 && pause < 3000, `reconnected after ${pause} ms (retry 400ms)`);
  } finally {
    es.close();
  }
});

test('stall keeps the connection open and silent (no events, no heartbeats)', async () => {
  let body = '';
  let ended = false;
  const req = http.get(`${t.url('mock')}/stall`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (s: string) => {
      body += s;
    });
    res.on('end', () => {
      ended = true;
    });
  });
  req.on('error', () => {});
  const route = t.engine.services.counters.get('route', 'mock /stall');
  try {
    await waitFor(() => body === 'data: one\n\n', 'the event before the stall');
    // Five heartbeat periods (100 ms) of silence on an open connection.
    await sleep(500);
    assert.equal(body, 'data: one\n\n', 'no event and no heartbeat after the stall');
    assert.equal(ended, false);
    assert.equal(route.active, 1, 'the server still holds the stream open');
  } finally {
    req.destroy();
  }
});

test('reset destroys the socket mid-stream; curl sees a failed transfer', async () => {
  const r = await run('curl', ['-sN', '--max-time', '5', `${t.url('mock')}/reset`], { timeoutMs: 10000 });
  assert.equal(r.stdout, 'data: one\n\n');
  assert.ok(r.code === 56 || r.code === 18, `curl exit ${r.code} (56: connection reset, 18: partial transfer)`);
});

test('a status step answers before streaming', async () => {
  const r = await run('curl', ['-s', '-i', '--max-time', '5', `${t.url('mock')}/busy`]);
  assert.match(r.stdout, /^HTTP\/1\.1 503/);
  assert.match(r.stdout, /content-type: text\/plain/i);
  assert.match(r.stdout, /\r\n\r\ntry later\n$/);
});

test('the openai scenario streams chunks an OpenAI client can reassemble, ending with [DONE]', async () => {
  const es = new EventSource(`${t.url('mock')}/chat`);
  const data: string[] = [];
  es.addEventListener('message', (e) => data.push(e.data));
  try {
    await waitFor(() => data.includes('[DONE]'), 'the [DONE] sentinel', 8000);
  } finally {
    es.close();
  }
  assert.equal(data.at(-1), '[DONE]');
  const chunks = data.slice(0, data.indexOf('[DONE]')).map((d) => JSON.parse(d));
  assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), 'Streams are fun to test.');
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
});

test('script events are counted on the route', async () => {
  const route = t.engine.services.counters.get('route', 'mock /hello');
  const before = route.events;
  // One connection plays the script once: two events, then the close step.
  const r = await run('curl', ['-sN', '--max-time', '5', `${t.url('mock')}/hello?name=bo`], { timeoutMs: 10000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stdout.match(/^event: greet$/gm) ?? []).length, 2, r.stdout);
  await waitFor(() => route.active === 0, 'the exchange to end on the server');
  assert.equal(route.events - before, 2, 'the route counted exactly the two events it sent');
});

test('stopping the engine ends open SSE streams cleanly at once (channel, script and stall)', async () => {
  const e = await startEngine(`version: 1
http:
  servers:
    - name: s
      listen: 0
      routes:
        - path: /ch
          sse: { channel: c }
        - path: /forever
          sse: { script: [ { data: tick, every: 50ms, repeat: forever } ] }
        - path: /stall
          sse: { script: [ { data: one }, { fault: stall } ] }
`);
  const ends = ['/ch', '/forever', '/stall'].map(
    (path) =>
      new Promise<string>((resolve) => {
        http
          .get(`${e.url('s')}${path}`, (res) => {
            res.resume();
            res.on('end', () => resolve('end'));
            res.on('error', () => resolve('error'));
            res.on('aborted', () => resolve('aborted'));
          })
          .on('error', () => resolve('error'));
      }),
  );
  const routes = ['/ch', '/forever', '/stall'].map((path) => e.engine.services.counters.get('route', `s ${path}`));
  await waitFor(() => routes.every((c) => c.active === 1), 'three open streams');
  const started = Date.now();
  await e.engine.stop(5000);
  assert.deepEqual(await Promise.all(ends), ['end', 'end', 'end']);
  assert.ok(Date.now() - started < 2000, `stop took ${Date.now() - started} ms`);
});

/** Every event of a finite stream, read with the `eventsource` package until the server ends it. */
async function allEvents(path: string, types: string[]): Promise<{ type: string; id: string; data: string }[]> {
  const es = new EventSource(`${t.url('mock')}${path}`);
  const got: { type: string; id: string; data: string }[] = [];
  for (const type of types) es.addEventListener(type, (e) => got.push({ type, id: e.lastEventId, data: e.data }));
  const ended = new Promise<void>((resolve) => es.addEventListener('error', () => resolve()));
  try {
    await ended; // the scenario ends the stream; the client sees that as an error and would reconnect
  } finally {
    es.close();
  }
  return got;
}

test('the anthropic scenario is a Messages stream the official SDK reads to the final text', async () => {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const client = new Anthropic({ apiKey: 'test-key', baseURL: `${t.url('mock')}/anthropic`, maxRetries: 0 });
  const stream = client.messages.stream({
    model: 'claude-sonnet-4-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'hi' }],
  });
  const deltas: string[] = [];
  stream.on('text', (d) => deltas.push(d));
  const message = await stream.finalMessage();
  assert.equal(message.role, 'assistant');
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.content.length, 1);
  assert.equal(message.content[0]!.type === 'text' && message.content[0]!.text, 'Claude streams too.');
  assert.equal(deltas.join(''), 'Claude streams too.');
  assert.ok(deltas.length > 1, 'token by token');
  assert.equal(message.usage.output_tokens, deltas.length);
});

test('the progress scenario counts 0 to 100 percent with ids, then completes', async () => {
  const got = await allEvents('/progress', ['progress', 'complete']);
  assert.deepEqual(
    got.map((e) => [e.type, e.id, JSON.parse(e.data)]),
    [
      ['progress', '1', { percent: 0, step: 0, of: 4 }],
      ['progress', '2', { percent: 25, step: 1, of: 4 }],
      ['progress', '3', { percent: 50, step: 2, of: 4 }],
      ['progress', '4', { percent: 75, step: 3, of: 4 }],
      ['progress', '5', { percent: 100, step: 4, of: 4 }],
      ['complete', '6', { percent: 100, status: 'done' }],
    ],
  );
});

test('the ticker scenario sends count ticks: sequence, symbol, price, change, time', async () => {
  const got = await allEvents('/ticker', ['tick']);
  assert.deepEqual(
    got.map((e) => e.id),
    ['1', '2', '3', '4', '5'],
  );
  for (const [i, e] of got.entries()) {
    const tick = JSON.parse(e.data) as { seq: number; symbol: string; price: number; change: number; time: string };
    assert.equal(tick.seq, i + 1);
    assert.ok(['ACME', 'GLOBX', 'INITECH', 'UMBRL', 'HOOLI'].includes(tick.symbol), tick.symbol);
    assert.ok(tick.price >= 1 && Math.abs(tick.change) <= 1, e.data);
    assert.ok(Math.abs(Date.parse(tick.time) - Date.now()) < 60_000, tick.time);
  }
});

test('the log scenario sends count plausible log lines', async () => {
  const got = await allEvents('/log', ['log']);
  assert.deepEqual(
    got.map((e) => e.id),
    ['1', '2', '3', '4', '5', '6'],
  );
  for (const e of got)
    assert.match(e.data, /^\d{4}-\d\d-\d\dT[\d:.]+Z (INFO |DEBUG|WARN |ERROR) \[(http|app)\] \S/, e.data);
});
