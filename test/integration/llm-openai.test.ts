/**
 * The official `openai` SDK against `llm` routes: Chat Completions streamed
 * and not, the stream helper's final completion with tool calls, the
 * Responses stream helper, a refused request, an in-band error, and a
 * scripted conversation of cases.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEngine, type TestEngine } from '../helpers/engine.js';

const REPLY = 'Héllo wörld — 你好! You said: {{last_user_message}}';
const said = (msg: string) => REPLY.replace('{{last_user_message}}', msg);

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /ok
          llm: { reply: ${JSON.stringify(REPLY)}, first_token: 20ms, tokens_per_second: 400 }
        - path: /tools
          llm:
            reply: "Let me check."
            tool_calls:
              - { name: get_weather, arguments: { city: Paris, units: celsius } }
              - { name: get_time, arguments: { tz: "Europe/Paris", query: "{{last_user_message}}" } }
            first_token: 10ms
            tokens_per_second: 500
        - path: /fail
          llm: { reply: "one two three four five six", first_token: 10ms, tokens_per_second: 500, fail: { kind: overloaded, after_tokens: 3 } }
        - path: /cut
          llm: { reply: "one two three four five six", first_token: 5ms, tokens_per_second: 500, fail: { kind: cut, after_tokens: 2 } }
        - path: /nodone
          llm: { reply: "one two three", first_token: 5ms, tokens_per_second: 500, fail: { kind: drop_done } }
        - path: /garbled
          llm: { reply: "one two three four", first_token: 5ms, tokens_per_second: 500, fail: { kind: malformed_json, after_tokens: 1 } }
        - path: /busy
          llm: { reply: "never", first_token: 5ms, fail: { kind: rate_limit } }
        - path: /chat
          llm:
            reply: "I did not get that."
            first_token: 5ms
            tokens_per_second: 1000
            cases:
              - { contains: weather, reply: "", tool_calls: [ { name: get_weather, id: call_w1, arguments: { city: Paris } } ] }
              - { regex: "/sunny|rain/i", reply: "It is {{last_user_message}} in Paris." }
`;

let t: TestEngine;
before(async () => {
  t = await startEngine(YAML);
});
after(() => t.stop());

const client = (path: string) =>
  new OpenAI({ baseURL: `${t.url('mock')}${path}/v1`, apiKey: 'sk-test', maxRetries: 0 });
const user = (content: string) => [{ role: 'user' as const, content }];

test('chat stream: the reply token by token, the requested model echoed, usage when include_usage is asked', async () => {
  const stream = await client('/ok').chat.completions.create({
    model: 'gpt-test',
    messages: user('ping?'),
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined | null;
  let chunks = 0;
  let finish: string | null = null;
  for await (const c of stream) {
    chunks++;
    assert.equal(c.model, 'gpt-test');
    text += c.choices[0]?.delta.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    if (c.usage) usage = c.usage;
  }
  assert.equal(text, said('ping?'));
  assert.equal(finish, 'stop');
  assert.ok(chunks > 10, `${chunks} chunks`);
  assert.ok(
    usage && usage.completion_tokens >= 10 && usage.total_tokens === usage.prompt_tokens + usage.completion_tokens,
  );
});

test('chat stream without include_usage has no usage chunk', async () => {
  const stream = await client('/ok').chat.completions.create({ model: 'gpt-test', messages: user('x'), stream: true });
  for await (const c of stream) assert.equal(c.usage, undefined);
});

test('chat non-stream: one JSON chat.completion, not an event stream', async () => {
  const { data, response } = await client('/ok')
    .chat.completions.create({ model: 'gpt-4o', messages: user('plain') })
    .withResponse();
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.model, 'gpt-4o');
  assert.equal(data.choices[0]!.message.content, said('plain'));
  assert.ok(data.usage!.completion_tokens > 0);
});

test('chat.completions.stream(...).finalChatCompletion(): text and both tool calls with exact arguments', async () => {
  const runner = client('/tools').chat.completions.stream({
    model: 'gpt-test',
    messages: user('weather and time?'),
    tools: [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
    ],
  });
  const argDeltas: string[] = [];
  runner.on('tool_calls.function.arguments.delta', (e) => argDeltas.push(e.arguments_delta));
  const final = await runner.finalChatCompletion();
  const msg = final.choices[0]!.message;
  assert.equal(msg.content, 'Let me check.');
  assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
  const calls = msg.tool_calls!.map((c) =>
    c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : [],
  );
  assert.deepEqual(calls, [
    ['get_weather', { city: 'Paris', units: 'celsius' }],
    ['get_time', { tz: 'Europe/Paris', query: 'weather and time?' }],
  ]);
  assert.ok(argDeltas.length > 10, `arguments arrive as fragments (${argDeltas.length})`);
  assert.ok(msg.tool_calls!.every((c) => c.id.startsWith('call_')));
});

test('responses.stream(...).finalResponse(): output_text and function_call items', async () => {
  const text = await client('/ok').responses.stream({ model: 'gpt-test', input: 'resp?' }).finalResponse();
  assert.equal(text.status, 'completed');
  assert.equal(text.output_text, said('resp?'));
  assert.ok(text.usage!.output_tokens > 0);
  const withTools = await client('/tools')
    .responses.stream({ model: 'gpt-test', input: [{ role: 'user', content: 'tools please' }] })
    .finalResponse();
  assert.equal(withTools.output_text, 'Let me check.');
  const calls = withTools.output.flatMap((o) =>
    o.type === 'function_call' ? [[o.name, JSON.parse(o.arguments)]] : [],
  );
  assert.deepEqual(calls, [
    ['get_weather', { city: 'Paris', units: 'celsius' }],
    ['get_time', { tz: 'Europe/Paris', query: 'tools please' }],
  ]);
});

test('responses non-stream: a Response object with output_text', async () => {
  const r = await client('/ok').responses.create({ model: 'gpt-test', input: 'once' });
  assert.equal(r.object, 'response');
  assert.equal(r.output_text, said('once'));
});

test("a request the API would refuse: 400 with OpenAI's error JSON, raised as BadRequestError", async () => {
  await assert.rejects(
    client('/ok').chat.completions.create({ model: 'gpt-test' } as never),
    (err: unknown) => err instanceof OpenAI.BadRequestError && /messages/.test(err.message) && err.status === 400,
  );
  const raw = await fetch(`${t.url('mock')}/ok/v1/chat/completions`, { method: 'POST', body: '{nope' });
  assert.equal(raw.status, 400);
  assert.equal(((await raw.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
});

test('200, then an overloaded error chunk: the SDK raises an APIError after the first tokens', async () => {
  const stream = await client('/fail').chat.completions.create({
    model: 'gpt-test',
    messages: user('x'),
    stream: true,
  });
  let text = '';
  await assert.rejects(
    async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    },
    (err: unknown) => err instanceof OpenAI.APIError && /overloaded/i.test(err.message),
  );
  assert.equal(text, 'one two three');
  let deltas = '';
  const failing = client('/fail')
    .responses.stream({ model: 'gpt-test', input: 'x' })
    .on('response.output_text.delta', (e) => {
      deltas += e.delta;
    });
  await assert.rejects(
    failing.finalResponse(),
    (err: unknown) => err instanceof OpenAI.APIError && /overloaded/i.test(err.message),
  );
  assert.equal(deltas, 'one two three');
});

test('cases: a scripted conversation — a tool call, then an answer to the tool result, then the default', async () => {
  const c = client('/chat');
  const first = await c.chat.completions.create({ model: 'm', messages: user('What is the weather?') });
  const call = first.choices[0]!.message.tool_calls![0]!;
  assert.equal(call.id, 'call_w1');
  assert.equal(first.choices[0]!.message.content, null);
  const second = await c.chat.completions.create({
    model: 'm',
    messages: [
      ...user('What is the weather?'),
      first.choices[0]!.message,
      { role: 'tool', tool_call_id: call.id, content: 'Sunny' },
    ],
  });
  assert.equal(second.choices[0]!.message.content, 'It is Sunny in Paris.');
  const third = await c.chat.completions.create({ model: 'm', messages: user('tell me a joke') });
  assert.equal(third.choices[0]!.message.content, 'I did not get that.');
});

test('transport failures: cut drops the connection, drop_done ends without [DONE], malformed_json breaks one chunk', async () => {
  const cut = await client('/cut').chat.completions.create({ model: 'm', messages: user('x'), stream: true });
  let text = '';
  await assert.rejects(async () => {
    for await (const c of cut) text += c.choices[0]?.delta.content ?? '';
  }, 'a dropped connection is an error, not a clean end');
  assert.equal(text, 'one two');
  const raw = await (
    await fetch(`${t.url('mock')}/nodone/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: user('x'), stream: true }),
    })
  ).text();
  assert.match(raw, /"finish_reason":"stop"/);
  assert.doesNotMatch(raw, /\[DONE\]/);
  const quiet = new OpenAI({ baseURL: `${t.url('mock')}/garbled/v1`, apiKey: 'k', maxRetries: 0, logLevel: 'off' });
  const garbled = await quiet.chat.completions.create({ model: 'm', messages: user('x'), stream: true });
  await assert.rejects(async () => {
    for await (const _ of garbled);
  }, SyntaxError);
});

test("a failure on a non-streaming request is the provider's HTTP error (429 with retry-after)", async () => {
  await assert.rejects(client('/busy').chat.completions.create({ model: 'm', messages: user('x') }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.RateLimitError, String(err));
    assert.equal(err.headers?.get('retry-after'), '1');
    return true;
  });
});
