import { onSchedule } from 'firebase-functions/scheduler';
import { SIZING } from '../config';
import { logger } from '../observability/logger';
import { firestore } from '../runtime';
import { deleteExpiredLedgerEntries } from '../services/idempotent';
import { recordJobCompleted } from '../services/ops-jobs';

/**
 * Daily: delete expired idempotency-ledger entries. Production also has a TTL policy on
 * processed_events.expireAt (firestore.indexes.json); this job covers the emulator, which has no TTL,
 * and any lag in TTL deletion. Deleting expired entries is idempotent, so a rerun is harmless.
 */
export const ledgerCleanup = onSchedule(
  { ...SIZING.ledgerCleanup, schedule: 'every day 03:00', timeZone: 'UTC', retryCount: 3 },
  async (event) => {
    const runId = event.scheduleTime;
    const deleted = await deleteExpiredLedgerEntries(firestore(), new Date(runId));
    logger.info('ledger cleanup', { runId, deleted });
    await recordJobCompleted(firestore(), 'ledgerCleanup');
  },
);
