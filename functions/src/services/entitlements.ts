/**
 * Reading a user's entitlement on the request path: L1 (this instance, ENTITLEMENT_L1_TTL_MS) →
 * L2 (Redis, versioned: every write bumps the user's version, so no reader can store a value read
 * before the write as current) → `entitlements/{uid}`. The tier is always computed at read time
 * (`effectiveTier`), so a past-due grace period ends on time without any write.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { L2Cache } from '../cache/l2';
import { ByteLru } from '../cache/lru';
import { SingleFlight } from '../cache/single-flight';
import { CACHE_TTLS } from '../cache/ttl';
import { bumpVersions, cachedAggregate } from '../cache/versioned';
import { entitlementFromDoc, entitlementRef } from '../data/billing';
import type { Entitlement } from '../domain/entitlements';
import { logger } from '../observability/logger';

export const entitlementKey = (uid: string): string => `entitlement:${uid}`;

/** After `entitlements/{uid}` changed (rejects when Redis fails, so the caller retries). */
export function invalidateEntitlement(l2: L2Cache, uid: string): Promise<void> {
  return bumpVersions(l2, [entitlementKey(uid)]);
}

/** What the API needs of the store (tests may hand it a stand-in). */
export interface EntitlementReader {
  get(uid: string): Promise<Entitlement>;
  remember(uid: string, entitlement: Entitlement): void;
}

export class EntitlementStore implements EntitlementReader {
  private readonly l1: ByteLru<Entitlement>;
  private readonly flights = new SingleFlight<Entitlement>();

  constructor(
    private readonly db: () => Firestore,
    private readonly l2: L2Cache,
    private readonly l1TtlMs: number,
    now: () => number = Date.now,
  ) {
    this.l1 = new ByteLru(16 * 1024 * 1024, now);
  }

  /** The user's entitlement (free when they have none). */
  get(uid: string): Promise<Entitlement> {
    const hit = this.l1.get(uid);
    if (hit) return Promise.resolve(hit);
    return this.flights.run(uid, async () => {
      const { value } = await cachedAggregate(
        this.l2,
        entitlementKey(uid),
        'doc',
        CACHE_TTLS.entitlement.l2Seconds,
        async () => {
          const { entitlement, valid } = entitlementFromDoc(
            (await entitlementRef(this.db(), uid).get()).data(),
          );
          if (!valid) logger.warn('entitlement document does not parse; treating the user as free', { uid });
          return entitlement;
        },
      );
      this.l1.set(uid, value, 400, this.l1TtlMs);
      return value;
    });
  }

  /** This instance just wrote the user's entitlement: serve the new one at once. */
  remember(uid: string, entitlement: Entitlement): void {
    this.l1.set(uid, entitlement, 400, this.l1TtlMs);
  }

  forget(uid: string): void {
    this.l1.delete(uid);
  }
}
