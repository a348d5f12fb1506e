import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, GAP_EVENT, type ChannelEvent } from '../../core/sse/channel.js';
import type { SseClient } from '../../core/sse/client.js';
import { Counters } from '../../core/telemetry/counters.js';

function fakeClient(): { client: SseClient; got: ChannelEvent[]; ended: () => boolean } {
  const got: ChannelEvent[] = [];
  let ended = false;
  const client = {
    deliver: (ev: ChannelEvent) => got.push(ev),
    end: () => {
      ended = true;
    },
    cork: () => false,
  } as unknown as SseClient;
  return { client, got, ended: () => ended };
}

const ids = (evs: ChannelEvent[]) => evs.map((e) => e.id);

test('ids increase and every subscriber gets the same encoded Buffer', () => {
  const ch = new Channel('c', 10, new Counters());
  const a = fakeClient();
  const b = fakeClient();
  ch.subscribe(a.client);
  ch.subscribe(b.client);
  const e1 = ch.publish({ data: 'x' });
  const e2 = ch.publish({ event: 'y', data: 'z' });
  assert.deepEqual([e1.id, e2.id], ['1', '2']);
  assert.equal(a.got[0]!.bytes, b.got[0]!.bytes, 'encoded once, same Buffer object');
  assert.equal(a.got[1]!.bytes.toString(), 'id: 2\nevent: y\ndata: z\n\n');
  assert.equal(ch.clientCount, 2);
  ch.unsubscribe(a.client);
  ch.publish({ data: 'w' });
  assert.equal(a.got.length, 2);
  assert.equal(b.got.length, 3);
});

test('Last-Event-ID gets exactly the events after it', () => {
  const ch = new Channel('c', 5, new Counters());
  for (let i = 0; i < 8; i++) ch.publish({ data: String(i) });
  // ring holds 4..8
  assert.deepEqual(ids(ch.missedSince('6').events), ['7', '8']);
  assert.equal(ch.missedSince('6').gap, false);
  assert.deepEqual(ch.missedSince('8'), { events: [], gap: false, lost: 0 });
  assert.deepEqual(ids(ch.missedSince('4').events), ['5', '6', '7', '8']);
  // 3 is just before the oldest kept event: nothing it missed was lost.
  assert.deepEqual(ch.missedSince('3'), { events: ch.missedSince('3').events, gap: false, lost: 0 });
  assert.deepEqual(ids(ch.missedSince('3').events), ['4', '5', '6', '7', '8']);
  // 2 is older still: events 3 was lost, so the reconnect is told about the gap.
  assert.equal(ch.missedSince('2').gap, true);
  assert.deepEqual(ids(ch.missedSince('2').events), ['4', '5', '6', '7', '8']);
});

test('an id that fell out of the ring (or is unknown) is a gap with the whole ring', () => {
  const ch = new Channel('c', 3, new Counters());
  for (let i = 0; i < 10; i++) ch.publish({ data: String(i) });
  const m = ch.missedSince('2');
  assert.equal(m.gap, true);
  assert.deepEqual(ids(m.events), ['8', '9', '10']);
  assert.equal(m.lost, 5, 'ids 3..7 were published after 2 and are no longer kept');
  assert.equal(ch.missedSince('nonsense').gap, true);
  assert.equal(ch.missedSince('nonsense').lost, null, 'an unknown id: what it missed cannot be counted');
  assert.equal(ch.missedSince('99').lost, null, "an id from the future is not this channel's");
});

test('custom ids are looked up too; replay 0 keeps nothing', () => {
  const ch = new Channel('c', 4, new Counters());
  ch.publish({ data: 'a', id: 'évé-1' });
  ch.publish({ data: 'b', id: 'évé-2' });
  ch.publish({ data: 'c' });
  assert.deepEqual(ids(ch.missedSince('évé-1').events), ['évé-2', '3']);
  const none = new Channel('n', 0, new Counters());
  none.publish({ data: 'a' });
  assert.equal(none.recent().length, 0);
  assert.deepEqual(none.missedSince('1'), { events: [], gap: false, lost: 0 });
});

test('resizing the ring keeps the newest events; close ends every client', () => {
  const ch = new Channel('c', 10, new Counters());
  for (let i = 0; i < 10; i++) ch.publish({ data: String(i) });
  ch.setReplay(3);
  assert.deepEqual(ids(ch.recent()), ['8', '9', '10']);
  ch.setReplay(5);
  ch.publish({ data: 'x' });
  assert.deepEqual(ids(ch.recent()), ['8', '9', '10', '11']);
  const a = fakeClient();
  ch.subscribe(a.client);
  assert.equal(ch.counters.active, 1);
  ch.close();
  assert.equal(a.ended(), true);
  assert.equal(ch.clientCount, 0);
  assert.equal(ch.counters.active, 0);
});

