/**
 * The Vercel AI SDK against `llm` routes: `streamText` through
 * `@ai-sdk/openai` on the Chat Completions and the Responses formats (text
 * and tool calls), and the UI message stream read by `ai`'s own transport
 * and `readUIMessageStream`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DefaultChatTransport, jsonSchema, readUIMessageStream, streamText, tool, type UIMessage } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { startEngine, type TestEngine } from '../helpers/engine.js';

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /ok
          llm: { reply: "Grüße aus Sluice: {{last_user_message}}", first_token: 20ms, tokens_per_second: 400 }
        - path: /tools
          llm:
            reply: "Checking."
            tool_calls: [ { name: get_weather, arguments: { city: Paris } } ]
            first_token: 10ms
            tokens_per_second: 500
        - path: /ui
          llm:
            reply: "Hi from the UI stream: {{last_user_message}}"
            tool_calls: [ { name: search, arguments: { q: "{{last_user_message}}" } } ]
            first_token: 10ms
            tokens_per_second: 500
`;

let t: TestEngine;
before(async () => {
  t = await startEngine(YAML);
});
after(() => t.stop());

const provider = (path: string) => createOpenAI({ baseURL: `${t.url('mock')}${path}/v1`, apiKey: 'sk-test' });
const weather = {
  get_weather: tool({
    inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }),
  }),
};

test('streamText over Chat Completions: the exact reply, then tool calls with their input', async () => {
  const r = streamText({ model: provider('/ok').chat('gpt-test'), prompt: 'hallo' });
  assert.equal(await r.text, 'Grüße aus Sluice: hallo');
  const withTools = streamText({ model: provider('/tools').chat('gpt-test'), prompt: 'weather?', tools: weather });
  assert.equal(await withTools.text, 'Checking.');
  assert.deepEqual(
    (await withTools.toolCalls).map((c) => [c.toolName, c.input]),
    [['get_weather', { city: 'Paris' }]],
  );
  assert.equal(await withTools.finishReason, 'tool-calls');
});

test("streamText over the Responses API (the provider's default): text and tool calls", async () => {
  const r = streamText({ model: provider('/ok')('gpt-test'), prompt: 'resp' });
  assert.equal(await r.text, 'Grüße aus Sluice: resp');
  const withTools = streamText({ model: provider('/tools')('gpt-test'), prompt: 'weather?', tools: weather });
  assert.deepEqual(
    (await withTools.toolCalls).map((c) => [c.toolName, c.input]),
    [['get_weather', { city: 'Paris' }]],
  );
  assert.ok(((await withTools.usage).outputTokens ?? 0) > 0);
});

test('UI message stream: DefaultChatTransport + readUIMessageStream rebuild the text and the tool call', async () => {
  const transport = new DefaultChatTransport<UIMessage>({ api: `${t.url('mock')}/ui/api/chat` });
  const stream = await transport.sendMessages({
    trigger: 'submit-message',
    chatId: 'c1',
    messageId: undefined,
    abortSignal: undefined,
    messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'find cats' }] }],
  });
  let last: UIMessage | undefined;
  let snapshots = 0;
  for await (const m of readUIMessageStream<UIMessage>({ stream })) {
    last = m;
    snapshots++;
  }
  assert.ok(last && snapshots > 5, `${snapshots} snapshots`);
  const text = last.parts
    .filter((p) => p.type === 'text')
    .map((p) => (p as { text: string }).text)
    .join('');
  assert.equal(text, 'Hi from the UI stream: find cats');
  const call = last.parts.find((p) => p.type === 'tool-search') as { input?: unknown; state?: string } | undefined;
  assert.deepEqual(call?.input, { q: 'find cats' });
  assert.equal(call?.state, 'input-available');
});
