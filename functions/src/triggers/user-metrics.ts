import { onDocumentWritten } from 'firebase-functions/firestore';
import { ledgerRetentionMs, SIZING, upstashToken } from '../config';
import { logger } from '../observability/logger';
import { firestore, l2Cache } from '../runtime';
import { invalidateUserAnalytics } from '../services/analytics';
import { recordMetricWrite } from '../services/user-metrics';

export const FUNCTION_NAME = 'onUserMetricWritten';

/**
 * user_metrics/{id} written (API, web app or console) → agg_user_daily, exactly once per event;
 * then the users' cached analytics are invalidated (also on a redelivery, in case the first attempt
 * failed between the two; an invalidation failure rethrows so the event is retried).
 */
export const onUserMetricWritten = onDocumentWritten(
  {
    ...SIZING.onUserMetricWritten,
    document: 'user_metrics/{metricId}',
    retry: true,
    secrets: [upstashToken],
  },
  async (event) => {
    const subject = `user_metrics/${event.params.metricId}`;
    const { outcome, users } = await recordMetricWrite(
      firestore(),
      { functionName: FUNCTION_NAME, eventId: event.id, subject },
      event.data?.before.exists ? event.data.before.data() : undefined,
      event.data?.after.exists ? event.data.after.data() : undefined,
      { now: new Date(event.time), retentionMs: ledgerRetentionMs() },
    );
    await invalidateUserAnalytics(l2Cache(), users);
    logger.info('user metric aggregate', { eventId: event.id, path: subject, outcome });
  },
);
