import { onDocumentWritten } from 'firebase-functions/firestore';
import { ledgerRetentionMs, SIZING, upstashToken } from '../config';
import { logger } from '../observability/logger';
import { firestore, l2Cache, predictions } from '../runtime';
import { handleGameWrite, predictionsMoved } from '../services/game-events';
import { warmUpcoming } from '../services/warming';

export const FUNCTION_NAME = 'onGameWritten';

/** After a result: the scheduled games from its date through the next week's Monday night. */
export const AFTER_RESULT_DAYS = 9;

/**
 * games/{gameId} written (import, API, console) → ratings recomputed from the earliest final it
 * touched and ratingsVersion bumped (so every prediction gets new keys), stored predictions graded,
 * upset insights raised. When this invocation moved the predictions, the sport's scheduled games from
 * this game's date through the following week are predicted again at once (into L2/L3) and their
 * model-vs-ratings insights re-judged, rather than at the next warming run (up to 15 min later).
 */
export const onGameWritten = onDocumentWritten(
  { ...SIZING.onGameWritten, document: 'games/{gameId}', retry: true, secrets: [upstashToken] },
  async (event) => {
    const subject = `games/${event.params.gameId}`;
    const result = await handleGameWrite(
      firestore(),
      event.params.gameId,
      event.data?.before.exists ? event.data.before.data() : undefined,
      event.data?.after.exists ? event.data.after.data() : undefined,
      { functionName: FUNCTION_NAME, eventId: event.id, subject },
      { now: new Date(event.time), retentionMs: ledgerRetentionMs() },
      l2Cache(),
    );
    let warmed: Awaited<ReturnType<typeof warmUpcoming>> | undefined;
    if (result.sport && result.date && predictionsMoved(result)) {
      const service = predictions();
      service.invalidatePointers(result.sport);
      warmed = await warmUpcoming(firestore(), service, {
        now: new Date(`${result.date}T00:00:00Z`),
        days: AFTER_RESULT_DAYS,
        sports: [result.sport],
      });
    }
    logger.info('game write', { eventId: event.id, path: subject, ...result, ...(warmed ? { warmed } : {}) });
  },
);
