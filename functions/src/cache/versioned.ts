/**
 * Responses computed from aggregates, cached in a Redis hash per family (a user's analytics, the
 * insights summary, a model's metrics) under a version. The trigger that changes the aggregates
 * bumps the family's version after its commit; an entry is served only if it was computed under the
 * current version, so once an aggregate changed no response shows the old numbers (a reader that
 * computed from older aggregates stored its result under the older version).
 *
 * A version is a value never used before (time and randomness), not a counter: a family's hash
 * expires, and a counter would then start again at 0 and climb back to a number an entry stored by
 * a slow reader still carries, serving that entry's old numbers. A family with no version (never
 * bumped, or expired) is at version ''.
 */
import { randomBytes } from 'node:crypto';
import { finishBeforeResponse } from '../observability/request-work';
import type { L2Cache } from './l2';

const VERSION_FIELD = '__v';

export type Version = string;

interface Entry<T> {
  v: Version;
  value: T;
}

/** The family's current version as stored ('' when none; a number from before versions were ids). */
const versionOf = (stored: unknown): Version =>
  typeof stored === 'string' || typeof stored === 'number' ? String(stored) : '';

/** A version never used before. The 'v' keeps Redis' JSON decoding from reading it as a number. */
const newVersion = (): Version => `v${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;

/** The cached value of `field`, or a miss with the version to store a fresh value under. */
export async function readVersioned<T>(
  l2: L2Cache,
  key: string,
  field: string,
): Promise<{ hit: true; value: T } | { hit: false; version: Version }> {
  const got = await l2.run('hmget', (r) => r.hmget<Record<string, unknown>>(key, VERSION_FIELD, field));
  const version = versionOf(got?.[VERSION_FIELD]);
  const entry = got?.[field] as Entry<T> | undefined;
  return entry && entry.v === version ? { hit: true, value: entry.value } : { hit: false, version };
}

export function writeVersioned<T>(
  l2: L2Cache,
  key: string,
  field: string,
  version: Version,
  value: T,
  ttlSeconds: number,
): void {
  finishBeforeResponse(
    l2.run('hset', (r) => {
      const p = r.pipeline();
      p.hset(key, { [field]: { v: version, value } satisfies Entry<T> });
      p.expire(key, ttlSeconds);
      return p.exec();
    }),
  );
}

/** How long a bumped family's hash lives when nobody reads it again (then it is at version ''). */
export const VERSION_TTL_SECONDS = 2 * 24 * 3600;

/**
 * After the data behind these families changed: each gets a new version (rejects if Redis fails,
 * for a retry). The hash gets a TTL, so a family nobody reads again does not keep a key forever.
 */
export function bumpVersions(l2: L2Cache, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return Promise.resolve();
  const version = newVersion();
  return l2.strict('hset', (r) => {
    const p = r.pipeline();
    for (const key of keys) {
      p.hset(key, { [VERSION_FIELD]: version });
      p.expire(key, VERSION_TTL_SECONDS);
    }
    return p.exec();
  });
}

/**
 * For families of large answers (a week of games): each answer is its own key with its own TTL,
 * so answers computed under old pointers expire instead of piling up in one hash, and is served
 * only if stored under the family's current version (the `__v` that bumpVersions sets).
 * One round trip: a pipeline of HGET and GET. Null when Redis cannot be asked (then do not store).
 */
export async function readVersionedKey<T>(
  l2: L2Cache,
  familyKey: string,
  key: string,
): Promise<{ hit: true; value: T } | { hit: false; version: Version } | null> {
  const got = await l2.run('hget+get', (r) =>
    r.pipeline().hget(familyKey, VERSION_FIELD).get(key).exec<[unknown, Entry<T> | null]>(),
  );
  if (!got) return null;
  const version = versionOf(got[0]);
  const entry = got[1];
  return entry && entry.v === version ? { hit: true, value: entry.value } : { hit: false, version };
}

/** Stores answers read as misses under `version` (fail-open; the request's response waits for it). */
export function writeVersionedKeys<T>(
  l2: L2Cache,
  keys: readonly string[],
  version: Version,
  value: T,
  ttlSeconds: number,
): void {
  finishBeforeResponse(
    l2.setMany(keys.map((key) => ({ key, value: { v: version, value } satisfies Entry<T>, ttlSeconds }))),
  );
}

/** Reads through the versioned cache. */
export async function cachedAggregate<T>(
  l2: L2Cache,
  key: string,
  field: string,
  ttlSeconds: number,
  compute: () => Promise<T>,
): Promise<{ value: T; cache: 'l2' | 'miss' }> {
  const got = await readVersioned<T>(l2, key, field);
  if (got.hit) return { value: got.value, cache: 'l2' };
  const value = await compute();
  writeVersioned(l2, key, field, got.version, value, ttlSeconds);
  return { value, cache: 'miss' };
}
