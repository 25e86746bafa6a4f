import { onDocumentWritten } from 'firebase-functions/firestore';
import { SIZING } from '../config';
import { SPORTS } from '../data/games';
import { engineRatingParams } from '../domain/model-checks';
import { logger } from '../observability/logger';
import { firestore } from '../runtime';
import { drainRatings } from '../services/ratings-worker';

export const FUNCTION_NAME = 'onRatingsQueued';

/**
 * ops/ratings_{sport} written (the trigger watches ops/{doc}: a wildcard is a whole segment) with a recomputation queued (the admin rebuild marks it) and nobody
 * holding the lease → this invocation takes the lease and brings the ratings up to date, in its own
 * invocation with its own timeout instead of inside an API request. Writes that leave nothing to do
 * (a lease taken or renewed, a mark cleared) return at once; a failed run frees the lease and is
 * retried.
 */
export const onRatingsQueued = onDocumentWritten(
  { ...SIZING.onRatingsQueued, document: 'ops/{doc}', retry: true },
  async (event) => {
    const sport = /^ratings_([a-z]+)$/.exec(event.params.doc)?.[1] ?? '';
    const after = event.data?.after.data() as { dirtyFrom?: string | null } | undefined;
    if (!after?.dirtyFrom || !(SPORTS as readonly string[]).includes(sport)) return;
    const outcome = await drainRatings(firestore(), sport, engineRatingParams(sport), {
      now: new Date(event.time),
      retentionMs: 0,
    });
    if (outcome === 'rebuilt') logger.info('queued ratings recomputed', { eventId: event.id, sport });
  },
);
