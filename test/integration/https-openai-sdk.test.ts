/**
 * The official `openai` SDK against an HTTPS listener, as a user's program
 * would reach a local mock: a child process trusting Sluice's local CA
 * through NODE_EXTRA_CA_CERTS (what `sluice ca` prints), `baseURL` on the
 * listener, a streamed chat completion from the `openai` SSE scenario.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { testCa, type TestCa } from '../helpers/local-ca.js';
import { run } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let ca: TestCa;
let t: TestEngine;

before(async () => {
  ca = await testCa();
  t = await startEngine(
    `version: 1
http:
  servers:
    - name: api
      listen: 0
      tls: {}
      routes:
        - path: /v1/chat/completions
          sse: { scenario: { type: openai, text: "Streams are fun over TLS.", tokens_per_second: 200 } }
`,
    { ca: ca.source },
  );
});

after(async () => {
  await t?.stop();
});

/** The user's program: streams a completion and prints the text, then one JSON line of what it saw. */
const PROGRAM = `
import OpenAI from 'openai';
const client = new OpenAI({ apiKey: 'sk-test', baseURL: process.env.BASE_URL + '/v1', maxRetries: 0 });
const stream = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  stream: true,
});
let text = '';
let chunks = 0;
let finish;
for await (const chunk of stream) {
  chunks++;
  text += chunk.choices[0]?.delta?.content ?? '';
  finish = chunk.choices[0]?.finish_reason ?? finish;
}
console.log(JSON.stringify({ text, chunks, finish }));
`;

test('openai SDK: baseURL on an HTTPS listener, CA from NODE_EXTRA_CA_CERTS, a streamed completion', async () => {
  const r = await run(process.execPath, ['--input-type=module', '-e', PROGRAM], {
    cwd: ROOT,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.ca.certPath, BASE_URL: t.url('api') },
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const seen = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { text: string; chunks: number; finish: string };
  assert.equal(seen.text, 'Streams are fun over TLS.');
  assert.equal(seen.finish, 'stop');
  assert.ok(seen.chunks > 3, `${seen.chunks} chunks`);
  const rows = await t.host.getTraffic({ limit: 10 });
  const call = rows.find((x) => x.url === '/v1/chat/completions')!;
  assert.equal(call.method, 'POST');
  assert.match(call.tlsVersion ?? '', /^TLSv1\.[23]$/);
});

test('without the CA the SDK refuses the certificate (the trust is what makes it work)', async () => {
  const r = await run(process.execPath, ['--input-type=module', '-e', PROGRAM], {
    cwd: ROOT,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: '', BASE_URL: t.url('api') },
    timeoutMs: 30_000,
  });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Connection error|certificate/i);
});
