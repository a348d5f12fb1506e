import { test } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamServerSchema, type BalanceKind } from '../../core/config/schema.js';
import { UpstreamGroup, hashKey, type Peer } from '../../core/balance/index.js';
import { FakeClock } from '../../core/util/clock.js';

type ServerIn = {
  address: string;
  weight?: number;
  backup?: boolean;
  down?: boolean;
  max_fails?: number;
  fail_timeout?: number;
  max_conns?: number;
};

/** A group over named servers a, b, c… (addresses 127.0.0.1:1, :2, …). */
function group(balance: BalanceKind, servers: ServerIn[], opts: { rng?: () => number } = {}) {
  const clock = new FakeClock();
  const g = new UpstreamGroup(
    { name: 'g', balance, servers: servers.map((s) => upstreamServerSchema.parse(s)) },
    { clock, rng: opts.rng ?? seeded(1) },
  );
  return { g, clock };
}
const A = '127.0.0.1:1',
  B = '127.0.0.1:2',
  C = '127.0.0.1:3',
  D = '127.0.0.1:4';
const letter = (p: Peer | undefined) => (p ? 'abcd'[Number(p.address.split(':')[1]) - 1]! : '-');

/** Deterministic RNG (mulberry32). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks n times, releasing each pick as ok immediately; returns letters. */
function sequence(g: UpstreamGroup, n: number, clientIp?: string): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const p = g.pick({ clientIp });
    out += letter(p);
    if (p) g.release(p, 'ok');
  }
  return out;
}

const SEQUENCES: { name: string; balance: BalanceKind; servers: ServerIn[]; n: number; expect: string }[] = [
  {
    name: 'smooth RR 5/1/1 (nginx)',
    balance: 'round_robin',
    servers: [{ address: A, weight: 5 }, { address: B }, { address: C }],
    n: 14,
    expect: 'aabacaaaabacaa',
  },
  {
    name: 'RR equal weights',
    balance: 'round_robin',
    servers: [{ address: A }, { address: B }, { address: C }],
    n: 6,
    expect: 'abcabc',
  },
  {
    name: 'RR 2/1',
    balance: 'round_robin',
    servers: [{ address: A, weight: 2 }, { address: B }],
    n: 6,
    expect: 'abaaba',
  },
  {
    name: 'RR skips configured down',
    balance: 'round_robin',
    servers: [{ address: A }, { address: B, down: true }, { address: C }],
    n: 4,
    expect: 'acac',
  },
  {
    name: 'backup unused while a primary is up',
    balance: 'round_robin',
    servers: [{ address: A }, { address: B, backup: true }],
    n: 3,
    expect: 'aaa',
  },
  {
    name: 'backup used when every primary is down',
    balance: 'round_robin',
    servers: [
      { address: A, down: true },
      { address: B, down: true },
      { address: C, backup: true },
    ],
    n: 3,
    expect: 'ccc',
  },
  { name: 'nothing available', balance: 'round_robin', servers: [{ address: A, down: true }], n: 2, expect: '--' },
  {
    name: 'least_conn idle peers alternate (RR ties)',
    balance: 'least_conn',
    servers: [{ address: A }, { address: B }],
    n: 4,
    expect: 'abab',
  },
  {
    name: 'least_conn weighted ties 2/1',
    balance: 'least_conn',
    servers: [{ address: A, weight: 2 }, { address: B }],
    n: 6,
    expect: 'abaaba',
  },
];

for (const c of SEQUENCES) {
  test(`pick sequence: ${c.name}`, () => {
    assert.equal(sequence(group(c.balance, c.servers).g, c.n), c.expect);
  });
}

test('least_conn prefers the peer with fewer active per weight', () => {
  const { g } = group('least_conn', [{ address: A }, { address: B, weight: 2 }, { address: C }]);
  // Hold every pick open: active/weight decides. b (weight 2) takes two for every one of a and c.
  const held = Array.from({ length: 8 }, () => letter(g.pick()));
  const count = (l: string) => held.filter((x) => x === l).length;
  assert.deepEqual([count('a'), count('b'), count('c')], [2, 4, 2]);
  // Releasing a's connections makes a the least loaded.
  for (const p of g.peers)
    if (p.address === A) {
      g.release(p, 'ok');
      g.release(p, 'ok');
    }
  assert.equal(letter(g.pick()), 'a');
});

