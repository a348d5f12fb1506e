import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentTypeOf } from '../../core/http/mime.js';
import { acceptsGzip, gzipEligible } from '../../core/http/gzip.js';
import { safeFileName } from '../../core/http/routes/upload.js';
import { fileETag, notModified } from '../../core/http/routes/static.js';

test('content types by extension, with a safe default', () => {
  assert.equal(contentTypeOf('/a/b/index.HTML'), 'text/html; charset=utf-8');
  assert.equal(contentTypeOf('movie.mp4'), 'video/mp4');
  assert.equal(contentTypeOf('data.json'), 'application/json');
  assert.equal(contentTypeOf('Makefile'), 'application/octet-stream');
  assert.equal(contentTypeOf('.hidden'), 'application/octet-stream');
  assert.equal(contentTypeOf('dir.v2/file'), 'application/octet-stream');
});

const ACCEPT: [string | undefined, boolean][] = [
  [undefined, false],
  ['', false],
  ['gzip', true],
  ['br, gzip;q=0.5', true],
  ['gzip;q=0', false],
  ['*', true],
  ['*;q=0', false],
  ['identity', false],
  ['deflate, x-gzip', true],
  ['GZIP', true],
  ['*, gzip;q=0', false],
];
for (const [header, want] of ACCEPT) {
  test(`Accept-Encoding ${JSON.stringify(header)} → gzip ${want}`, () => assert.equal(acceptsGzip(header), want));
}

test('gzip eligibility: configured types and min_length; never event streams', () => {
  const server = { gzip: { types: ['text/', 'application/json'], min_length: 100 } } as never;
  assert.equal(gzipEligible({ server }, 'text/html; charset=utf-8', 100), true);
  assert.equal(gzipEligible({ server }, 'text/html', 99), false);
  assert.equal(gzipEligible({ server }, 'image/png', 10_000), false);
  assert.equal(
    gzipEligible({ server: { gzip: { types: ['text/'], min_length: 0 } } as never }, 'text/event-stream', 10_000),
    false,
  );
  assert.equal(gzipEligible({ server: {} as never }, 'text/html', 10_000), false);
});

test('upload names are reduced to a safe base name', () => {
  assert.equal(safeFileName('report.pdf'), 'report.pdf');
  assert.equal(safeFileName('../../etc/passwd'), 'passwd');
  assert.equal(safeFileName('..%2F..%2Fx.bin'), 'x.bin');
  assert.equal(safeFileName('a b&c.txt'), 'a_b_c.txt');
  assert.equal(safeFileName('.bashrc'), 'bashrc');
  assert.equal(safeFileName('C:\\Users\\me\\x.txt'), 'x.txt');
  assert.match(safeFileName(undefined), /^upload-\d+\.bin$/);
  assert.match(safeFileName('...'), /^upload-\d+\.bin$/);
});

test('validators: ETag from size and mtime; If-None-Match wins over If-Modified-Since', () => {
  const etag = fileETag({ size: 255, mtimeMs: 1_700_000_000_500 });
  assert.equal(etag, `"${(1_700_000_000).toString(16)}-ff"`);
  const mtime = 1_700_000_000_500;
  const date = new Date(1_700_000_000_000).toUTCString();
  assert.equal(notModified({ 'if-none-match': etag }, etag, mtime), true);
  assert.equal(notModified({ 'if-none-match': `W/${etag}` }, etag, mtime), true);
  assert.equal(notModified({ 'if-none-match': '*' }, etag, mtime), true);
  assert.equal(notModified({ 'if-none-match': '"x"', 'if-modified-since': date }, etag, mtime), false);
  assert.equal(notModified({ 'if-modified-since': date }, etag, mtime), true);
  assert.equal(notModified({ 'if-modified-since': new Date(1_699_999_999_000).toUTCString() }, etag, mtime), false);
  assert.equal(notModified({ 'if-modified-since': 'garbage' }, etag, mtime), false);
});
