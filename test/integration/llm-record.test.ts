/**
 * Record as mock on a proxied LLM stream: the Anthropic SDK talks to a
 * "provider" through a Sluice proxy while traffic is observed; recording the
 * exchange gives an `llm` route with the reply, the tool call, the measured
 * first-token delay and rate — and replaying it, another SDK (OpenAI) gets
 * the same text and arguments. A stream in no known format still records
 * as a timed script.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { reassemble } from '../../core/llm/reassemble.js';

const engines: TestEngine[] = [];
after(async () => {
  for (const e of engines.reverse()) await e.stop();
});

const REPLY = 'Recorded: the quick brown fox jumps over the lazy dog, twice — ünïcode too. '.repeat(2).trim();

test('a proxied Anthropic stream records as an llm route that replays to the OpenAI SDK', async () => {
  const provider = await startEngine(`version: 1
http:
  servers:
    - name: provider
      listen: 0
      routes:
        - path: /
          llm: { reply: "${REPLY}", tool_calls: [ { name: lookup, arguments: { q: fox, n: 2 } } ], first_token: 300ms, tokens_per_second: 40, model: claude-recorded }
        - path: /plain
          chunked: { content_type: text/event-stream, chunks: ["data: not an llm\\n\\n", "data: stream\\n\\n"], delay: 50ms }
`);
  engines.push(provider);
  const front = await startEngine(`version: 1
http:
  servers:
    - name: front
      listen: 0
      routes: [ { path: /, proxy: { upstream: provider } } ]
  upstreams:
    - { name: provider, servers: [ { address: ${provider.addr('provider')} } ] }
`);
  engines.push(front);
  const host = front.host;
  const stopObserving = front.engine.services.traffic.observe();
  const client = new Anthropic({ baseURL: front.url('front'), apiKey: 'k', maxRetries: 0 });
  const original = await client.messages
    .stream({ model: 'claude-recorded', max_tokens: 500, messages: [{ role: 'user', content: 'hi' }] })
    .finalMessage();
  await fetch(`${front.url('front')}/plain`).then((r) => r.text());
  await sleep(50);
  stopObserving();
  const rec = front.engine.services.traffic.recent(10).find((r) => r.url === '/v1/messages')!;
  assert.ok(rec.events.length > 20, 'the proxied events were decoded');

  const made = await host.recordAsMock(rec.id, { path: '/replayed' });
  assert.ok(made.ok, made.ok ? '' : made.message);
  const route = parse(made.yaml) as { path: string; llm: Record<string, unknown> };
  assert.equal(route.llm.reply, REPLY);
  assert.deepEqual(route.llm.tool_calls, [
    { name: 'lookup', arguments: { q: 'fox', n: 2 }, id: (original.content[1] as { id: string }).id },
  ]);
  // The route carries what was measured on the wire; that measure is near the provider's settings (loosely: the machine is shared).
  const measured = reassemble(rec.events, { url: rec.url })!;
  const firstToken = parseInt(String(route.llm.first_token), 10);
  assert.equal(firstToken, Math.round(measured.ttftMs!));
  assert.ok(Math.abs(firstToken - 300) <= 300 * 0.5 + 50, `first token recorded as ${firstToken} ms`);
  const rate = Number(route.llm.tokens_per_second);
  assert.equal(rate, Math.round(measured.tokensPerSecond! * 10) / 10);
  assert.ok(Math.abs(rate - 40) <= 40 * 0.3, `rate recorded as ${rate}`);
  assert.equal(route.llm.model, 'claude-recorded');

  const replay = await startEngine(`version: 1
http:
  servers:
    - name: replay
      listen: 0
      routes:
        - ${JSON.stringify(route)}
`);
  engines.push(replay);
  const openai = new OpenAI({ baseURL: `${replay.url('replay')}/replayed/v1`, apiKey: 'k', maxRetries: 0 });
  const final = await openai.chat.completions
    .stream({ model: 'gpt', messages: [{ role: 'user', content: 'again' }] })
    .finalChatCompletion();
  assert.equal(final.choices[0]!.message.content, REPLY);
  const call = final.choices[0]!.message.tool_calls![0]!;
  assert.deepEqual(call.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)], [
    'lookup',
    { q: 'fox', n: 2 },
  ]);

  const plain = front.engine.services.traffic.recent(10).find((r) => r.url === '/plain')!;
  await waitFor(() => plain.events.length === 2, 'plain events');
  const script = await host.recordAsMock(plain.id, {});
  assert.ok(script.ok && /sse:\s*\n\s*script:/.test(script.yaml), 'an unknown stream still records as a script');
});
