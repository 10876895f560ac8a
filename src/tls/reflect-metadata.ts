/**
 * A minimal Reflect metadata polyfill, installed only if none is present.
 *
 * Why: @peculiar/x509 v2 resolves its algorithm providers through tsyringe, and
 * tsyringe throws at load time unless `Reflect.getMetadata` exists. The usual fix
 * is the `reflect-metadata` package; this project does not depend on it, and
 * tsyringe only needs the handful of functions below (x509 declares no
 * constructor parameter types, so the store stays nearly empty). If a real
 * polyfill is loaded first, it is left untouched.
 *
 * Import this module before `@peculiar/x509` (x509-crypto.ts does).
 *
 * @example
 * import './reflect-metadata.js';
 * import * as x509 from '@peculiar/x509';
 */

type Key = string | symbol;
type MetaTarget = object;

interface ReflectMetadataApi {
  defineMetadata(key: unknown, value: unknown, target: MetaTarget, property?: Key): void;
  getOwnMetadata(key: unknown, target: MetaTarget, property?: Key): unknown;
  getMetadata(key: unknown, target: MetaTarget, property?: Key): unknown;
  hasOwnMetadata(key: unknown, target: MetaTarget, property?: Key): boolean;
  hasMetadata(key: unknown, target: MetaTarget, property?: Key): boolean;
  metadata(key: unknown, value: unknown): (target: MetaTarget, property?: Key) => void;
}

// Weak on the target so classes (and their metadata) can still be collected.
const store = new WeakMap<MetaTarget, Map<Key | undefined, Map<unknown, unknown>>>();

function ownMap(target: MetaTarget, property: Key | undefined, create: boolean): Map<unknown, unknown> | undefined {
  let byProperty = store.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let map = byProperty.get(property);
  if (!map && create) {
    map = new Map();
    byProperty.set(property, map);
  }
  return map;
}

// Metadata is inherited along the prototype chain, as in the reflect-metadata proposal.
function findMap(key: unknown, target: MetaTarget, property: Key | undefined): Map<unknown, unknown> | undefined {
  for (let t: MetaTarget | null = target; t !== null; t = Object.getPrototypeOf(t) as MetaTarget | null) {
    const map = ownMap(t, property, false);
    if (map?.has(key)) return map;
  }
  return undefined;
}

const polyfill: ReflectMetadataApi = {
  defineMetadata(key, value, target, property) {
    ownMap(target, property, true)?.set(key, value);
  },
  getOwnMetadata(key, target, property) {
    return ownMap(target, property, false)?.get(key);
  },
  getMetadata(key, target, property) {
    return findMap(key, target, property)?.get(key);
  },
  hasOwnMetadata(key, target, property) {
    return ownMap(target, property, false)?.has(key) ?? false;
  },
  hasMetadata(key, target, property) {
    return findMap(key, target, property) !== undefined;
  },
  metadata(key, value) {
    return (target, property) => polyfill.defineMetadata(key, value, target, property);
  },
};

const reflect = Reflect as unknown as Partial<ReflectMetadataApi>;
if (typeof reflect.getMetadata !== 'function') {
  Object.assign(Reflect, polyfill);
}

/** True when this module installed the polyfill (false if another one was already present). */
export const reflectPolyfillInstalled = reflect.getMetadata === polyfill.getMetadata;
