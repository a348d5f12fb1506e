/**
 * `sluice publish` end to end: a real `sluice run` process with a channel
 * route and an admin listener, a curl -N subscriber, and the CLI as a user
 * runs it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/process.js';
import { freePort } from '../helpers/free-port.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'bin/sluice.mjs');
const TOKEN = 'publish-test-token-0123456789';

let dir: string;
let child: ChildProcess;
let admin = '';
let mock = '';
let output = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-publish-'));
  writeFileSync(
    join(dir, 'sluice.yaml'),
    `version: 1
admin: { listen: 0, token: ${TOKEN} }
http:
  servers:
    - name: mock
      listen: 0
      routes:
        - path: /events
          sse: { channel: news }
`,
  );
  child = spawn(process.execPath, [cli, 'run', join(dir, 'sluice.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => (output += s));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sluice run did not start:\n${output}`)), 40_000);
    child.stdout!.on('data', (s: string) => {
      output += s;
      admin = /admin admin listening on http:\/\/(\S+)/.exec(output)?.[1] ?? admin;
      mock = /http mock listening on http:\/\/(\S+)/.exec(output)?.[1] ?? mock;
      if (admin && mock) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`sluice run exited ${code}:\n${output}`)));
  });
});

after(() => {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `cond` every 50 ms until it holds, failing after `ms` (generous: the machine may be loaded). */
async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('sluice publish reaches a curl -N subscriber of the channel', async () => {
  const curl = spawn('curl', ['-sN', `http://${mock}/events`], { stdio: ['ignore', 'pipe', 'ignore'] });
  let got = '';
  curl.stdout!.setEncoding('utf8');
  curl.stdout!.on('data', (s: string) => (got += s));
  try {
    const auth = { authorization: `Bearer ${TOKEN}` };
    await until(
      async () => {
        const channels = (await (await fetch(`http://${admin}/api/channels`, { headers: auth })).json()) as {
          clients: number;
        }[];
        return channels[0]!.clients === 1;
      },
      15_000,
      'curl to subscribe',
    );
    const pub = await run(
      process.execPath,
      [cli, 'publish', 'news', 'hello\nworld', '--event', 'greet', '--id', 'e-1', '--admin', admin, '--token', TOKEN],
      { timeoutMs: 30_000 },
    );
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal(pub.stdout.trim(), 'e-1');
    const second = await run(
      process.execPath,
      [cli, 'publish', 'news', 'again', '--admin', `http://${admin}`, '--token', TOKEN],
      { timeoutMs: 30_000 },
    );
    assert.equal(second.code, 0, second.stderr);
    await until(() => got.includes('data: again'), 10_000, 'the second event at curl');
    assert.match(got, /id: e-1\nevent: greet\ndata: hello\ndata: world\n\n/);
    assert.match(got, new RegExp(`id: ${second.stdout.trim()}\\ndata: again\\n\\n`));
  } finally {
    curl.kill();
  }
});

test('sluice publish: clear errors for a missing token, an unknown channel and an unreachable admin API', async () => {
  const noToken = await run(process.execPath, [cli, 'publish', 'news', 'x', '--admin', admin], { timeoutMs: 30_000 });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /401 unauthorized/);
  const unknown = await run(process.execPath, [cli, 'publish', 'nope', 'x', '--admin', admin, '--token', TOKEN], {
    timeoutMs: 30_000,
  });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /404 unknown channel "nope" \(channels: news\)/);
  const port = await freePort();
  const down = await run(process.execPath, [cli, 'publish', 'news', 'x', '--admin', `127.0.0.1:${port}`], {
    timeoutMs: 30_000,
  });
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    new RegExp(`cannot reach the admin API at http://127.0.0.1:${port} \\(connection refused\\)`),
  );
  // --config: address and token come from the file.
  const cfg = join(dir, 'client.yaml');
  writeFileSync(cfg, `version: 1\nadmin: { listen: "${admin}", token: ${TOKEN} }\n`);
  const viaConfig = await run(process.execPath, [cli, 'publish', 'news', 'from config', '--config', cfg], {
    timeoutMs: 30_000,
  });
  assert.equal(viaConfig.code, 0, viaConfig.stderr);
  const noAdmin = join(dir, 'no-admin.yaml');
  writeFileSync(noAdmin, 'version: 1\n');
  const missing = await run(process.execPath, [cli, 'publish', 'news', 'x', '--config', noAdmin], {
    timeoutMs: 30_000,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /has no admin section/);
});
