import { onSchedule } from 'firebase-functions/scheduler';
import { SIZING, stripeSecretKey, upstashToken } from '../config';
import { logger } from '../observability/logger';
import { billing, firestore } from '../runtime';
import { reconcileBillingState } from '../services/billing-reconciliation';
import { recordJobCompleted } from '../services/ops-jobs';

/** Nightly: re-sync customers whose Stripe state changed since the last run; record what was repaired. */
export const reconcileBilling = onSchedule(
  {
    ...SIZING.reconcileBilling,
    schedule: 'every day 04:30',
    timeZone: 'UTC',
    retryCount: 3,
    secrets: [stripeSecretKey, upstashToken],
  },
  async (event) => {
    const report = await reconcileBillingState(billing(), {
      runId: event.scheduleTime,
      now: Date.parse(event.scheduleTime),
    });
    logger.info('billing reconciliation', {
      runId: report.runId,
      customers: report.customers,
      repaired: report.repaired.length,
      failed: report.failed.length,
    });
    if (report.failed.length > 0)
      throw new Error(`${report.failed.length} customers failed to sync; retrying`);
    await recordJobCompleted(firestore(), 'reconcileBilling');
  },
);
