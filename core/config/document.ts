/**
 * Editing a config while keeping what the user wrote: comments, key order and
 * formatting of untouched parts survive, because we change the parsed `yaml`
 * Document in place instead of re-serialising a plain object.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { stableJson } from './diff.js';

function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** Updates the node at `path` of `doc` so that it holds `value`, touching only what differs. */
function patch(doc: Document, path: (string | number)[], value: unknown): void {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  const current = path.length === 0 ? doc.toJS() : doc.getIn(path);
  if (sameValue(current, value)) return;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && isMap(node)) {
    const obj = value as Record<string, unknown>;
    for (const item of [...node.items]) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (!(key in obj)) doc.deleteIn([...path, key]);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      if (node.has(k)) patch(doc, [...path, k], v);
      else doc.setIn([...path, k], doc.createNode(v));
    }
    return;
  }
  if (Array.isArray(value) && isSeq(node)) {
    while (node.items.length > value.length) node.items.pop();
    value.forEach((v, i) => {
      if (i < node.items.length) patch(doc, [...path, i], v);
      else node.items.push(doc.createNode(v));
    });
    return;
  }
  if (isScalar(node) && (value === null || typeof value !== 'object')) {
    node.value = value;
    return;
  }
  if (path.length === 0) doc.contents = doc.createNode(value) as typeof doc.contents;
  else doc.setIn(path, doc.createNode(value));
}

/** Renders `value` (a config as the user writes it) into the source text `original`, keeping comments and order. */
export function updateConfigText(original: string, value: unknown): string {
  const doc = parseDocument(original.trim() === '' ? '{}' : original);
  if (doc.errors.length > 0) return toConfigText(value);
  patch(doc, [], value);
  return doc.toString({ lineWidth: 0 });
}

/** A fresh YAML rendering of a config object. */
export function toConfigText(value: unknown): string {
  const doc = parseDocument('{}');
  doc.contents = doc.createNode(value) as typeof doc.contents;
  return doc.toString({ lineWidth: 0 });
}