test('max_conns: a full peer is skipped, backup takes over when all are full', () => {
  const { g } = group('round_robin', [
    { address: A, max_conns: 1 },
    { address: B, max_conns: 1 },
    { address: C, backup: true },
  ]);
  assert.equal([g.pick(), g.pick(), g.pick()].map(letter).join(''), 'abc');
});

test('max_fails within fail_timeout takes a peer out; it returns after fail_timeout', () => {
  const { g, clock } = group('round_robin', [{ address: A, max_fails: 2, fail_timeout: 10_000 }, { address: B }]);
  const a = g.peer(A)!;
  // One failure: still in rotation.
  g.release(g.pick()!, 'fail');
  assert.equal(sequence(g, 4), 'baba');
  // Second failure within the window: out.
  const p = g.pick()!;
  assert.equal(letter(p), 'b');
  g.release(p, 'ok');
  const q = g.pick()!;
  assert.equal(letter(q), 'a');
  g.release(q, 'fail');
  assert.equal(g.isDown(a), true);
  assert.equal(sequence(g, 4), 'bbbb');
  clock.advance(9_999);
  assert.equal(sequence(g, 2), 'bb');
  clock.advance(2);
  assert.equal(g.isDown(a), false);
  assert.ok(sequence(g, 4).includes('a'), 'a is back after fail_timeout');
});

test('failures spread over more than fail_timeout do not add up', () => {
  const { g, clock } = group('round_robin', [{ address: A, max_fails: 2, fail_timeout: 1000 }, { address: B }]);
  const a = g.peer(A)!;
  a.acquire();
  g.release(a, 'fail');
  clock.advance(1500);
  a.acquire();
  g.release(a, 'fail');
  assert.equal(g.isDown(a), false);
  a.acquire();
  g.release(a, 'fail');
  assert.equal(g.isDown(a), true);
});

test('max_fails 0 disables passive accounting', () => {
  const { g } = group('round_robin', [{ address: A, max_fails: 0 }, { address: B }]);
  for (let i = 0; i < 5; i++) {
    const a = g.peer(A)!;
    a.acquire();
    g.release(a, 'fail');
  }
  assert.equal(g.isDown(g.peer(A)!), false);
});

test('health-check down peers are skipped; backups when all primaries are down', () => {
  const { g } = group('round_robin', [{ address: A }, { address: B }, { address: C, backup: true }]);
  g.peer(A)!.health = 'down';
  assert.equal(sequence(g, 3), 'bbb');
  g.peer(B)!.health = 'down';
  assert.equal(sequence(g, 2), 'cc');
  g.peer(A)!.health = 'up';
  assert.equal(sequence(g, 2), 'aa');
});

test('exclude: next-upstream tries each peer once, then backups, then nothing', () => {
  const { g } = group('round_robin', [{ address: A }, { address: B }, { address: C, backup: true }]);
  const tried = new Set<Peer>();
  let seq = '';
  for (;;) {
    const p = g.pick({ exclude: tried });
    seq += letter(p);
    if (!p) break;
    tried.add(p);
    g.release(p, 'fail');
  }
  assert.equal(seq, 'abc-');
});

test('ip_hash: a client keeps its server; the same /24 maps together; clients spread', () => {
  const { g } = group('ip_hash', [{ address: A }, { address: B }, { address: C }]);
  const first = sequence(g, 1, '10.1.2.3');
  assert.equal(sequence(g, 10, '10.1.2.3'), first.repeat(10));
  assert.equal(sequence(g, 1, '10.1.2.200'), first, 'same first three octets');
  assert.equal(sequence(g, 1, '::ffff:10.1.2.9'), first, 'IPv4-mapped IPv6');
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) seen.add(sequence(g, 1, `10.${i}.${(i * 7) % 256}.1`));
  assert.equal(seen.size, 3, 'different networks spread over all peers');
  assert.deepEqual(hashKey('10.1.2.3'), [10, 1, 2]);
  assert.equal(hashKey('2001:db8::1').length, 16);
});

