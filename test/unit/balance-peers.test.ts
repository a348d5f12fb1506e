/**
 * What the balancers keep per server and decide per pick, beyond the pick
 * sequences of balance-pick.test.ts: passive failure windows to the
 * millisecond, health verdicts, tries per request, the one-line explanation,
 * nginx's ip_hash mapping (a client lands on the server nginx would pick) and
 * weighted random draws at their boundaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamServerSchema, type BalanceKind } from '../../core/config/schema.js';
import {
  BALANCE_EXPLAINED,
  IpHashBalancer,
  Peer,
  RandomBalancer,
  RoundRobinBalancer,
  UpstreamGroup,
  hashKey,
} from '../../core/balance/index.js';
import { FakeClock } from '../../core/util/clock.js';

const server = (address: string, extra: Record<string, unknown> = {}) =>
  upstreamServerSchema.parse({ address, ...extra });
const A = '127.0.0.1:1';
const B = '127.0.0.1:2';
const C = '127.0.0.1:3';

function group(balance: BalanceKind, servers: ReturnType<typeof server>[], rng?: () => number) {
  const clock = new FakeClock();
  return { g: new UpstreamGroup({ name: 'g', balance, servers }, { clock, ...(rng ? { rng } : {}) }), clock };
}

test('a new peer: configured settings, no load, no failures, health unknown (usable)', () => {
  const p = new Peer(server(A, { weight: 3, max_fails: 2, fail_timeout: 5000, max_conns: 4 }));
  assert.deepEqual(
    [p.address, p.weight, p.backup, p.down, p.maxFails, p.failTimeout, p.maxConns],
    [A, 3, false, false, 2, 5000, 4],
  );
  assert.deepEqual([p.active, p.fails, p.picks, p.failures, p.health], [0, 0, 0, 0, 'unknown']);
  assert.equal(p.available(0), true);
  assert.equal(p.isDown(0), false);
});

test('failures: out at max_fails until exactly fail_timeout has passed since the last one', () => {
  const p = new Peer(server(A, { max_fails: 2, fail_timeout: 1000 }));
  p.acquire();
  p.release('fail', 100);
  assert.deepEqual([p.fails, p.failures, p.active, p.picks], [1, 1, 0, 1]);
  assert.equal(p.failed(100), false, 'one of two');
  p.release('fail', 200);
  assert.equal(p.failed(200), true);
  assert.equal(p.isDown(1199), true);
  assert.equal(p.available(1199), false);
  assert.equal(p.failed(1200), false, 'fail_timeout after the last failure: back');
  assert.equal(p.available(1200), true);
  // A success inside the window changes nothing; after it, the count is cleared.
  p.recordSuccess(1100);
  assert.equal(p.fails, 2);
  p.recordSuccess(1200);
  assert.equal(p.fails, 0);
  // A failure after a quiet window starts counting afresh.
  p.recordFailure(5000);
  assert.equal(p.fails, 1);
  p.recordFailure(5999);
  assert.equal(p.fails, 2);
  p.recordFailure(7000);
  assert.equal(p.fails, 1, 'the window had passed: counting starts again');
  assert.equal(p.failures, 5, 'every failure stays in the totals');
});

test('max_fails 0 after failures were counted: passive accounting is off at once', () => {
  const { g, clock } = group('round_robin', [server(A, { max_fails: 1 }), server(B)]);
  const a = g.peer(A)!;
  clock.advance(50);
  a.acquire();
  g.release(a, 'fail');
  assert.equal(g.isDown(a), true);
  g.update({ name: 'g', balance: 'round_robin', servers: [server(A, { max_fails: 0 }), server(B)] });
  assert.equal(g.isDown(a), false);
  assert.equal(a.available(clock.now()), true);
});

test('release never drives active below zero; an ok release is a success', () => {
  const p = new Peer(server(A));
  p.release('ok', 0);
  assert.equal(p.active, 0);
  p.acquire();
  p.acquire();
  p.release('ok', 0);
  assert.deepEqual([p.active, p.picks, p.failures], [1, 2, 0]);
});

test('health verdicts: down rules a peer out; up again forgives its passive failures', () => {
  const p = new Peer(server(A, { max_fails: 1, fail_timeout: 10_000 }));
  p.recordFailure(0);
  assert.equal(p.failed(1), true);
  p.setHealth(false);
  assert.equal(p.health, 'down');
  assert.equal(p.fails, 1, 'a down verdict keeps the count');
  assert.equal(p.isDown(1), true);
  p.setHealth(true);
  assert.equal(p.health, 'up');
  assert.equal(p.fails, 0);
  assert.equal(p.isDown(1), false);
  assert.equal(p.available(1), true);
});

test('isDown: configured down, checked down or failed — not a full max_conns', () => {
  const { g } = group('round_robin', [server(A, { down: true }), server(B, { max_conns: 1 }), server(C)]);
  assert.equal(g.isDown(g.peer(A)!), true);
  const b = g.peer(B)!;
  b.acquire();
  assert.equal(b.available(0), false, 'full');
  assert.equal(g.isDown(b), false, 'full is not down');
  g.peer(C)!.health = 'down';
  assert.equal(g.isDown(g.peer(C)!), true);
});

test('tries per request: every server not configured down, or next_upstream_tries when lower; at least one', () => {
  const { g } = group('round_robin', [server(A), server(B), server(C, { down: true })]);
  assert.equal(g.tries(0), 2);
  assert.equal(g.tries(1), 1);
  assert.equal(g.tries(2), 2);
  assert.equal(g.tries(5), 2);
  const none = group('round_robin', [server(A, { down: true })]).g;
  assert.equal(none.tries(0), 1);
  assert.equal(none.tries(3), 1);
});

test('explain: the algorithm and every server with its weight and role', () => {
  const { g } = group('round_robin', [server(A, { weight: 3 }), server(B), server(C, { backup: true })]);
  assert.equal(g.explain(), `g: smooth weighted round robin (nginx) over ${A} ×3, ${B}, ${C} (backup)`);
  assert.deepEqual(BALANCE_EXPLAINED, {
    round_robin: 'smooth weighted round robin (nginx)',
    least_conn: 'fewest active connections per weight, ties by round robin',
    ip_hash: 'sticky by client address (first three IPv4 octets), weighted',
    random: 'two weighted random choices, the less loaded wins',
  });
  for (const kind of ['least_conn', 'ip_hash', 'random'] as const)
    assert.equal(group(kind, [server(A)]).g.explain(), `g: ${BALANCE_EXPLAINED[kind]} over ${A}`);
});

test('a group draws its random choices from the injected rng, else from Math.random', () => {
  const picks = (rng?: () => number) => {
    const g = group('random', [server(A), server(B), server(C)], rng).g;
    return Array.from({ length: 30 }, () => {
      const p = g.pick()!;
      g.release(p, 'ok');
      return p.address.slice(-1);
    }).join('');
  };
  const counter = () => {
    let i = 0;
    return () => (i++ * 0.37) % 1;
  };
  assert.equal(picks(counter()), picks(counter()), 'the same rng, the same picks');
  assert.match(picks(), /^[123]{30}$/, 'without one, Math.random');
});

test('balancers used on their own: no context, release through the balancer', () => {
  const clock = new FakeClock();
  const peers = [new Peer(server(A)), new Peer(server(B))];
  const rr = new RoundRobinBalancer(peers, { clock, rng: () => 0 });
  const p = rr.pick()!;
  assert.equal(p.address, A);
  assert.equal(p.active, 1);
  rr.release(p, 'fail');
  assert.deepEqual([p.active, p.failures], [0, 1]);
  assert.equal(rr.pick()!.address, B, 'a failed peer (max_fails 1) is skipped');
  const ih = new IpHashBalancer(peers, { clock, rng: () => 0 });
  assert.equal(ih.pick()!.address, B, 'ip_hash without a client address: round robin');
});

/** nginx's ip_hash, written out independently: 89, then ×113 + octet mod 6271 per byte; rehash on a miss. */
function nginxIpHash(ip: string, weights: number[], usable: (i: number) => boolean): number | undefined {
  const total = weights.reduce((a, b) => a + b, 0);
  let hash = 89;
  for (let tries = 0; tries < 20; tries++) {
    for (const octet of ip.split('.').slice(0, 3).map(Number)) hash = (hash * 113 + octet) % 6271;
    let w = hash % total;
    let i = 0;
    while (w >= weights[i]!) w -= weights[i++]!;
    if (usable(i)) return i;
  }
  return undefined;
}

