import { onSchedule } from 'firebase-functions/scheduler';
import { bumpVersions } from '../cache/versioned';
import { reconcileDays, reconcileSettleMs, SIZING, upstashToken } from '../config';
import { logger } from '../observability/logger';
import { firestore, l2Cache } from '../runtime';
import { invalidateUserAnalytics } from '../services/analytics';
import { INSIGHTS_SUMMARY_KEY } from '../services/insights-read';
import { modelMetricsKey } from '../services/model-metrics';
import { reconcile } from '../services/reconciliation';
import { recordJobCompleted } from '../services/ops-jobs';

/**
 * Daily: recompute recent aggregates and the model scorecards from raw documents, repair drift,
 * record it in ops/reconciliation/runs.
 */
export const reconcileAggregates = onSchedule(
  {
    ...SIZING.reconcileAggregates,
    schedule: 'every day 04:00',
    timeZone: 'UTC',
    retryCount: 3,
    secrets: [upstashToken],
  },
  async (event) => {
    const runId = event.scheduleTime;
    const report = await reconcile(firestore(), {
      runId,
      now: new Date(runId),
      days: reconcileDays(),
      settleMs: reconcileSettleMs(),
    });
    // A repair is a write: no cached response may keep showing the drifted numbers.
    await invalidateUserAnalytics(l2Cache(), report.repairedUsers);
    if (report.insights.repaired > 0) await bumpVersions(l2Cache(), [INSIGHTS_SUMMARY_KEY]);
    await bumpVersions(l2Cache(), report.repairedModels.map(modelMetricsKey));
    logger.info('reconciliation', {
      runId,
      userDaily: report.userDaily,
      insights: report.insights,
      models: report.models,
    });
    await recordJobCompleted(firestore(), 'reconcileAggregates');
  },
);
