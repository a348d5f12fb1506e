/**
 * The LLM pieces without sockets: tokenising is lossless, cases pick the
 * reply, the schedule keeps its rate, and every renderer's frames read back
 * (through the reassembler the UI and recorder use) to the planned text and
 * tool calls — with the end marker, or the in-band error, as planned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LLM_FORMATS, loadConfig, type LlmConfig, type LlmWireFormat } from '../../core/config/index.js';
import { tokenize } from '../../core/llm/tokenize.js';
import { buildPlan, schedule, type LlmPlan } from '../../core/llm/plan.js';
import { resolveReply } from '../../core/llm/cases.js';
import { RENDERERS } from '../../core/llm/formats/index.js';
import { reassemble, detectFormat, type StreamEvent } from '../../core/llm/reassemble.js';
import type { LlmRequest } from '../../core/llm/request.js';
import { endpointOf, parseRequest } from '../../core/llm/request.js';
import { seededRng } from '../../core/faults/rechunk.js';

const FORMATS = LLM_FORMATS.filter((f): f is LlmWireFormat => f !== 'auto');

function llmConfig(yaml: string): LlmConfig {
  const r = loadConfig(
    `http:\n  servers:\n    - name: s\n      listen: 0\n      routes:\n        - path: /\n          llm: ${yaml}\n`,
    't.yaml',
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config.http.servers[0]!.routes[0]!.llm!;
}

const request = (format: LlmWireFormat): LlmRequest => ({
  format,
  model: 'm',
  stream: true,
  lastUserMessage: 'hi',
  promptText: 'hi',
  includeUsage: true,
  sse: true,
  tools: [],
});

function plan(text: string, fail?: LlmPlan['fail']): LlmPlan {
  const p = buildPlan(
    {
      text,
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris', n: [1, 2] } },
        { name: 'noop', arguments: {} },
      ],
      firstToken: 100,
      tokensPerSecond: 50,
      jitter: 0,
      usage: true,
    },
    { model: 'm', promptText: 'hello there', rng: seededRng(1), now: 0 },
  );
  if (fail) p.fail = fail;
  return p;
}

/** What a client would receive from a renderer as decoded events (each write 10 ms apart). */
function events(
  format: LlmWireFormat,
  p: LlmPlan,
  upTo = p.steps.length,
  ending: 'end' | 'error' | 'drop' = 'end',
): StreamEvent[] {
  const r = RENDERERS[format](p, request(format));
  const out: StreamEvent[] = [];
  const push = (frames: { event?: string; data: string }[], t: number) =>
    frames.forEach((f) => out.push({ t, event: f.event, data: f.data }));
  push(r.head(), 0);
  for (let i = 0; i < upTo; i++) push(r.step(i), 100 + i * 20);
  if (ending === 'error') push(r.error('overloaded', upTo), 9999);
  else push(r.end(ending === 'drop'), 9999);
  return out;
}

test('tokenize: lossless, words and punctuation apart, long words cut, multi-byte kept whole', () => {
  const text = 'Héllo, wörld! internationalization 🚀 你好 — ok?\n';
  assert.equal(tokenize(text).join(''), text);
  assert.deepEqual(tokenize('Hello, world!'), ['Hello', ',', ' world', '!']);
  assert.deepEqual(tokenize('internationalization'), ['internat', 'ionaliza', 'tion']);
  assert.ok(tokenize('🚀').length === 1);
});

test('schedule: drift-free, the mean rate holds with jitter', () => {
  const at = schedule(201, 400, 50, 0.2, seededRng(9));
  assert.equal(at[0], 400);
  const rate = (200 * 1000) / (at[200]! - at[0]!);
  assert.ok(Math.abs(rate - 50) < 2.5, `rate ${rate}`);
  assert.deepEqual(schedule(3, 0, 10, 0, Math.random), [0, 100, 200]);
});

test('cases: first match wins (contains any case, /regex/flags), a case overrides only what it sets', () => {
  const cfg = llmConfig(
    `{ reply: "default {{last_user_message}}", tokens_per_second: 7, cases: [ { contains: WEATHER, reply: "sun" }, { regex: "/^by/i", tokens_per_second: 99 } ] }`,
  );
  const ctx = (m: string) => ({ seq: 1, vars: { last_user_message: m } });
  assert.equal(resolveReply(cfg, 'the weather?', ctx('the weather?')).spec.text, 'sun');
  const bye = resolveReply(cfg, 'BYE now', ctx('BYE now'));
  assert.deepEqual([bye.caseIndex, bye.spec.text, bye.spec.tokensPerSecond], [1, 'default BYE now', 99]);
  assert.equal(resolveReply(cfg, 'other', ctx('other')).caseIndex, -1);
  const bad = loadConfig(
    'http:\n  servers:\n    - name: s\n      listen: 0\n      routes:\n        - path: /\n          llm: { cases: [ { regex: "(" } ] }\n',
    'x.yaml',
  );
  assert.ok(
    !bad.ok &&
      bad.errors.some((e) => /x\.yaml:\d+:\d+/.test(`${e.file}:${e.line}:${e.col}`) && /invalid regex/.test(e.message)),
  );
});

