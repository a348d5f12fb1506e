/**
 * Timing a client notices, measured with arrival timestamps on the client
 * side of real SDKs: time to first token within ±30% + 50 ms of
 * `first_token`, and the token rate within ±15% of `tokens_per_second` over
 * a 200-token reply (with 20% jitter on each gap, the mean rate holds).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startEngine, type TestEngine } from '../helpers/engine.js';

const WORDS = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
const FIRST = 400;
const RATE = 50;

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /warm
          llm: { reply: "warm up", first_token: 0, tokens_per_second: 1000 }
        - path: /
          llm: { reply: "${WORDS}", first_token: ${FIRST}ms, tokens_per_second: ${RATE}, jitter: 20% }
`;

let t: TestEngine;
before(async () => {
  t = await startEngine(YAML);
});
after(() => t.stop());

/** Time to first token and tokens/s from arrival times (ms) of each token and the request start. */
function measure(start: number, arrivals: number[]): { ttft: number; rate: number } {
  const first = arrivals[0]!;
  const last = arrivals[arrivals.length - 1]!;
  return { ttft: first - start, rate: ((arrivals.length - 1) * 1000) / (last - first) };
}

function check(name: string, m: { ttft: number; rate: number }, tokens: number): void {
  assert.equal(tokens, 200, `${name}: every token arrived`);
  assert.ok(
    Math.abs(m.ttft - FIRST) <= FIRST * 0.3 + 50,
    `${name}: time to first token ${m.ttft.toFixed(0)} ms, configured ${FIRST} ms`,
  );
  assert.ok(Math.abs(m.rate - RATE) <= RATE * 0.15, `${name}: ${m.rate.toFixed(1)} tokens/s, configured ${RATE}`);
}

test('openai and anthropic streams at once: first token and rate as configured', async (ctx) => {
  // Warm both clients up first (module loading, the first fetch): the measured call times the server.
  const warmO = await new OpenAI({
    baseURL: `${t.url('mock')}/warm/v1`,
    apiKey: 'k',
    maxRetries: 0,
  }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'w' }], stream: true });
  for await (const _ of warmO);
  await new Anthropic({ baseURL: `${t.url('mock')}/warm`, apiKey: 'k', maxRetries: 0 }).messages
    .stream({ model: 'm', max_tokens: 9, messages: [{ role: 'user', content: 'w' }] })
    .finalMessage();
  const openai = async () => {
    const c = new OpenAI({ baseURL: `${t.url('mock')}/v1`, apiKey: 'k', maxRetries: 0 });
    const start = performance.now();
    const stream = await c.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'go' }],
      stream: true,
    });
    const arrivals: number[] = [];
    for await (const ch of stream) if (ch.choices[0]?.delta.content) arrivals.push(performance.now());
    return { m: measure(start, arrivals), n: arrivals.length };
  };
  const anthropic = async () => {
    const c = new Anthropic({ baseURL: t.url('mock'), apiKey: 'k', maxRetries: 0 });
    const start = performance.now();
    const arrivals: number[] = [];
    const s = c.messages.stream({ model: 'm', max_tokens: 500, messages: [{ role: 'user', content: 'go' }] });
    s.on('text', () => arrivals.push(performance.now()));
    await s.finalMessage();
    return { m: measure(start, arrivals), n: arrivals.length };
  };
  const [o, a] = await Promise.all([openai(), anthropic()]);
  ctx.diagnostic(
    `openai ttft ${o.m.ttft.toFixed(0)} ms, ${o.m.rate.toFixed(1)} tok/s; anthropic ttft ${a.m.ttft.toFixed(0)} ms, ${a.m.rate.toFixed(1)} tok/s`,
  );
  check('openai', o.m, o.n);
  check('anthropic', a.m, a.n);
});