test("ip_hash maps each IPv4 client to the server nginx's ip_hash would pick (weights and rehash included)", () => {
  const weights = [1, 2, 3];
  const { g } = group('ip_hash', [server(A, { weight: 1 }), server(B, { weight: 2 }), server(C, { weight: 3 })]);
  const ips = Array.from({ length: 60 }, (_, i) => `${10 + (i % 7)}.${(i * 37) % 256}.${(i * 11) % 256}.${i}`);
  for (const ip of ips) {
    const p = g.pick({ clientIp: ip })!;
    g.release(p, 'ok');
    assert.equal(
      g.peers.indexOf(p),
      nginxIpHash(ip, weights, () => true),
      ip,
    );
  }
  // With the third server down, its clients are rehashed as nginx does.
  g.peer(C)!.health = 'down';
  for (const ip of ips) {
    const want = nginxIpHash(ip, weights, (i) => i !== 2);
    if (want === undefined) continue;
    const p = g.pick({ clientIp: ip })!;
    g.release(p, 'ok');
    assert.equal(g.peers.indexOf(p), want, `${ip} after a rehash`);
  }
});

test('ip_hash with nothing available: no pick, whatever the client (and no backups to fall back on)', () => {
  const { g } = group('ip_hash', [server(A, { down: true }), server(B, { down: true })]);
  assert.equal(g.pick({ clientIp: '10.0.0.1' }), undefined);
  const { g: all } = group('ip_hash', [server(A), server(B)]);
  const tried = new Set(all.peers);
  assert.equal(all.pick({ clientIp: '10.0.0.1', exclude: tried }), undefined, 'every server already tried');
});

