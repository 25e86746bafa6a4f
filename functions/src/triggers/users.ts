import * as functionsV1 from 'firebase-functions/v1';
import { REGION, SIZING_GEN1, stripeSecretKey, upstashToken } from '../config';
import { billing } from '../runtime';
import { deleteBilling } from '../services/billing';

/**
 * A deleted account (API, console or the user) takes its billing with it: the Stripe customer is
 * deleted, which cancels its subscriptions at once, then customers/{uid}/** and entitlements/{uid}.
 * Auth deletion events exist only as 1st-gen triggers; retries are on, and the work is idempotent.
 */
export const onUserDeleted = functionsV1
  .runWith({ ...SIZING_GEN1.onUserDeleted, secrets: [stripeSecretKey, upstashToken], failurePolicy: true })
  .region(REGION)
  .auth.user()
  .onDelete(async (user) => {
    await deleteBilling(billing(), user.uid, user.email);
  });
