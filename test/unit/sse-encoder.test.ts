import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { encodeComment, encodeEvent, encodeRetry, eventText, splitLines } from '../../core/sse/encoder.js';

/** Parses bytes the way an EventSource does (eventsource-parser), so round trips are checked by a real parser. */
function parse(buf: Buffer): { events: EventSourceMessage[]; retries: number[]; comments: string[] } {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const p = createParser({
    onEvent: (e) => events.push(e),
    onRetry: (r) => retries.push(r),
    onComment: (c) => comments.push(c),
  });
  p.feed(buf.toString('utf8'));
  return { events, retries, comments };
}

test('an event encodes id, event and data lines in order', () => {
  assert.equal(eventText({ id: '7', event: 'tick', data: 'hello' }), 'id: 7\nevent: tick\ndata: hello\n\n');
  assert.equal(eventText({ data: 'x', retry: 1500 }), 'retry: 1500\ndata: x\n\n');
});

test('multi-line data is split on \\n, \\r\\n and \\r and survives a real parser', () => {
  assert.deepEqual(splitLines('a\r\nb\rc\nd'), ['a', 'b', 'c', 'd']);
  assert.equal(eventText({ data: 'a\r\nb\rc\nd' }), 'data: a\ndata: b\ndata: c\ndata: d\n\n');
  for (const data of [
    'one',
    'two\nlines',
    'crlf\r\nline',
    'cr\ronly',
    'trailing\n',
    '\nleading',
    ' spaced',
    'a\n\nb',
    'ünïcode ✓ 🚀',
  ]) {
    const { events } = parse(encodeEvent({ event: 'e', data }));
    assert.equal(events.length, 1, JSON.stringify(data));
    assert.equal(events[0]!.data, data.replace(/\r\n|\r/g, '\n'), JSON.stringify(data));
    assert.equal(events[0]!.event, 'e');
  }
});

test('line breaks in event names and ids cannot inject fields; NUL is stripped from ids', () => {
  const { events } = parse(encodeEvent({ event: 'a\nid: evil', id: 'x\r\ndata: injected\0', data: 'ok' }));
  assert.equal(events.length, 1);
  assert.equal(events[0]!.data, 'ok');
  assert.equal(events[0]!.event, 'a id: evil');
  assert.equal(events[0]!.id, 'x data: injected');
});

test('comments and retry fields are what clients expect', () => {
  assert.equal(encodeComment('heartbeat').toString(), ': heartbeat\n\n');
  assert.equal(encodeComment('').toString(), ':\n\n');
  const { events, comments, retries } = parse(Buffer.concat([encodeComment('a\nb'), encodeRetry(3000)]));
  assert.deepEqual(comments, ['a', 'b']);
  assert.deepEqual(retries, [3000]);
  assert.equal(events.length, 0);
});
