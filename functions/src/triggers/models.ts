import { onDocumentWritten } from 'firebase-functions/firestore';
import { SIZING, upstashToken } from '../config';
import { modelDocSchema } from '../data/registry';
import { logger } from '../observability/logger';
import { firestore, predictions } from '../runtime';
import { warmUpcoming } from '../services/warming';
import { WARM_DAYS } from '../scheduled/cache-warming';

export const FUNCTION_NAME = 'onModelWritten';

/**
 * models/{modelId} written with a new active version (API or console): nothing cached goes stale,
 * since prediction keys carry the version and instances re-read pointers within seconds; but the
 * new version's namespace is empty, so the first fans of every upcoming game would all miss. This
 * fills it now (the next 7 days' games into L2 and L3). Warming computes only misses, so a
 * redelivered event adds nothing.
 */
export const onModelWritten = onDocumentWritten(
  { ...SIZING.onModelWritten, document: 'models/{modelId}', retry: true, secrets: [upstashToken] },
  async (event) => {
    const before = modelDocSchema.safeParse(event.data?.before.data());
    const after = modelDocSchema.safeParse(event.data?.after.data());
    const from = before.success ? before.data.activeVersion : null;
    const to = after.success ? after.data.activeVersion : null;
    if (!after.success || !to || from === to) return;
    const service = predictions();
    service.invalidatePointers(after.data.sport);
    const report = await warmUpcoming(firestore(), service, { now: new Date(event.time), days: WARM_DAYS });
    logger.info('model activated: warmed its predictions', {
      eventId: event.id,
      path: `models/${event.params.modelId}`,
      from,
      to,
      ...report,
    });
  },
);
