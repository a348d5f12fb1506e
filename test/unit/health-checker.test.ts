import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { upstreamServerSchema } from '../../core/config/schema.js';
import { UpstreamGroup } from '../../core/balance/index.js';
import { HealthChecker, HttpProbe, ProbeError, type HealthChange, type Probe } from '../../core/health/index.js';
import { FakeClock } from '../../core/util/clock.js';

/** A probe whose answer per address the test sets; 'hang' never answers (timeout). */
class ScriptedProbe implements Probe {
  answers = new Map<string, 'ok' | 'fail' | 'hang'>();
  calls = 0;
  explain() {
    return 'scripted';
  }
  check(address: string, signal: AbortSignal): Promise<void> {
    this.calls++;
    const a = this.answers.get(address) ?? 'ok';
    if (a === 'ok') return Promise.resolve();
    if (a === 'fail') return Promise.reject(new ProbeError('refused'));
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function setup(opts = { interval: 1000, timeout: 300, fails: 2, passes: 3 }) {
  const clock = new FakeClock();
  const group = new UpstreamGroup(
    {
      name: 'g',
      balance: 'round_robin',
      servers: ['127.0.0.1:1', '127.0.0.1:2'].map((address) => upstreamServerSchema.parse({ address })),
    },
    { clock },
  );
  const probe = new ScriptedProbe();
  const checker = new HealthChecker(() => group.peers, probe, opts, clock);
  const changes: HealthChange[] = [];
  checker.on('change', (c) => changes.push(c));
  /** Advances the clock by one interval and lets probes settle. */
  const tick = async (ms = opts.interval) => {
    clock.advance(ms);
    await flush();
    await flush();
  };
  return { clock, group, probe, checker, changes, tick, a: group.peers[0]!, b: group.peers[1]! };
}

test('first success marks up; fails threshold marks down; passes threshold brings back', async () => {
  const { checker, probe, changes, tick, a, b, group } = setup();
  checker.start();
  await tick(0);
  assert.equal(a.health, 'up');
  assert.equal(changes.length, 0, 'unknown → up is not a change event');
  probe.answers.set(a.address, 'fail');
  await tick();
  assert.equal(a.health, 'up', 'one failure is below fails: 2');
  await tick();
  assert.equal(a.health, 'down');
  assert.deepEqual(changes, [{ address: a.address, up: false, reason: 'refused' }]);
  assert.equal(group.pick()?.address, b.address);
  assert.equal(checker.reason(a), 'refused');
  probe.answers.set(a.address, 'ok');
  await tick();
  await tick();
  assert.equal(a.health, 'down', 'two passes are below passes: 3');
  await tick();
  assert.equal(a.health, 'up');
  assert.deepEqual(changes.at(-1), { address: a.address, up: true, reason: undefined });
  assert.equal(b.health, 'up');
  assert.deepEqual(checker.stats, { checks: 12, failures: 2, changes: 2 });
  checker.stop();
});

test('a probe that does not answer within timeout counts as a failure', async () => {
  const { checker, probe, tick, a } = setup({ interval: 1000, timeout: 300, fails: 1, passes: 1 });
  probe.answers.set(a.address, 'hang');
  checker.start();
  await tick(0);
  assert.equal(a.health, 'unknown');
  await tick(300);
  assert.equal(a.health, 'down');
  assert.match(checker.reason(a) ?? '', /no answer within 300 ms/);
  checker.stop();
});

test('stop cancels the schedule', async () => {
  const { checker, probe, tick } = setup();
  checker.start();
  await tick(0);
  const n = probe.calls;
  checker.stop();
  await tick();
  await tick();
  assert.equal(probe.calls, n);
});

test('HttpProbe: expected statuses, default 2xx/3xx, refused connection', async () => {
  let status = 200;
  const server = http.createServer((req, res) => {
    res.statusCode = req.url === '/health' ? status : 404;
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sig = new AbortController().signal;
  try {
    await new HttpProbe({ path: '/health' }).check(addr, sig);
    status = 302;
    await new HttpProbe({ path: '/health' }).check(addr, sig);
    status = 503;
    await assert.rejects(new HttpProbe({ path: '/health' }).check(addr, sig), /GET \/health answered 503/);
    await new HttpProbe({ path: '/health', status: [503] }).check(addr, sig);
    await assert.rejects(new HttpProbe({ path: '/nope' }).check(addr, sig), /answered 404/);
  } finally {
    server.close();
  }
  await assert.rejects(new HttpProbe({ path: '/' }).check(addr, sig), /ECONNREFUSED/);
});
