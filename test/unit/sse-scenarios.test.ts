import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sseScenarioSchema } from '../../core/config/schema.js';
import { scenarioSteps, tokenize } from '../../core/sse/scenarios.js';
import type { PlayStep } from '../../core/sse/script-player.js';

const ctx = { rng: () => 0.42, now: () => Date.UTC(2026, 0, 1) };
const take = (it: Iterable<PlayStep>, n = 1e6) => {
  const out: PlayStep[] = [];
  for (const s of it) {
    out.push(s);
    if (out.length >= n) break;
  }
  return out;
};

test('tokenize keeps leading whitespace so tokens join back to the text', () => {
  const text = 'Hello, world!  Two\nlines ';
  const toks = tokenize(text);
  assert.deepEqual(toks.slice(0, 2), ['Hello,', ' world!']);
  assert.equal(toks.join(''), text);
});

test('openai: role chunk, one chunk per token, finish_reason stop, then [DONE]', () => {
  const s = sseScenarioSchema.parse({ type: 'openai', text: 'Hi there you', tokens_per_second: 10, model: 'm1' });
  const steps = take(scenarioSteps(s, ctx));
  assert.equal(steps.at(-1)!.data, '[DONE]');
  const chunks = steps.slice(0, -1).map((st) => JSON.parse(st.data!));
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.model, 'm1');
    assert.equal(c.id, chunks[0].id);
    assert.equal(c.choices[0].index, 0);
  }
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), 'Hi there you');
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
  assert.ok(
    steps.slice(1, 4).every((st) => st.delay === 100),
    'tokens_per_second sets the pace',
  );
});

test('anthropic: the named event sequence with text deltas', () => {
  const s = sseScenarioSchema.parse({ type: 'anthropic', text: 'Hi you' });
  const steps = take(scenarioSteps(s, ctx));
  assert.deepEqual(
    steps.map((st) => st.event),
    [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ],
  );
  for (const st of steps) assert.equal(JSON.parse(st.data!).type, st.event);
  const text = steps.filter((st) => st.event === 'content_block_delta').map((st) => JSON.parse(st.data!).delta);
  assert.deepEqual(text, [
    { type: 'text_delta', text: 'Hi' },
    { type: 'text_delta', text: ' you' },
  ]);
  assert.equal(JSON.parse(steps[6]!.data!).delta.stop_reason, 'end_turn');
});

test('progress goes 0..100 then complete; ticker and log run forever unless count', () => {
  const p = take(scenarioSteps(sseScenarioSchema.parse({ type: 'progress', count: 4 }), ctx));
  assert.deepEqual(
    p.slice(0, -1).map((st) => JSON.parse(st.data!).percent),
    [0, 25, 50, 75, 100],
  );
  assert.equal(p.at(-1)!.event, 'complete');
  const ticks = take(scenarioSteps(sseScenarioSchema.parse({ type: 'ticker' }), ctx), 500);
  assert.equal(ticks.length, 500);
  assert.ok(ticks.every((st) => st.event === 'tick' && typeof JSON.parse(st.data!).price === 'number'));
  const logs = take(scenarioSteps(sseScenarioSchema.parse({ type: 'log', count: 3 }), ctx));
  assert.equal(logs.length, 3);
  assert.match(logs[0]!.data!, /^2026-01-01T00:00:00\.000Z (INFO |DEBUG|WARN |ERROR) \[(http|app)\] /);
});

test('a chat scenario renders its text against the request (render hook)', () => {
  const s = sseScenarioSchema.parse({ type: 'anthropic', text: 'echo {{query.q}}' });
  const steps = take(scenarioSteps(s, { ...ctx, render: (t) => t.replace('{{query.q}}', 'hi') }));
  const text = steps
    .filter((st) => st.event === 'content_block_delta')
    .map((st) => JSON.parse(st.data!).delta.text)
    .join('');
  assert.equal(text, 'echo hi');
});
