/**
 * The official `@google/genai` SDK against `llm` routes through
 * `httpOptions.baseUrl`: generateContentStream (SSE) and generateContent
 * (JSON) with text and a function call, and an in-band 503 error chunk.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, GoogleGenAI } from '@google/genai';
import { startEngine, type TestEngine } from '../helpers/engine.js';

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      keepalive_timeout: 60s
      routes:
        - path: /ok
          llm:
            reply: "Hallo Welt, schön! You said: {{last_user_message}}"
            tool_calls: [ { name: get_weather, arguments: { city: Paris } } ]
            first_token: 20ms
            tokens_per_second: 400
        - path: /fail
          llm: { reply: "uno dos tres cuatro", first_token: 10ms, tokens_per_second: 500, fail: { kind: overloaded, after_tokens: 2 } }
`;

let t: TestEngine;
before(async () => {
  t = await startEngine(YAML);
});
after(() => t.stop());

const client = (path: string) =>
  new GoogleGenAI({
    apiKey: 'test-key',
    httpOptions: { baseUrl: `${t.url('mock')}${path}`, retryOptions: { attempts: 1 } } as never,
  });

test('generateContentStream: the text chunk by chunk, then the function call whole, finishReason STOP', async () => {
  const stream = await client('/ok').models.generateContentStream({ model: 'gemini-test', contents: 'ciao' });
  let text = '';
  let chunks = 0;
  const calls: unknown[] = [];
  let finish: string | undefined;
  for await (const c of stream) {
    chunks++;
    text += c.text ?? '';
    for (const f of c.functionCalls ?? []) calls.push([f.name, f.args]);
    finish = c.candidates?.[0]?.finishReason ?? finish;
  }
  assert.equal(text, 'Hallo Welt, schön! You said: ciao');
  assert.deepEqual(calls, [['get_weather', { city: 'Paris' }]]);
  assert.equal(finish, 'STOP');
  assert.ok(chunks > 8, `${chunks} chunks`);
});

test('generateContent: one JSON response with text, the function call and usage', async () => {
  const r = await client('/ok').models.generateContent({ model: 'gemini-test', contents: 'once' });
  assert.equal(r.text, 'Hallo Welt, schön! You said: once');
  assert.deepEqual(
    r.functionCalls?.map((f) => [f.name, f.args]),
    [['get_weather', { city: 'Paris' }]],
  );
  assert.ok((r.usageMetadata?.candidatesTokenCount ?? 0) > 5);
  assert.equal(r.modelVersion, 'gemini-test');
});

test('200, then an error chunk {code: 503}: the SDK raises an ApiError after the first chunks', async () => {
  const stream = await client('/fail').models.generateContentStream({ model: 'gemini-test', contents: 'x' });
  let text = '';
  await assert.rejects(
    async () => {
      for await (const c of stream) text += c.text ?? '';
    },
    (err: unknown) => err instanceof ApiError && err.status === 503,
  );
  assert.equal(text, 'uno dos');
});
