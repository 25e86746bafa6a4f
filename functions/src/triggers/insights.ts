import { onDocumentWritten } from 'firebase-functions/firestore';
import { ledgerRetentionMs, SIZING, upstashToken } from '../config';
import { logger } from '../observability/logger';
import { firestore, l2Cache } from '../runtime';
import { bumpVersions } from '../cache/versioned';
import { INSIGHTS_SUMMARY_KEY } from '../services/insights-read';
import { recordInsightWrite } from '../services/insights';

export const FUNCTION_NAME = 'onInsightWritten';

/** insights/{id} written (API or console) → agg_insights/{status}_{severity}.count, exactly once. */
export const onInsightWritten = onDocumentWritten(
  { ...SIZING.onInsightWritten, document: 'insights/{insightId}', retry: true, secrets: [upstashToken] },
  async (event) => {
    const subject = `insights/${event.params.insightId}`;
    const outcome = await recordInsightWrite(
      firestore(),
      { functionName: FUNCTION_NAME, eventId: event.id, subject },
      event.data?.before.exists ? event.data.before.data() : undefined,
      event.data?.after.exists ? event.data.after.data() : undefined,
      { now: new Date(event.time), retentionMs: ledgerRetentionMs() },
    );
    // Also after a duplicate: the first delivery may have failed between its commit and this bump.
    if (outcome !== 'unchanged') await bumpVersions(l2Cache(), [INSIGHTS_SUMMARY_KEY]);
    logger.info('insight aggregate', { eventId: event.id, path: subject, outcome });
  },
);