test('hash keys: three IPv4 octets, 16 IPv6 bytes in every spelling, the bytes of anything else', () => {
  assert.deepEqual(hashKey('10.1.2.3'), [10, 1, 2]);
  assert.deepEqual(hashKey('::ffff:10.1.2.3'), [10, 1, 2]);
  const v6 = (groups: number[]) => groups.flatMap((n) => [n >> 8, n & 255]);
  assert.deepEqual(hashKey('2001:db8::1'), v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]));
  assert.deepEqual(hashKey('2001:0db8:0000:0000:0000:0000:0000:0001'), v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]));
  assert.deepEqual(hashKey('::1'), v6([0, 0, 0, 0, 0, 0, 0, 1]));
  assert.deepEqual(hashKey('fe80::'), v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]));
  assert.deepEqual(hashKey('::'), v6([0, 0, 0, 0, 0, 0, 0, 0]));
  assert.deepEqual(hashKey('1:2:3:4:5:6:7:8'), v6([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.deepEqual(hashKey('a:b::c:ffff'), v6([0xa, 0xb, 0, 0, 0, 0, 0xc, 0xffff]));
  assert.deepEqual(hashKey('::ffff:zz'), [...Buffer.from('::ffff:zz')], 'not an address: its bytes');
  assert.deepEqual(hashKey('client-a'), [...Buffer.from('client-a')]);
});

test('weighted random draws: each peer owns a slice of [0, 1) proportional to its weight', () => {
  const clock = new FakeClock();
  const draws = (values: number[]) => {
    const peers = [new Peer(server(A, { weight: 3 })), new Peer(server(B, { weight: 1 }))];
    let i = 0;
    const r = new RandomBalancer(peers, { clock, rng: () => values[i++ % values.length]! });
    const p = r.pick()!;
    return p.address.slice(-1);
  };
  // The first draw picks; the second (among the others) only matters under load, and both are idle here.
  assert.equal(draws([0, 0]), '1');
  assert.equal(draws([0.7499, 0]), '1');
  assert.equal(draws([0.75, 0]), '2', 'the boundary belongs to the next peer');
  assert.equal(draws([0.9999, 0]), '2');
});

test('random (two choices) keeps the less loaded per weight of its two draws, whichever comes first', () => {
  const clock = new FakeClock();
  let seed = 3;
  const rng = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const a = new Peer(server(A, { weight: 4 }));
  const b = new Peer(server(B, { weight: 1 }));
  const r = new RandomBalancer([a, b], { clock, rng });
  // a: 4 active over weight 4 (1 each); b: 2 over weight 1 (2 each): a is the less loaded.
  a.active = 4;
  b.active = 2;
  for (let i = 0; i < 40; i++) {
    const p = r.pick()!;
    assert.equal(p, a, `pick ${i}`);
    p.active--;
  }
  // One peer available: it is the pick (there is no second draw).
  const only = new RandomBalancer([new Peer(server(C))], { clock, rng });
  assert.equal(only.pick()!.address, C);
  assert.equal(new RandomBalancer([], { clock, rng }).pick(), undefined);
});

test('weighted draws over three peers walk the weights in order', () => {
  const clock = new FakeClock();
  const pick = (x: number) =>
    new RandomBalancer([new Peer(server(A)), new Peer(server(B)), new Peer(server(C))], { clock, rng: () => x })
      .pick()!
      .address.slice(-1);
  assert.deepEqual([0, 0.34, 0.5, 0.67, 0.99].map(pick), ['1', '2', '2', '3', '3']);
});

test('failure windows: a failure exactly fail_timeout after the last starts counting afresh; max_fails 0 counts none', () => {
  const p = new Peer(server(A, { max_fails: 2, fail_timeout: 1000 }));
  p.recordFailure(0);
  p.recordFailure(1000);
  assert.equal(p.fails, 1);
  assert.equal(p.failed(1000), false);
  const off = new Peer(server(A, { max_fails: 0 }));
  off.recordFailure(0);
  off.recordFailure(1);
  assert.deepEqual([off.fails, off.failures], [0, 2]);
});

test('random (two choices): the second draw is never the first peer again', () => {
  const clock = new FakeClock();
  const a = new Peer(server(A));
  const b = new Peer(server(B));
  a.active = 1;
  // Every draw lands in the first half: the first is a; the second, among the others, can only be b.
  const r = new RandomBalancer([a, b], { clock, rng: () => 0.1 });
  assert.equal(r.pick(), b, 'b, idle, beats a');
});
