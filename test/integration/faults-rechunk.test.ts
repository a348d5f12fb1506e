/**
 * The `rechunk` fault with three parsers no one here wrote: the
 * `eventsource` package, Chromium's EventSource and the OpenAI SDK decode
 * exactly the same events from a CRLF-framed stream full of multi-byte
 * characters in every mode, and the OpenAI SDK reassembles an `llm` route's
 * reply re-chunked directly and through a proxy route.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { RECHUNK_MODES } from '../../core/config/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

const TEXTS = ['héllo wörld', '🚀 launch — ok', '你好，世界', 'naïve café'];
const chunk = (content: string) =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
/** The data of each event, in order: what every client must decode. */
const EXPECTED = [...TEXTS.map(chunk), '[DONE]'];
/** The stream as CRLF-framed chunks (a comment and an event name too, which parsers must skip). */
const CHUNKS = [
  ': opening comment',
  ...EXPECTED.map((d, i) => (i === 1 ? `event: message\r\ndata: ${d}` : `data: ${d}`)),
].map((e) => `${e}\r\n\r\n`);
const REPLY = 'Ça va? Très bien — 👍 merci! 你好';

const modeRoutes = (make: (mode: string) => string) => RECHUNK_MODES.map(make).join('');
const upstreamYaml = `version: 1
http:
  servers:
    - name: up
      listen: 0
      routes:
        - path: /
          llm: { reply: ${JSON.stringify(REPLY)}, first_token: 0, tokens_per_second: 1000 }
`;
const yaml = (upstream: string) => `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /
          respond: { body: "<!doctype html><title>rechunk</title>", content_type: text/html }
${modeRoutes(
  (m) => `        - path: /crlf-${m}
          chunked: { content_type: text/event-stream, chunks: ${JSON.stringify(CHUNKS)} }
          faults: { rechunk: { mode: ${m}, seed: 7 } }
        - path: /llm-${m}
          llm: { reply: ${JSON.stringify(REPLY)}, first_token: 0, tokens_per_second: 1000 }
          faults: { rechunk: ${m} }
        - path: /proxied-${m}
          proxy: { upstream: up }
          faults: { rechunk: { mode: ${m}, seed: 3 } }
`,
)}  upstreams:
    - name: up
      servers: [ { address: ${upstream} } ]
`;

let up: TestEngine;
let t: TestEngine;
let browser: Browser;
let page: Page;

before(async () => {
  up = await startEngine(upstreamYaml);
  t = await startEngine(yaml(up.addr('up')));
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${t.url('mock')}/`);
});
after(async () => {
  await browser?.close();
  await t?.stop();
  await up?.stop();
});

/** Data of every message event until `[DONE]`, through the `eventsource` package (optionally POSTing a body). */
function viaEventSource(url: string, body?: unknown): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const got: string[] = [];
    const es = new EventSource(
      url,
      body === undefined
        ? undefined
        : {
            fetch: (input, init) =>
              fetch(input, {
                ...init,
                method: 'POST',
                body: JSON.stringify(body),
                headers: { ...init.headers, 'content-type': 'application/json' },
              }),
          },
    );
    const timer = setTimeout(() => {
      es.close();
      reject(new Error(`timed out; got ${JSON.stringify(got)}`));
    }, 60000);
    es.onmessage = (e) => {
      got.push(e.data);
      if (e.data === '[DONE]') {
        clearTimeout(timer);
        es.close();
        resolve(got);
      }
    };
  });
}

/** The same through Chromium's own EventSource in the page. */
function viaChromium(path: string): Promise<string[]> {
  return page.evaluate(
    (p) =>
      new Promise<string[]>((resolve, reject) => {
        const got: string[] = [];
        const es = new EventSource(p);
        const timer = setTimeout(() => {
          es.close();
          reject(new Error(`timed out; got ${JSON.stringify(got)}`));
        }, 60000);
        es.onmessage = (e) => {
          got.push(e.data);
          if (e.data === '[DONE]') {
            clearTimeout(timer);
            es.close();
            resolve(got);
          }
        };
      }),
    path,
  );
}

/** The OpenAI SDK's stream: every chunk's content joined. */
async function viaOpenAI(base: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${t.url('mock')}${base}/v1`, apiKey: 'k', maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  return text;
}

for (const mode of RECHUNK_MODES) {
  test(`rechunk ${mode}: eventsource, Chromium and the OpenAI SDK decode the same events`, async () => {
    const [es, chrome, sdk] = await Promise.all([
      viaEventSource(`${t.url('mock')}/crlf-${mode}`),
      viaChromium(`/crlf-${mode}`),
      viaOpenAI(`/crlf-${mode}`),
    ]);
    assert.deepEqual(es, EXPECTED, 'eventsource');
    assert.deepEqual(chrome, EXPECTED, 'chromium');
    assert.equal(sdk, TEXTS.join(''), 'openai sdk');
  });

  test(`rechunk ${mode}: an llm route's reply, direct and proxied, reassembles exactly`, async () => {
    const [direct, proxied, es] = await Promise.all([
      viaOpenAI(`/llm-${mode}`),
      viaOpenAI(`/proxied-${mode}`),
      viaEventSource(`${t.url('mock')}/llm-${mode}/v1/chat/completions`, {
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    ]);
    assert.equal(direct, REPLY);
    assert.equal(proxied, REPLY);
    const text = es
      .slice(0, -1)
      .map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
      .join('');
    assert.equal(text, REPLY);
  });
}

test('the pieces really arrive apart: one-byte mode gives the client many reads', async () => {
  const res = await fetch(`${t.url('mock')}/crlf-one-byte`);
  let reads = 0;
  let bytes = 0;
  for await (const part of res.body!) {
    reads++;
    bytes += (part as Uint8Array).length;
  }
  assert.equal(bytes, Buffer.byteLength(CHUNKS.join('')));
  assert.ok(reads > bytes / 8, `${reads} reads for ${bytes} bytes`);
});
