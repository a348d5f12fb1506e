/**
 * The config language's units as data: sizes (1024-based, as nginx), rates,
 * durations, addresses — what a user writes and the number the engine runs
 * with — and the formatting the UI and explain() texts use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDuration,
  formatRate,
  formatSize,
  normalizeAddress,
  parseAddress,
  parseDuration,
  parseRate,
  parseSize,
  sizeToConfig,
} from '../../core/config/units.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const SIZES: [string | number, number | undefined][] = [
  [0, 0],
  [1500, 1500],
  [Infinity, undefined],
  [NaN, undefined],
  ['0', 0],
  ['100', 100],
  ['100b', 100],
  ['100B', 100],
  ['512k', 512 * KiB],
  ['512K', 512 * KiB],
  ['512kb', 512 * KiB],
  ['512KB', 512 * KiB],
  ['1m', MiB],
  ['1mb', MiB],
  ['2g', 2 * GiB],
  ['2gb', 2 * GiB],
  ['1.5k', 1536],
  ['0.5m', 512 * KiB],
  [' 64k ', 64 * KiB],
  ['64 k', 64 * KiB],
  ['-1k', -1024],
  ['1.0001k', 1024],
  ['k', undefined],
  ['', undefined],
  ['1x', undefined],
  ['1kib', undefined],
  ['1 k b', undefined],
  ['1.k', undefined],
  ['.5k', undefined],
  ['1k1', undefined],
  ['12.5.1k', undefined],
];
for (const [input, want] of SIZES) {
  test(`size ${JSON.stringify(input)} → ${want}`, () => assert.equal(parseSize(input), want));
}

const RATES: [string | number, number | undefined][] = [
  ['512k', 512 * KiB],
  ['512k/s', 512 * KiB],
  ['512k / s', 512 * KiB],
  ['512K/S', 512 * KiB],
  ['1m/sec', MiB],
  ['1m/SEC', MiB],
  [4096, 4096],
  ['1m/h', undefined],
  ['1m/ss', undefined],
  ['/s', undefined],
  ['5/s2', undefined],
];
for (const [input, want] of RATES) {
  test(`rate ${JSON.stringify(input)} → ${want}`, () => assert.equal(parseRate(input), want));
}

const DURATIONS: [string | number, number | undefined][] = [
  [250, 250],
  [Infinity, undefined],
  ['250', 250],
  ['-5', -5],
  ['2.5', 2.5],
  ['2.55', 2.55],
  ['x5', undefined],
  ['1.25s', 1250],
  ['500ms', 500],
  ['15s', 15_000],
  ['1.5s', 1500],
  ['2m', 120_000],
  ['1h', 3_600_000],
  ['1d', 86_400_000],
  ['1m30s', 90_000],
  ['1h30m', 5_400_000],
  ['1h 30m', undefined],
  [' 10s ', 10_000],
  ['10 s', 10_000],
  ['', undefined],
  ['s', undefined],
  ['10x', undefined],
  ['10sms', undefined],
  ['x10s', undefined],
  ['10s x', undefined],
  ['10S', undefined],
];
for (const [input, want] of DURATIONS) {
  test(`duration ${JSON.stringify(input)} → ${want}`, () => assert.equal(parseDuration(input), want));
}

test('formatSize: bytes below 1 KiB whole, then two, one or no decimals by magnitude', () => {
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(1023), '1023 B');
  assert.equal(formatSize(1024), '1 KiB');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(1100), '1.07 KiB');
  assert.equal(formatSize(10 * KiB + 100), '10.1 KiB');
  assert.equal(formatSize(10.06 * KiB), '10.1 KiB', 'one decimal from 10 up');
  assert.equal(formatSize(9.996 * KiB), '10 KiB');
  assert.equal(formatSize(100 * KiB + 600), '101 KiB');
  assert.equal(formatSize(512 * KiB), '512 KiB');
  assert.equal(formatSize(1023 * KiB), '1023 KiB');
  assert.equal(formatSize(MiB), '1 MiB');
  assert.equal(formatSize(1.5 * MiB), '1.5 MiB');
  assert.equal(formatSize(GiB), '1 GiB');
  assert.equal(formatSize(1024 * GiB), '1 TiB');
  assert.equal(formatSize(2048 * 1024 * GiB), '2048 TiB', 'TiB is the largest unit');
  assert.equal(formatSize(-2048), '-2 KiB');
  assert.equal(formatSize(99.6), '100 B');
});

test('formatRate and formatDuration', () => {
  assert.equal(formatRate(512 * KiB), '512 KiB/s');
  assert.equal(formatRate(100), '100 B/s');
  assert.equal(formatDuration(0), '0ms');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(1500), '1500ms');
  assert.equal(formatDuration(1000), '1s');
  assert.equal(formatDuration(15_000), '15s');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(60_000), '1m');
  assert.equal(formatDuration(120_000), '2m');
  assert.equal(formatDuration(3_600_000), '1h');
  assert.equal(formatDuration(7_200_000), '2h');
  assert.equal(formatDuration(-1000), '-1000ms');
  assert.equal(formatDuration(-60_000), '-60000ms');
  assert.equal(formatDuration(-3_600_000), '-3600000ms');
});

test('sizeToConfig writes the largest exact unit, the inverse of parseSize', () => {
  assert.equal(sizeToConfig(0), '0');
  assert.equal(sizeToConfig(1000), '1000');
  assert.equal(sizeToConfig(1024), '1k');
  assert.equal(sizeToConfig(1536), '1536');
  assert.equal(sizeToConfig(512 * KiB), '512k');
  assert.equal(sizeToConfig(MiB), '1m');
  assert.equal(sizeToConfig(MiB + KiB), '1025k');
  assert.equal(sizeToConfig(3 * GiB), '3g');
  for (const n of [1024, 64 * KiB, 5 * MiB, 2 * GiB, 12345]) assert.equal(parseSize(sizeToConfig(n)), n);
});

const ADDRESSES: [string | number, string | undefined][] = [
  ['127.0.0.1:8080', '127.0.0.1:8080'],
  ['0.0.0.0:80', '0.0.0.0:80'],
  ['localhost:3000', '127.0.0.1:3000'],
  ['api.example.com:443', 'api.example.com:443'],
  ['my-host.internal:1', 'my-host.internal:1'],
  [':9000', '127.0.0.1:9000'],
  ['9000', '127.0.0.1:9000'],
  [9000, '127.0.0.1:9000'],
  [0, '127.0.0.1:0'],
  [' 127.0.0.1:80 ', '127.0.0.1:80'],
  ['[::1]:8443', '[::1]:8443'],
  ['[::]:80', '[::]:80'],
  ['[fe80::1]:65535', '[fe80::1]:65535'],
  ['127.0.0.1:65535', '127.0.0.1:65535'],
  ['127.0.0.1:65536', undefined],
  ['[::1]:65536', undefined],
  ['70000', undefined],
  ['nowhere', undefined],
  ['host:', undefined],
  ['host:http', undefined],
  ['host:80x', undefined],
  ['x[::1]:80', undefined],
  ['[::1]:80x', undefined],
  ['host:-1', undefined],
  ['ho st:80', undefined],
  ['host_name:80', undefined],
  ['[::1]', undefined],
  ['[zz::1]:80', undefined],
  ['::1:80', undefined],
  ['', undefined],
];
for (const [input, want] of ADDRESSES) {
  test(`address ${JSON.stringify(input)} → ${want}`, () => assert.equal(normalizeAddress(input), want));
}

test('parseAddress splits host and port; IPv6 hosts without brackets', () => {
  assert.deepEqual(parseAddress('[::1]:8443'), { host: '::1', port: 8443 });
  assert.deepEqual(parseAddress('example.com:80'), { host: 'example.com', port: 80 });
  assert.deepEqual(parseAddress('8080'), { host: '127.0.0.1', port: 8080 });
  assert.equal(parseAddress('example.com'), undefined);
});
