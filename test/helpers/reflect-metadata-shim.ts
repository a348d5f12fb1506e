/**
 * The few Reflect metadata functions @peculiar/x509 (through tsyringe) asks
 * for at load time, for tests that make certificates. No reflect polyfill
 * package is installed; this covers define/get/has and the `metadata`
 * decorator factory, with lookups walking the prototype chain.
 */
type Target = object;
const store = new WeakMap<Target, Map<string | symbol, Map<unknown, unknown>>>();

function own(target: Target, prop: string | symbol | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  const key = prop ?? '';
  let map = byProp?.get(key);
  if (!map && create && byProp) byProp.set(key, (map = new Map()));
  return map;
}

function lookup(key: unknown, target: Target, prop?: string | symbol): unknown {
  for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
    const m = own(t, prop, false);
    if (m?.has(key)) return m.get(key);
  }
  return undefined;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  Object.assign(R, {
    defineMetadata: (key: unknown, value: unknown, target: Target, prop?: string | symbol) => {
      own(target, prop, true)!.set(key, value);
    },
    getOwnMetadata: (key: unknown, target: Target, prop?: string | symbol) => own(target, prop, false)?.get(key),
    getMetadata: lookup,
    hasOwnMetadata: (key: unknown, target: Target, prop?: string | symbol) =>
      own(target, prop, false)?.has(key) ?? false,
    hasMetadata: (key: unknown, target: Target, prop?: string | symbol) => lookup(key, target, prop) !== undefined,
    metadata: (key: unknown, value: unknown) => (target: Target, prop?: string | symbol) => {
      own(target, prop, true)!.set(key, value);
    },
  });
}
export {};
