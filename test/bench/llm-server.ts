/**
 * The LLM streaming servers the llm bench starts in their own process:
 *
 *   sluice PORT   the Sluice engine with an `llm` route on / (OpenAI Chat
 *                 format; counters, traffic log and a telemetry subscriber on)
 *   node PORT     a minimal Node server streaming the same chunks: one
 *                 setTimeout per token on an absolute schedule, one write each
 *
 * Both stream TOKENS tokens at RATE tokens/s after FIRST ms (the arguments
 * after the port). Prints `ready`.
 */
import http from 'node:http';
import { Engine } from '../../core/engine/engine.js';
import { loadConfig } from '../../core/config/index.js';
import { createApiHost } from '../../core/host/api-host.js';

const [kind, port, TOKENS, RATE, FIRST] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a))) as [string, number, number, number, number];
const WORDS = Array.from({ length: TOKENS }, (_, i) => `w${i}`).join(' ');

async function sluice(port: number): Promise<void> {
  const loaded = loadConfig(`version: 1
http:
  servers:
    - name: bench
      listen: 127.0.0.1:${port}
      keepalive_timeout: 60s
      routes:
        - path: /
          llm: { reply: "${WORDS}", first_token: ${FIRST}ms, tokens_per_second: ${RATE} }
`, 'bench.yaml');
  if (!loaded.ok) throw new Error('bad bench config');
  const engine = new Engine();
  const host = createApiHost({ engine });
  host.on('telemetry', () => {});
  const r = await engine.start(loaded.config);
  if (!r.ok) throw new Error(r.message);
  console.log('ready');
}

function minimalNode(port: number): void {
  const tokens = WORDS.split(/(?= )/);
  const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-bench', service_tier: 'default', system_fingerprint: 'fp_node', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(chunk({ role: 'assistant', content: '' }));
      const start = performance.now();
      let i = 0;
      let timer: NodeJS.Timeout | undefined;
      const next = () => {
        if (res.destroyed) return;
        if (i === tokens.length) {
          res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
          return;
        }
        res.write(chunk({ content: tokens[i++] }));
        timer = setTimeout(next, Math.max(0, start + FIRST + (i * 1000) / RATE - performance.now()));
      };
      timer = setTimeout(next, FIRST);
      res.on('close', () => clearTimeout(timer));
    });
  }).listen(port, '127.0.0.1', 4096, () => console.log('ready'));
}

process.on('SIGTERM', () => process.exit(0));

if (kind === 'sluice') await sluice(port);
else if (kind === 'node') minimalNode(port);
