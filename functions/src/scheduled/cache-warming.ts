import { onSchedule } from 'firebase-functions/scheduler';
import { SIZING, upstashToken } from '../config';
import { logger } from '../observability/logger';
import { firestore, predictions } from '../runtime';
import { warmUpcoming } from '../services/warming';
import { recordJobCompleted } from '../services/ops-jobs';

export const WARM_DAYS = 7;

/** Every 15 minutes: predictions for the games of the next 7 days into L2 and L3. */
export const warmPredictionCache = onSchedule(
  {
    ...SIZING.warmPredictionCache,
    schedule: 'every 15 minutes',
    timeZone: 'UTC',
    retryCount: 0,
    secrets: [upstashToken],
  },
  async (event) => {
    const runId = event.scheduleTime;
    const report = await warmUpcoming(firestore(), predictions(), { now: new Date(runId), days: WARM_DAYS });
    logger.info('cache warming', { runId, ...report });
    await recordJobCompleted(firestore(), 'warmPredictionCache');
  },
);
