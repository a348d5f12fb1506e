/**
 * Small config documents for the config tests: one route, server, upstream,
 * stream server, admin or limits block wrapped in a full `version: 1`
 * document, and the two ways to load one — every error as the CLI prints it,
 * or the config of a document that must load.
 */
import assert from 'node:assert/strict';
import { formatConfigError, loadConfig } from '../../core/config/index.js';

/** A document with one HTTP server whose one route is `r`. */
export const route = (r: string) =>
  `version: 1\nhttp:\n  servers:\n    - name: s\n      listen: 0\n      routes:\n        - ${r}\n`;
/** A document with one HTTP server carrying the fields `s`. */
export const server = (s: string) => `version: 1\nhttp:\n  servers:\n    - { name: s, listen: 0, ${s} }\n`;
/** A document with one HTTP upstream carrying the fields `u`. */
export const up = (u: string) =>
  `version: 1\nhttp:\n  upstreams:\n    - { name: u, servers: [ { address: 1 } ], ${u} }\n`;
/** A document with one HTTP upstream whose one server carries the fields `s`. */
export const upServer = (s: string) =>
  `version: 1\nhttp:\n  upstreams:\n    - { name: u, servers: [ { address: 1, ${s} } ] }\n`;
/** A document with one stream upstream carrying the fields `u`. */
export const sUp = (u: string) =>
  `version: 1\nstream:\n  upstreams:\n    - { name: u, servers: [ { address: 1 } ], ${u} }\n`;
/** A document with one stream server carrying the fields `s`. */
export const sServer = (s: string) =>
  `version: 1\nstream:\n  upstreams: [ { name: u, servers: [ { address: 1 } ] } ]\n  servers:\n    - { name: t, listen: 0, upstream: u, ${s} }\n`;
/** A document whose admin block holds the fields `a`. */
export const admin = (a: string) => `version: 1\nadmin: { ${a} }\n`;
/** A document whose http.limits is `l`. */
export const limits = (l: string) => `version: 1\nhttp:\n  limits: ${l}\n`;
/** A document made of `s` after the version line. */
export const doc = (s: string) => `version: 1\n${s}`;

/** Every error of a document, as the CLI prints them; [] when it is valid. */
export function errors(text: string): string[] {
  const r = loadConfig(text, 'c.yaml');
  return r.ok ? [] : r.errors.map(formatConfigError);
}

/** A document that must load; its config. */
export function valid(text: string) {
  const r = loadConfig(text, 'c.yaml');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors.map(formatConfigError)));
  return r.config;
}
