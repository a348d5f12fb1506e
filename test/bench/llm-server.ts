/**
 * The LLM streaming servers the llm bench starts in their own process:
 *
 *   sluice PORT   the Sluice engine with an `llm` route on / (OpenAI Chat
 *                 format; counters, traffic log and a telemetry subscriber on)
 *   node PORT     a minimal Node server streaming the same chunks: one
 *                 setTimeout per token on an absolute schedule, one write
 *                 each, overdue tokens written at once
 *
 * Both stream TOKENS tokens at RATE tokens/s after FIRST ms (the arguments
 * after the port). Prints `ready`.
 */
import http from 'node:http';
import { loadConfig } from '../../core/config/index.js';
import { createEngine } from '../../core/runtime/create-engine.js';
import { probeLateness } from '../../core/llm/player.js';

/** Server-side lateness of every token write (ms after due), printed as `lateness {json}` on SIGTERM. */
const late = new Float64Array(4_000_000);
let lateN = 0;
const note = (ms: number) => {
  if (lateN < late.length) late[lateN++] = ms;
};
function report(): void {
  const s = late.slice(0, lateN).sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  process.stdout.write(
    `lateness ${JSON.stringify({ p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN, n: lateN })}\n`,
  );
}

const [kind, port, TOKENS, RATE, FIRST] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a))) as [
  string,
  number,
  number,
  number,
  number,
];
const WORDS = Array.from({ length: TOKENS }, (_, i) => `w${i}`).join(' ');

async function sluice(port: number): Promise<void> {
  const loaded = loadConfig(
    `version: 1
http:
  servers:
    - name: bench
      listen: 127.0.0.1:${port}
      keepalive_timeout: 60s
      routes:
        - path: /
          llm: { reply: "${WORDS}", first_token: ${FIRST}ms, tokens_per_second: ${RATE} }
`,
    'bench.yaml',
  );
  if (!loaded.ok) throw new Error('bad bench config');
  probeLateness(note);
  const { engine, host } = createEngine();
  host.on('telemetry', () => {});
  const r = await engine.start(loaded.config);
  if (!r.ok) throw new Error(r.message);
  console.log('ready');
}

function minimalNode(port: number): void {
  const tokens = WORDS.split(/(?= )/);
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-bench', service_tier: 'default', system_fingerprint: 'fp_node', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  http
    .createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write(chunk({ role: 'assistant', content: '' }));
        const start = performance.now();
        let i = 0;
        let timer: NodeJS.Timeout | undefined;
        const due = (k: number) => start + FIRST + (k * 1000) / RATE;
        const next = () => {
          // Every token already due goes out now (a late timer must not leave the stream behind for good).
          while (!res.destroyed && i < tokens.length && due(i) <= performance.now() + 0.5) {
            note(performance.now() - due(i));
            res.write(chunk({ content: tokens[i++] }));
          }
          if (res.destroyed) return;
          if (i === tokens.length) {
            res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
            return;
          }
          timer = setTimeout(next, due(i) - performance.now());
        };
        timer = setTimeout(next, FIRST);
        res.on('close', () => clearTimeout(timer));
      });
    })
    .listen(port, '127.0.0.1', 4096, () => console.log('ready'));
}

process.on('SIGTERM', () => {
  report();
  process.exit(0);
});

if (kind === 'sluice') await sluice(port);
else if (kind === 'node') minimalNode(port);