test('an id with a line break is stored as sent on the wire, so reconnects find it', () => {
  const ch = new Channel('c', 4, new Counters());
  const id = ch.publish({ data: 'a', id: 'x\ny' }).id;
  ch.publish({ data: 'b' });
  assert.equal(id, 'x y');
  assert.deepEqual(ids(ch.missedSince('x y').events), ['2']);
});

/** A client that records what the channel does to it, in order; `corks` says whether it can cork. */
function recordingClient(corks = true): { client: SseClient; log: string[] } {
  const log: string[] = [];
  const client = {
    deliver: (ev: ChannelEvent) => log.push(`deliver ${ev.data}`),
    end: () => log.push('end'),
    cork: () => {
      log.push('cork');
      return corks;
    },
    uncork: () => log.push('uncork'),
  } as unknown as SseClient;
  return { client, log };
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

test('a lone publish goes out at once; a burst in one turn is corked after the first and uncorked on the next turn', async () => {
  const ch = new Channel('c', 10, new Counters());
  const a = recordingClient();
  const b = recordingClient(false); // a client that cannot cork is never uncorked
  ch.subscribe(a.client);
  ch.subscribe(b.client);
  ch.publish({ data: '1' });
  assert.deepEqual(a.log, ['deliver 1']);
  ch.publish({ data: '2' });
  ch.publish({ data: '3' });
  assert.deepEqual(a.log, ['deliver 1', 'cork', 'deliver 2', 'deliver 3'], 'corked once for the rest of the burst');
  assert.deepEqual(b.log, ['deliver 1', 'cork', 'deliver 2', 'deliver 3']);
  await nextTurn();
  assert.deepEqual(a.log.slice(4), ['uncork']);
  assert.deepEqual(b.log.slice(4), [], 'not corked, not uncorked');
  // The next turn starts afresh: a lone publish is not corked, and nothing is uncorked after it.
  ch.publish({ data: '4' });
  await nextTurn();
  assert.deepEqual(a.log.slice(5), ['deliver 4']);
});

test('publishing to nobody starts no batch: the first publish after a subscribe is not corked', async () => {
  const ch = new Channel('c', 10, new Counters());
  ch.publish({ data: 'unheard' });
  const a = recordingClient();
  ch.subscribe(a.client);
  ch.publish({ data: '1' });
  assert.deepEqual(a.log, ['deliver 1']);
  await nextTurn();
  assert.deepEqual(a.log, ['deliver 1']);
});

test('replay size, newest id, counters of subscribers and requests', () => {
  const counters = new Counters();
  const ch = new Channel('c', 10, counters);
  assert.equal(ch.replay, 10);
  assert.equal(ch.lastId, undefined);
  ch.setReplay(4);
  assert.equal(ch.replay, 4);
  ch.publish({ data: 'a', id: 'first' });
  assert.equal(ch.lastId, 'first');
  ch.publish({ data: 'b' });
  assert.equal(ch.lastId, '2');
  const a = fakeClient();
  const b = fakeClient();
  ch.subscribe(a.client);
  ch.subscribe(b.client);
  assert.deepEqual([counters.active, counters.requests], [2, 2]);
  ch.unsubscribe(a.client);
  ch.unsubscribe(a.client);
  assert.deepEqual([counters.active, counters.requests], [1, 2], 'a request stays counted; active follows');
});

test('an empty id gets the automatic one; an empty event name is a plain message', () => {
  const ch = new Channel('c', 4, new Counters());
  assert.equal(ch.publish({ data: 'a', id: '' }).id, '1');
  const ev = ch.publish({ data: 'b', event: '' });
  assert.equal(ev.event, undefined);
  assert.equal(ev.bytes.toString(), 'id: 2\ndata: b\n\n');
  assert.equal(GAP_EVENT, 'sluice-replay-gap');
});

test('Last-Event-ID edge cases: a fresh channel, ids around the oldest kept, custom ids at the edge', () => {
  const fresh = new Channel('c', 3, new Counters());
  assert.deepEqual(fresh.missedSince('5'), { events: [], gap: true, lost: null }, 'nothing published: unknown id');
  const ch = new Channel('c', 3, new Counters());
  for (let i = 0; i < 13; i++) ch.publish({ data: String(i) });
  // The ring holds 11, 12, 13: "10" missed nothing that is lost, even with two digits.
  assert.equal(ch.missedSince('10').gap, false);
  assert.deepEqual(ids(ch.missedSince('10').events), ['11', '12', '13']);
  for (const near of [' 10', '10 ', '+10', '1e1', '9'])
    assert.equal(ch.missedSince(near).gap, true, `${JSON.stringify(near)} is not the id before the oldest`);
  // The oldest kept event has a custom id: an automatic id before it says nothing about what came between.
  const custom = new Channel('c', 2, new Counters());
  custom.publish({ data: 'a' });
  custom.publish({ data: 'b', id: 'x' });
  custom.publish({ data: 'c' });
  assert.deepEqual(ids(custom.recent()), ['x', '3']);
  assert.equal(custom.missedSince('1').gap, true);
});
