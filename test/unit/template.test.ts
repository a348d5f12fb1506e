import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, renderTemplate } from '../../core/util/template.js';

const fixedNow = () => Date.UTC(2026, 0, 2, 3, 4, 5, 678);

test('seq, ts and now render from the context', () => {
  const t = compileTemplate('{"n": {{seq}}, "ts": {{ts}}, "at": "{{now}}"}');
  assert.equal(t.usesSeq, true);
  assert.equal(t.render({ seq: 1, now: fixedNow }), `{"n": 1, "ts": ${fixedNow()}, "at": "2026-01-02T03:04:05.678Z"}`);
  assert.equal(t.render({ seq: 42, now: fixedNow }).slice(0, 9), '{"n": 42,');
});

test('a template without placeholders is static and returns its text', () => {
  const t = compileTemplate('plain {"json": true}');
  assert.equal(t.isStatic, true);
  assert.equal(t.usesSeq, false);
  assert.equal(t.render({ seq: 9 }), 'plain {"json": true}');
});

test('unknown placeholders and malformed arguments are left as written', () => {
  const ctx = { seq: 3 };
  assert.equal(
    renderTemplate('a {{nope}} b {{seq}} {{rand x 3}} {{rand 5 1}} {{}}', ctx),
    'a {{nope}} b 3 {{rand x 3}} {{rand 5 1}} {{}}',
  );
  assert.equal(renderTemplate('{{ seq }}', ctx), '3');
  assert.equal(renderTemplate('{{seq', ctx), '{{seq');
});

test('rand is an inclusive integer range driven by the injected rng', () => {
  const t = compileTemplate('{{rand 1 100}}');
  assert.equal(t.render({ seq: 1, rng: () => 0 }), '1');
  assert.equal(t.render({ seq: 1, rng: () => 0.999999 }), '100');
  assert.equal(t.render({ seq: 1, rng: () => 0.5 }), '51');
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(compileTemplate('{{rand 1 3}}').render({ seq: 1 }));
  assert.deepEqual([...seen].sort(), ['1', '2', '3']);
});

test('choice picks one word, quoted words keep spaces', () => {
  const t = compileTemplate('{{choice up down "half way"}}');
  assert.equal(t.render({ seq: 1, rng: () => 0 }), 'up');
  assert.equal(t.render({ seq: 1, rng: () => 0.4 }), 'down');
  assert.equal(t.render({ seq: 1, rng: () => 0.99 }), 'half way');
});

test('query and header values, missing ones empty', () => {
  const t = compileTemplate('{{query.user}}|{{header.X-Trace}}|{{query.none}}|{{header.none}}');
  assert.equal(
    t.render({ seq: 1, query: new URLSearchParams('user=ann&user=bob'), headers: { 'x-trace': 'abc' } }),
    'ann|abc||',
  );
  assert.equal(t.render({ seq: 1, query: { user: ['zed'] }, headers: { 'x-trace': ['t1', 't2'] } }), 'zed|t1||');
  assert.equal(t.render({ seq: 1 }), '|||');
});

test('uuid is a fresh v4 UUID each render', () => {
  const t = compileTemplate('{{uuid}}');
  const a = t.render({ seq: 1 });
  const b = t.render({ seq: 1 });
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
});

test('rendering a compiled template is fast (100k renders well under a second)', () => {
  const t = compileTemplate('{"n": {{seq}}, "v": {{rand 1 100}}, "q": "{{query.a}}"}');
  const query = new URLSearchParams('a=1');
  const start = performance.now();
  let len = 0;
  for (let i = 1; i <= 100_000; i++) len += t.render({ seq: i, query }).length;
  assert.ok(len > 0);
  assert.ok(performance.now() - start < 1500, `took ${performance.now() - start} ms`);
});
