import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine } from '../helpers/engine.js';
import { run } from '../helpers/process.js';

const YAML = `version: 1
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /health
          respond: { body: ok }
        - path: /c
          chunked: { chunks: ["a\\n", "b\\n"], delay: 50ms }
`;

test('an Upgrade header on a mock route is ignored, as nginx does (curl --http2 gets HTTP/1.1)', async () => {
  const e = await startEngine(YAML);
  try {
    const h2c = await run('curl', ['-s', '-i', '--http2', '-m', '5', `${e.url('mock')}/health`]);
    assert.match(h2c.stdout, /^HTTP\/1\.1 200 OK/);
    assert.match(h2c.stdout, /\r\n\r\nok$/);
    const chunked = await run('curl', ['-s', '--http2', '-m', '5', `${e.url('mock')}/c`]);
    assert.equal(chunked.stdout, 'a\nb\n');
    const ws = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-m',
      '5',
      '-H',
      'Connection: Upgrade',
      '-H',
      'Upgrade: websocket',
      `${e.url('mock')}/health`,
    ]);
    assert.equal(ws.stdout, '200');
  } finally {
    await e.stop();
  }
});
