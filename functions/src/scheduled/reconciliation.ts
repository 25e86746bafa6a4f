import { onSchedule } from 'firebase-functions/scheduler';
import { reconcileDays, reconcileSettleMs } from '../config';
import { logger } from '../observability/logger';
import { firestore } from '../runtime';
import { reconcile } from '../services/reconciliation';

/** Daily: recompute recent aggregates from raw documents, repair drift, record it in ops/reconciliation/runs. */
export const reconcileAggregates = onSchedule(
  { schedule: 'every day 04:00', timeZone: 'UTC', retryCount: 3, timeoutSeconds: 540 },
  async (event) => {
    const runId = event.scheduleTime;
    const report = await reconcile(firestore(), {
      runId,
      now: new Date(runId),
      days: reconcileDays(),
      settleMs: reconcileSettleMs(),
    });
    logger.info('reconciliation', { runId, userDaily: report.userDaily, insights: report.insights });
  },
);
