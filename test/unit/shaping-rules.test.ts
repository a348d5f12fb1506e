/** Limit selection (route override, first matching rule, default), explain() texts and live module applies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../helpers/engine.js';
import { selectLimit, clientMatches, limitsByScope } from '../../core/shaping/rules.js';
import { explainLimit, explainRule, explainLimits } from '../../core/shaping/explain.js';
import { ShapingModule } from '../../core/shaping/module.js';
import { FakeClock } from '../../core/util/clock.js';
import { CounterRegistry } from '../../core/telemetry/counters.js';
import type { EngineServices } from '../../core/engine/services.js';
import type { SluiceConfig } from '../../core/config/index.js';

const yaml = (limits: string, routeLimit = '') => `
http:
  servers:
    - name: web
      listen: 0
      routes:
        - path: /dl
          respond: { body: x }
${routeLimit ? `          limit: ${routeLimit}` : ''}
        - path: /
          respond: { body: y }
  limits:
${limits}
`;

const RULES = `
    default: { rate: 1m }
    rules:
      - { match: { ext: [mp4, zip], min_size: 1k }, rate: 256k }
      - { match: { content_type: [video/] }, rate: 128k }
      - { match: { client: [127.0.0.2/32, 'fd00::/8'] }, rate: 64k, per: client }
      - { match: { path: /slow }, rate: 32k }
      - { match: { path: /up }, rate: 16k, direction: in }
`;

function pick(
  cfg: SluiceConfig,
  input: { pathname: string; client?: string; contentType?: string; size?: number },
  dir: 'out' | 'in' = 'out',
  routeIndex = 1,
) {
  const server = cfg.http.servers[0]!;
  return selectLimit(server, server.routes[routeIndex]!, cfg.http.limits, { client: '127.0.0.1', ...input }, dir)
    ?.scope;
}

test('first matching rule wins; default otherwise', () => {
  const cfg = parseConfig(yaml(RULES));
  assert.equal(pick(cfg, { pathname: '/a/movie.MP4', size: 5000 }), 'rule 1');
  assert.equal(pick(cfg, { pathname: '/a/movie.mp4', size: 100 }), 'default', 'min_size not reached');
  assert.equal(pick(cfg, { pathname: '/a/movie.mp4' }), 'default', 'unknown size does not match min_size');
  assert.equal(pick(cfg, { pathname: '/x', contentType: 'video/webm' }), 'rule 2');
  assert.equal(pick(cfg, { pathname: '/x', client: '127.0.0.2' }), 'rule 3');
  assert.equal(pick(cfg, { pathname: '/x', client: '127.0.0.3' }), 'default');
  assert.equal(pick(cfg, { pathname: '/x', client: 'fd00::1' }), 'rule 3', 'IPv6 CIDR');
  assert.equal(pick(cfg, { pathname: '/slow/a' }), 'rule 4');
  assert.equal(pick(cfg, { pathname: '/slowish' }), 'default', 'path prefix on a segment boundary');
  assert.equal(pick(cfg, { pathname: '/up' }), 'default', 'an upload-only rule does not shape responses');
  assert.equal(pick(cfg, { pathname: '/up' }, 'in'), 'rule 5');
  assert.equal(pick(cfg, { pathname: '/x' }, 'in'), undefined, 'default is out-only');
});

test('a route limit overrides the rules', () => {
  const cfg = parseConfig(yaml(RULES, '{ rate: 2m, per: route }'));
  assert.equal(pick(cfg, { pathname: '/dl/a.mp4', size: 5000 }, 'out', 0), 'route web /dl');
});

test('client CIDR matching', () => {
  assert.ok(clientMatches('10.1.2.3', ['10.0.0.0/8']));
  assert.ok(!clientMatches('11.1.2.3', ['10.0.0.0/8']));
  assert.ok(clientMatches('::1', ['::1']));
  assert.ok(!clientMatches('not-an-ip', ['10.0.0.0/8']));
});

test('explain() says each limit and rule in one sentence', () => {
  const cfg = parseConfig(
    yaml(`
    rules:
      - { match: { ext: [mp4, zip], min_size: 1k }, rate: 256k }
    default: { rate: 512k, burst: 64k, after: 1m, per: client }
`),
  );
  assert.equal(explainLimit(cfg.http.limits!.default!), '512 KiB/s per client after the first 1 MiB, burst 64 KiB');
  assert.equal(
    explainRule(cfg.http.limits!.rules[0]!),
    'files .mp4/.zip of at least 1 KiB: 256 KiB/s per connection, burst 25.6 KiB',
  );
  assert.deepEqual(explainLimits(cfg.http.limits).length, 2);
  const up = parseConfig(yaml(`    default: { rate: 4m, direction: both, per: route }`));
  assert.equal(explainLimit(up.http.limits!.default!), '4 MiB/s shared by the route each way, burst 410 KiB');
});

function services(clock: FakeClock, config: () => SluiceConfig | undefined): EngineServices {
  return {
    clock,
    counters: new CounterRegistry(),
    hooks: [],
    baseDir: '.',
    log: () => {},
    config,
    modules: new Map(),
    traffic: undefined as never,
  };
}

test('module: apply re-tunes shared buckets in place; removal releases waiters; samples report', async () => {
  const clock = new FakeClock();
  let cfg = parseConfig(yaml(RULES, '{ rate: 10k, burst: 1k, per: route }'));
  const mod = new ShapingModule(services(clock, () => cfg));
  mod.apply(cfg);
  assert.deepEqual([...limitsByScope(cfg).keys()].sort(), [
    'default',
    'route web /dl',
    'rule 1',
    'rule 2',
    'rule 3',
    'rule 4',
    'rule 5',
  ]);
  const stage = mod.throttle('route web /dl', '127.0.0.1', 'out')!;
  const scope = mod.scope('route web /dl')!;
  let sent = 0;
  const done = stage.write(Buffer.alloc(100_000), async (c) => {
    sent += c.length;
  });
  for (let i = 0; i < 100; i++) {
    clock.advance(10);
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(Math.abs(sent - 11 * 1024) < 1100, `1 s at 10 KiB/s plus burst: ${sent}`);
  const bucket = scope.bucket('out *');
  cfg = parseConfig(yaml(RULES, '{ rate: 20k, burst: 1k, per: route }'));
  mod.apply(cfg);
  assert.equal(mod.scope('route web /dl'), scope, 'same scope object survives the apply');
  assert.equal(scope.bucket('out *'), bucket, 'same shared bucket survives');
  assert.equal(bucket.rate, 20 * 1024);
  const s1 = sent;
  mod.samples(); // baseline: samples report the change since the previous call
  for (let i = 0; i < 100; i++) {
    clock.advance(10);
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(Math.abs(sent - s1 - 20 * 1024) < 1100, `next second at 20 KiB/s: ${sent - s1}`);
  const [sample] = mod.samples().filter((s) => s.scope === 'route web /dl');
  assert.equal(sample!.rate, 20 * 1024);
  assert.ok(Math.abs(sample!.achievedPerSec - 20 * 1024) < 1100, `achieved ${sample!.achievedPerSec}`);
  assert.ok(sample!.throttled > 0.9, `throttled fraction ${sample!.throttled}`);
  cfg = parseConfig(yaml(RULES));
  mod.apply(cfg);
  await done;
  assert.equal(sent, 100_000, 'a removed limit lets the rest through');
  assert.equal(mod.scope('route web /dl'), undefined);
  mod.stop();
});

test('module: idle shared buckets are garbage-collected; connection buckets go with their connection', async () => {
  const clock = new FakeClock();
  const cfg = parseConfig(yaml(RULES));
  const mod = new ShapingModule(services(clock, () => cfg));
  mod.apply(cfg);
  const scope = mod.scope('rule 3')!; // per: client
  for (const ip of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
    const st = mod.throttle('rule 3', ip, 'out')!;
    await st.write(Buffer.alloc(100), async () => {});
    st.dispose();
  }
  assert.equal(scope.size, 3, 'one bucket per client');
  clock.advance(5_000);
  mod.samples();
  assert.equal(scope.size, 3, 'kept while recently used');
  clock.advance(10_000);
  mod.samples();
  assert.equal(scope.size, 0, 'idle and full: dropped');
  const conn = mod.throttle('default', '127.0.0.1', 'out')!;
  await conn.write(Buffer.alloc(100), async () => {});
  assert.equal(mod.scope('default')!.size, 1);
  conn.dispose();
  assert.equal(mod.scope('default')!.size, 0, 'per-connection bucket dropped on close');
  assert.equal(mod.scope('default')!.counters.active, 0);
  mod.stop();
});

test('module: direction both gives uploads and downloads their own buckets', async () => {
  const clock = new FakeClock();
  const cfg = parseConfig(yaml(RULES, '{ rate: 10k, burst: 1k, per: route, direction: both }'));
  const mod = new ShapingModule(services(clock, () => cfg));
  mod.apply(cfg);
  const out = mod.throttle('route web /dl', '127.0.0.1', 'out')!;
  const inb = mod.throttle('route web /dl', '127.0.0.1', 'in')!;
  let sentOut = 0;
  let sentIn = 0;
  const a = out.write(Buffer.alloc(20_000), async (c) => {
    sentOut += c.length;
  });
  const b = inb.write(Buffer.alloc(20_000), async (c) => {
    sentIn += c.length;
  });
  for (let i = 0; i < 100; i++) {
    clock.advance(10);
    await new Promise((r) => setImmediate(r));
  }
  // Each direction gets the full 10 KiB/s (plus its 1 KiB burst), not half of it.
  assert.ok(Math.abs(sentOut - 11 * 1024) < 1100, `out ${sentOut}`);
  assert.ok(Math.abs(sentIn - 11 * 1024) < 1100, `in ${sentIn}`);
  assert.equal(mod.scope('route web /dl')!.size, 2);
  out.dispose();
  inb.dispose();
  await Promise.all([a, b]);
  mod.stop();
});