for (const format of FORMATS) {
  test(`${format}: frames read back to the planned text and tool calls, and end as planned`, () => {
    const p = plan('Bonjour — ça va? 你好 🚀');
    const r = reassemble(events(format, p), { format })!;
    assert.equal(r.text, p.text);
    assert.deepEqual(
      r.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)]),
      [
        ['get_weather', { city: 'Paris', n: [1, 2] }],
        ['noop', {}],
      ],
    );
    assert.equal(r.ended, true);
    assert.equal(r.error, undefined);
    assert.equal(r.ttftMs, 100);
    assert.equal(detectFormat(events(format, p)), format, 'recognised from the events alone');
    const failed = reassemble(events(format, p, 3, 'error'), { format })!;
    assert.match(failed.error ?? '', /overloaded/i);
    assert.equal(
      failed.ended,
      format === 'ai-sdk',
      'only the AI SDK stream still ends with [DONE] after its error part',
    );
    const dropped = reassemble(events(format, p, p.steps.length, 'drop'), { format })!;
    assert.equal(dropped.ended, false, 'no end marker');
    const json = JSON.stringify(RENDERERS[format](p, request(format)).json());
    assert.ok(
      json.includes('get_weather') && json.includes(JSON.stringify(p.text).slice(1, -1)),
      'the non-streaming JSON has it all',
    );
  });
}

test("requests: endpoints by path, each provider's 400 for what its API refuses", () => {
  assert.deepEqual(endpointOf('/v1beta/models/gemini-2.5-flash:streamGenerateContent'), {
    format: 'gemini',
    model: 'gemini-2.5-flash',
    stream: true,
  });
  assert.equal(endpointOf('/openai/v1/chat/completions')?.format, 'openai-chat');
  assert.equal(endpointOf('/api/chat'), undefined);
  const q = new URLSearchParams();
  const anth = parseRequest({ format: 'anthropic' }, '{"model":"m","messages":[]}', q);
  assert.ok(!anth.ok && anth.error.status === 400 && JSON.stringify(anth.error.body).includes('max_tokens'));
  const gem = parseRequest({ format: 'gemini' }, 'nope', q);
  assert.ok(!gem.ok && (gem.error.body as { error: { status: string } }).error.status === 'INVALID_ARGUMENT');
  const tool = parseRequest(
    { format: 'anthropic' },
    JSON.stringify({
      model: 'm',
      max_tokens: 5,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'sunny' }] },
      ],
    }),
    q,
  );
  assert.ok(tool.ok && tool.request.lastUserMessage === 'sunny', 'a tool result is the last user-side message');
});

test('due queue: callbacks run in time order on one clock timer, each once its millisecond is reached', async () => {
  const { FakeClock } = await import('../../core/util/clock.js');
  const { DueQueue } = await import('../../core/llm/due-queue.js');
  const clock = new FakeClock();
  let timers = 0;
  const counting = {
    now: () => clock.now(),
    setTimeout: (fn: () => void, ms: number) => {
      timers++;
      return clock.setTimeout(fn, ms);
    },
  };
  const q = new DueQueue(counting);
  const ran: string[] = [];
  q.at(20, () => ran.push('b20'));
  q.at(5.2, () => ran.push('a6'));
  q.at(19.5, () => ran.push('a20'));
  q.at(40, () => {
    ran.push('c40');
    q.at(41, () => ran.push('d41'));
  });
  clock.advance(5);
  assert.deepEqual(ran, []);
  clock.advance(1);
  assert.deepEqual(ran, ['a6']);
  clock.advance(14);
  assert.deepEqual(ran, ['a6', 'b20', 'a20'], 'one bucket per millisecond, in insertion order');
  clock.advance(25);
  assert.deepEqual(ran, ['a6', 'b20', 'a20', 'c40', 'd41']);
  assert.ok(timers <= 6, `${timers} clock timers for 5 callbacks`);
});
