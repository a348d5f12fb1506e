/**
 * What the Config view's parts share: the item picked in the tree, and small
 * helpers that read the edited document leniently (a half-typed YAML may hold
 * anything where a list or section belongs) and write to it through the
 * config store, so every form edit lands in the same text the YAML tab shows.
 */
import type { Plain } from '../../model/forms.js';
import { configDoc } from '../../state.js';

/** The item picked in the tree, by kind and position in the document. */
export type Sel =
  | { t: 'limits' }
  | { t: 'server'; s: number }
  | { t: 'route'; s: number; r: number }
  | { t: 'upstream'; u: number }
  | { t: 'stream'; i: number }
  | { t: 'streamUpstream'; u: number };

/** `v` as a list of objects, or an empty list when it is not one. */
export const list = (v: unknown): Plain[] => (Array.isArray(v) ? (v as Plain[]) : []);

/** The object under `key` of `d`, created (or replacing a non-object) so edits can write into it. */
export const section = (d: Plain, key: string): Plain => {
  if (!d[key] || typeof d[key] !== 'object') d[key] = {};
  return d[key] as Plain;
};

/** The list under `key` of `o`, created (or replacing a non-list) so edits can write into it. */
export const arr = (o: Plain, key: string): Plain[] => {
  if (!Array.isArray(o[key])) o[key] = [];
  return o[key] as Plain[];
};

/** Changes the edited document; the store maps the change back into the YAML text (comments kept) and re-validates it. */
export function edit(fn: (d: Plain) => void) {
  configDoc.getState().edit(fn);
}
