import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../core/util/clock.js';
import { startHeartbeat } from '../../core/sse/heartbeat.js';
import type { SseClient } from '../../core/sse/client.js';

function fake(): { client: SseClient; beats: string[]; close(): void } {
  const beats: string[] = [];
  let closed = false;
  const client = {
    get closed() {
      return closed;
    },
    sendShared: (buf: Buffer) => beats.push(buf.toString()),
  } as unknown as SseClient;
  return {
    client,
    beats,
    close: () => {
      closed = true;
    },
  };
}

test('clients with the same period share one timer; each gets a comment per period until stopped', () => {
  const clock = new FakeClock();
  const a = fake();
  const b = fake();
  const groupA = startHeartbeat(a.client, 1000, clock);
  const groupB = startHeartbeat(b.client, 1000, clock);
  assert.equal(groupA, groupB, 'one group (one timer) per period');
  clock.advance(3000);
  assert.deepEqual(a.beats, [': heartbeat\n\n', ': heartbeat\n\n', ': heartbeat\n\n']);
  assert.equal(b.beats.length, 3);
  groupA.unsubscribe(a.client);
  clock.advance(2000);
  assert.equal(a.beats.length, 3);
  assert.equal(b.beats.length, 5);
  b.close(); // a closed client is skipped and forgotten
  clock.advance(2000);
  assert.equal(b.beats.length, 5);
  groupB.unsubscribe(b.client);
});

test('different periods beat independently', () => {
  const clock = new FakeClock();
  const fast = fake();
  const slow = fake();
  const s1 = startHeartbeat(fast.client, 100, clock);
  const s2 = startHeartbeat(slow.client, 1000, clock);
  clock.advance(1000);
  assert.equal(fast.beats.length, 10);
  assert.equal(slow.beats.length, 1);
  s1.unsubscribe(fast.client);
  s2.unsubscribe(slow.client);
});
