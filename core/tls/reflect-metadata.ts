/**
 * The Reflect metadata calls that @peculiar/x509's dependency injection
 * (tsyringe) looks up when it loads: a metadata store per object, found
 * along the prototype chain. Installed only when no polyfill is present, and
 * imported before @peculiar/x509 (see x509.ts).
 */

type Key = unknown;
type Target = object;

interface ReflectMetadata {
  defineMetadata(key: Key, value: unknown, target: Target): void;
  getOwnMetadata(key: Key, target: Target): unknown;
  getMetadata(key: Key, target: Target): unknown;
  hasMetadata(key: Key, target: Target): boolean;
  metadata(key: Key, value: unknown): (target: Target) => void;
}

const reflect = Reflect as typeof Reflect & Partial<ReflectMetadata>;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<Target, Map<Key, unknown>>();
  const own = (target: Target) => store.get(target);
  const find = (key: Key, target: Target): Map<Key, unknown> | undefined => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const m = own(t);
      if (m?.has(key)) return m;
    }
    return undefined;
  };
  const api: ReflectMetadata = {
    defineMetadata(key, value, target) {
      let m = own(target);
      if (!m) store.set(target, (m = new Map()));
      m.set(key, value);
    },
    getOwnMetadata: (key, target) => own(target)?.get(key),
    getMetadata: (key, target) => find(key, target)?.get(key),
    hasMetadata: (key, target) => find(key, target) !== undefined,
    metadata: (key, value) => (target) => api.defineMetadata(key, value, target),
  };
  Object.assign(reflect, api);
}

export {};
