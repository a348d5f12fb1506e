import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { SseClient, type ClientExchange } from '../../core/sse/client.js';
import { encodeEvent, frameChunk } from '../../core/sse/encoder.js';
import { Counters } from '../../core/telemetry/counters.js';
import { FakeClock } from '../../core/util/clock.js';

/** A response whose socket accepts writes until `full`, recording each write call. */
function fakeExchange(opts: { observed?: boolean } = {}) {
  const socket = Object.assign(new EventEmitter(), {
    destroyed: false,
    full: false,
    writes: [] as Buffer[],
    write(b: Buffer) {
      this.writes.push(b);
      return !this.full;
    },
    cork() {},
    uncork() {},
  });
  const res = Object.assign(new EventEmitter(), {
    socket,
    headersSent: true,
    chunkedEncoding: true,
    outputSize: 0,
    writableEnded: false,
    destroyed: false,
    destroy() {
      this.destroyed = true;
      socket.destroyed = true;
    },
  });
  (socket as unknown as { _httpMessage: unknown })._httpMessage = res;
  const counters = new Counters();
  const ex = {
    outlet: {
      direct: true,
      get closed() {
        return res.destroyed;
      },
      end: async () => {},
    },
    res,
    record: { bytesOut: 0, events: [], chunks: [], startedAt: 0 },
    services: { traffic: { observed: opts.observed ?? false, chunk() {} }, clock: new FakeClock() },
    counters: [counters],
  } as unknown as ClientExchange;
  return { ex, socket, res, counters };
}

const ev = (data: string) => ({ data, bytes: encodeEvent({ data }) });

test('a lagging client queues, then everything queued leaves in ONE write on drain', () => {
  const { ex, socket, counters } = fakeExchange();
  const channel = new Counters();
  const client = new SseClient(ex, 64 * 1024, [channel]);
  const a = ev('a');
  client.deliver(a);
  assert.deepEqual(socket.writes, [frameChunk(a.bytes)], 'pre-framed chunk straight to the socket');
  socket.full = true;
  client.deliver(ev('b')); // accepted by the socket, but it says "full"
  client.deliver(ev('c'));
  client.deliver(ev('d'));
  assert.equal(socket.writes.length, 2);
  assert.ok(client.pendingBytes > 0);
  socket.full = false;
  socket.emit('drain');
  assert.equal(socket.writes.length, 3, 'one write for c and d');
  assert.deepEqual(socket.writes[2], Buffer.concat([frameChunk(ev('c').bytes), frameChunk(ev('d').bytes)]));
  assert.equal(client.pendingBytes, 0);
  assert.equal(counters.events, 4);
  assert.equal(channel.events, 4);
  assert.equal(
    counters.bytesOut,
    socket.writes.reduce((n, b) => n + b.length, 0),
  );
});

test('past the cap the client is dropped: socket destroyed, drop counted, nothing more queued', () => {
  const { ex, socket, res, counters } = fakeExchange();
  let dropped = 0;
  const client = new SseClient(ex, 2048, [], { unsubscribe: () => dropped++ });
  socket.full = true;
  const big = ev('x'.repeat(500));
  for (let i = 0; i < 10; i++) client.deliver(big);
  assert.equal(res.destroyed, true);
  assert.equal(dropped, 1);
  assert.equal(counters.drops, 1);
  assert.equal(client.closed, true);
  assert.equal(client.pendingBytes, 0, 'queued buffers released');
  const before = socket.writes.length;
  client.deliver(big);
  assert.equal(socket.writes.length, before);
});

test('idle() resolves once the queue drained; events are recorded only while observed', async () => {
  const { ex, socket } = fakeExchange({ observed: true });
  const client = new SseClient(ex, 64 * 1024);
  socket.full = true;
  client.deliver({ ...ev('one'), event: 'e', id: '1' });
  client.deliver(ev('two'));
  let idle = false;
  void client.idle().then(() => {
    idle = true;
  });
  await Promise.resolve();
  assert.equal(idle, false);
  socket.full = false;
  socket.emit('drain');
  await Promise.resolve();
  assert.equal(idle, true);
  const rec = ex.record;
  assert.deepEqual(
    rec.events.map((e) => [e.event, e.data, e.id]),
    [
      ['e', 'one', '1'],
      [undefined, 'two', undefined],
    ],
  );
});
