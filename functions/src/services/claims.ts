/**
 * The `tier` custom claim, a convenience copy of `entitlements/{uid}.tier` for clients (the API
 * never trusts it). Claims are replaced as a whole by setCustomUserClaims, so this reads, merges and
 * writes: `admin` and any other claim survive.
 */
import type { Auth } from 'firebase-admin/auth';
import type { DocumentData } from 'firebase-admin/firestore';
import { entitlementFromDoc } from '../data/billing';

export type ClaimOutcome = 'set' | 'unchanged' | 'no_user';

export async function applyTierClaim(
  auth: Auth,
  uid: string,
  entitlement: DocumentData | undefined,
): Promise<ClaimOutcome> {
  const tier = entitlementFromDoc(entitlement).entitlement.tier;
  let claims: Record<string, unknown>;
  try {
    claims = (await auth.getUser(uid)).customClaims ?? {};
  } catch (err) {
    if ((err as { code?: unknown }).code === 'auth/user-not-found') return 'no_user';
    throw err;
  }
  if (claims.tier === tier) return 'unchanged';
  await auth.setCustomUserClaims(uid, { ...claims, tier });
  return 'set';
}
