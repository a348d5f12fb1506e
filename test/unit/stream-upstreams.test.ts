/**
 * The stream-upstreams module across applies: groups keep their servers'
 * live state, removed servers and groups drop their counters, state is
 * reported per server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../core/engine/engine.js';
import { STREAM_UPSTREAMS, type StreamUpstreams } from '../../core/stream/upstreams.js';
import { parseConfig } from '../helpers/engine.js';

const config = (servers: string, extra = '') =>
  parseConfig(`
stream:
  upstreams:
    - { name: g, balance: least_conn, servers: ${servers} }${extra}
`);

describe('stream upstreams module', () => {
  it('keeps live server state across applies and reports it', async () => {
    const engine = new Engine();
    const mod = engine.services.modules.get(STREAM_UPSTREAMS) as StreamUpstreams;
    await mod.apply(config('[ { address: 127.0.0.1:7001 }, { address: 127.0.0.1:7002, backup: true } ]'));
    const g = mod.get('g')!;
    const a = g.group.peer('127.0.0.1:7001')!;
    g.group.pick();
    g.counters(a).requests++;
    g.group.release(a, 'fail');
    assert.deepEqual(
      mod.servers().map((s) => [s.address, s.health, s.backup]),
      [
        ['127.0.0.1:7001', 'down', false],
        ['127.0.0.1:7002', 'up', true],
      ],
    );

    await mod.apply(config('[ { address: 127.0.0.1:7001, weight: 4 }, { address: 127.0.0.1:7003 } ]'));
    assert.equal(mod.get('g'), g, 'same group object');
    assert.equal(g.group.peer('127.0.0.1:7001'), a, 'same peer, new weight');
    assert.equal(a.weight, 4);
    assert.equal(a.failures, 1);
    assert.equal(mod.servers()[0]!.requests, 1);
    assert.equal(
      engine.services.counters.all().some((s) => s.name === 'g 127.0.0.1:7002'),
      false,
      'a removed server drops its counters',
    );

    await mod.apply(parseConfig('stream: { upstreams: [] }'));
    assert.equal(mod.get('g'), undefined);
    assert.deepEqual(mod.servers(), []);
    mod.stop();
  });

  it('with a health check a server is unknown until probed, then down when it fails', async () => {
    const engine = new Engine();
    const mod = engine.services.modules.get(STREAM_UPSTREAMS) as StreamUpstreams;
    await mod.apply(
      parseConfig(`
stream:
  upstreams: [ { name: g, servers: [ { address: 127.0.0.1:1 } ], health_check: { interval: 10s, timeout: 500ms, fails: 1 } } ]
`),
    );
    assert.equal(mod.servers()[0]!.health, 'unknown');
    for (let i = 0; i < 50 && mod.servers()[0]!.health !== 'down'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(mod.servers()[0]!.health, 'down');
    mod.stop();
  });
});
