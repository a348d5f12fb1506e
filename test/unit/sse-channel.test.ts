import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, type ChannelEvent } from '../../core/sse/channel.js';
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
  assert.deepEqual(ch.missedSince('8'), { events: [], gap: false });
  assert.deepEqual(ids(ch.missedSince('4').events), ['5', '6', '7', '8']);
  // 3 is just before the oldest kept event: nothing it missed was lost.
  assert.equal(ch.missedSince('3').gap, false);
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
  assert.equal(ch.missedSince('nonsense').gap, true);
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
  assert.deepEqual(none.missedSince('1'), { events: [], gap: false });
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
