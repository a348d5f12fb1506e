/**
 * The official `@anthropic-ai/sdk` against `llm` routes: messages.stream's
 * final message with text and `tool_use` blocks, a non-streaming create,
 * the 400 of a request the API would refuse, and an `overloaded_error`
 * after the 200 surfacing as the SDK's APIError.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startEngine, type TestEngine } from '../helpers/engine.js';

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /ok
          llm:
            reply: "Bonjour — « {{last_user_message}} » reçu. 🚀"
            tool_calls: [ { name: get_weather, arguments: { city: Paris, days: [1, 2] } } ]
            first_token: 20ms
            tokens_per_second: 400
        - path: /fail
          llm: { reply: "alpha beta gamma delta epsilon", first_token: 10ms, tokens_per_second: 500, fail: { kind: overloaded, after_tokens: 2 } }
`;

let t: TestEngine;
before(async () => {
  t = await startEngine(YAML);
});
after(() => t.stop());

const client = (path: string) =>
  new Anthropic({ baseURL: `${t.url('mock')}${path}`, apiKey: 'sk-ant-test', maxRetries: 0 });
const params = (text: string) => ({
  model: 'claude-test',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: text }],
});

test('messages.stream(...).finalMessage(): the text block and the tool_use block with its exact input', async () => {
  const stream = client('/ok').messages.stream({
    ...params('salut'),
    tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
  });
  let deltas = 0;
  stream.on('text', () => deltas++);
  const msg = await stream.finalMessage();
  assert.equal(msg.model, 'claude-test');
  assert.equal(msg.stop_reason, 'tool_use');
  const text = msg.content.find((b) => b.type === 'text');
  const tool = msg.content.find((b) => b.type === 'tool_use');
  assert.equal(text?.type === 'text' && text.text, 'Bonjour — « salut » reçu. 🚀');
  assert.deepEqual(tool?.type === 'tool_use' && [tool.name, tool.input], [
    'get_weather',
    { city: 'Paris', days: [1, 2] },
  ]);
  assert.ok(deltas > 5, `${deltas} text deltas`);
  assert.ok(msg.usage.output_tokens > 5 && msg.usage.input_tokens >= 1);
});

test('messages.create without stream: one Message JSON', async () => {
  const msg = await client('/ok').messages.create(params('plain'));
  assert.equal(msg.type, 'message');
  assert.deepEqual(
    msg.content.map((b) => b.type),
    ['text', 'tool_use'],
  );
  assert.equal(msg.content[0]!.type === 'text' && msg.content[0]!.text, 'Bonjour — « plain » reçu. 🚀');
});

test('a request without max_tokens: 400 invalid_request_error, raised as BadRequestError', async () => {
  await assert.rejects(
    client('/ok').messages.create({ model: 'claude-test', messages: [{ role: 'user', content: 'x' }] } as never),
    (err: unknown) => err instanceof Anthropic.BadRequestError && /max_tokens/.test(err.message),
  );
});

test('200, then event: error overloaded_error: the SDK raises an APIError after the first tokens', async () => {
  const stream = client('/fail').messages.stream(params('x'));
  let text = '';
  stream.on('text', (d) => {
    text += d;
  });
  await assert.rejects(stream.finalMessage(), (err: unknown) => {
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal((err.error as { error?: { type?: string } })?.error?.type, 'overloaded_error');
    return true;
  });
  assert.equal(text, 'alpha beta');
});
