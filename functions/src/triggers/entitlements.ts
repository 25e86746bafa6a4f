import { getAuth } from 'firebase-admin/auth';
import { onDocumentWritten } from 'firebase-functions/firestore';
import { SIZING, upstashToken } from '../config';
import { logger } from '../observability/logger';
import { l2Cache } from '../runtime';
import { applyTierClaim } from '../services/claims';
import { invalidateEntitlement } from '../services/entitlements';

/**
 * entitlements/{uid} written (by a sync, or by an admin in the console): no instance keeps serving
 * the old tier from Redis, and the `tier` custom claim follows (merged: `admin` is kept). The claim
 * is only a convenience for clients; the API enforces the document. Retried until both succeed.
 */
export const onEntitlementWritten = onDocumentWritten(
  { ...SIZING.onEntitlementWritten, document: 'entitlements/{uid}', retry: true, secrets: [upstashToken] },
  async (event) => {
    const uid = event.params.uid;
    await invalidateEntitlement(l2Cache(), uid);
    const after = event.data?.after.exists ? event.data.after.data() : undefined;
    const outcome = await applyTierClaim(getAuth(), uid, after);
    logger.info('entitlement written', { eventId: event.id, path: `entitlements/${uid}`, claim: outcome });
  },
);