test('ip_hash: a down peer rehashes its clients elsewhere and they come back', () => {
  const { g } = group('ip_hash', [{ address: A }, { address: B }, { address: C }]);
  const before = sequence(g, 1, '192.168.7.1');
  const peer = g.peers.find((p) => letter(p) === before)!;
  peer.health = 'down';
  const moved = sequence(g, 5, '192.168.7.1');
  assert.equal(moved.length, 5);
  assert.ok(!moved.includes(before));
  assert.equal(new Set(moved).size, 1, 'rehash is stable too');
  peer.health = 'up';
  assert.equal(sequence(g, 1, '192.168.7.1'), before);
});

test('random (two choices): weighted share over 10000 picks', () => {
  const { g } = group(
    'random',
    [
      { address: A, weight: 3 },
      { address: B, weight: 1 },
    ],
    { rng: seeded(42) },
  );
  const s = sequence(g, 10_000);
  const a = [...s].filter((x) => x === 'a').length / s.length;
  // Both draws are weighted and distinct, and with equal load the first wins: a is chosen 75% of the time.
  assert.ok(Math.abs(a - 0.75) < 0.03, `a share ${a}`);
});

test('random (two choices) picks the less loaded of the two', () => {
  const { g } = group('random', [{ address: A }, { address: B }], { rng: seeded(7) });
  const held: Peer[] = [];
  for (let i = 0; i < 10; i++) held.push(g.pick()!);
  const count = (l: string) => held.filter((p) => letter(p) === l).length;
  assert.deepEqual([count('a'), count('b')], [5, 5]);
});

test('update keeps state for unchanged addresses and drops removed ones', () => {
  const { g } = group('round_robin', [{ address: A }, { address: B }]);
  const a = g.peer(A)!;
  a.acquire();
  a.health = 'down';
  g.update({
    name: 'g',
    balance: 'least_conn',
    servers: [upstreamServerSchema.parse({ address: A, weight: 4 }), upstreamServerSchema.parse({ address: D })],
  });
  assert.equal(g.peer(A), a);
  assert.equal(a.active, 1);
  assert.equal(a.health, 'down');
  assert.equal(a.weight, 4);
  assert.equal(g.peer(B), undefined);
  assert.equal(g.balance, 'least_conn');
  assert.equal(sequence(g, 2), 'dd');
  assert.match(g.explain(), /fewest active/);
});

test("a group's only server is never taken out by failures (nginx); with a second server or a backup it is", () => {
  for (const balance of ['round_robin', 'least_conn', 'ip_hash', 'random'] as const) {
    const { g, clock } = group(balance, [{ address: A, max_fails: 1, fail_timeout: 10_000 }]);
    for (let i = 0; i < 3; i++) g.release(g.pick({ clientIp: '10.0.0.1' })!, 'fail');
    clock.advance(1);
    assert.equal(letter(g.pick({ clientIp: '10.0.0.1' })), 'a', `${balance}: the sole server still answers`);
    assert.equal(g.peers[0]!.failures, 3, 'its failures are still counted');
  }
  const withBackup = group('round_robin', [{ address: A }, { address: B, backup: true }]);
  withBackup.g.release(withBackup.g.pick()!, 'fail');
  assert.equal(letter(withBackup.g.pick()), 'b', 'a failed primary with a backup is skipped');
  const two = group('round_robin', [{ address: A }, { address: B }]);
  two.g.release(two.g.pick()!, 'fail');
  assert.equal(sequence(two.g, 2), 'bb');
  const down = group('round_robin', [{ address: A, down: true }]);
  assert.equal(letter(down.g.pick()), '-', 'down: true still rules it out');
  const one = group('round_robin', [{ address: A }]);
  one.g.peers[0]!.setHealth(false);
  assert.equal(letter(one.g.pick()), '-', 'a failed active health check still rules it out');
});
