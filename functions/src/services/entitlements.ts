/**
 * Reading a user's entitlement on the request path: L1 (this instance) → L2 (Redis, versioned:
 * every write bumps the user's version, so no reader can store a value read before the write as
 * current) → `entitlements/{uid}`. The tier is always computed at read time (`effectiveTier`), so a
 * past-due grace period ends on time without any write.
 *
 * L1 entries are fresh for half of ENTITLEMENT_L1_TTL_MS; in the second half a request is answered
 * from L1 while one refresh runs, so a busy user never waits for Redis and a change still reaches
 * every instance within the TTL (plus one Redis round trip).
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

interface L1Entry {
  value: Entitlement;
  freshUntil: number;
}

export class EntitlementStore implements EntitlementReader {
  private readonly l1: ByteLru<L1Entry>;
  private readonly flights = new SingleFlight<Entitlement>();

  constructor(
    private readonly db: () => Firestore,
    private readonly l2: L2Cache,
    private readonly l1TtlMs: number,
    private readonly now: () => number = Date.now,
    /** Where refreshes made while serving from L1 go (tests can await them). */
    private readonly background: (work: Promise<unknown>) => void = () => undefined,
  ) {
    this.l1 = new ByteLru(16 * 1024 * 1024, now);
  }

  /** The user's entitlement (free when they have none). */
  get(uid: string): Promise<Entitlement> {
    const hit = this.l1.get(uid);
    if (hit) {
      if (hit.freshUntil <= this.now()) this.background(this.refresh(uid).catch(() => undefined));
      return Promise.resolve(hit.value);
    }
    return this.refresh(uid);
  }

  private refresh(uid: string): Promise<Entitlement> {
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
      this.remember(uid, value);
      return value;
    });
  }

  /** This instance just wrote (or read) the user's entitlement: serve it from L1. */
  remember(uid: string, entitlement: Entitlement): void {
    this.l1.set(uid, { value: entitlement, freshUntil: this.now() + this.l1TtlMs / 2 }, 400, this.l1TtlMs);
  }

  forget(uid: string): void {
    this.l1.delete(uid);
  }
}
