import { onDocumentWritten } from 'firebase-functions/firestore';
import { ledgerRetentionMs } from '../config';
import { logger } from '../observability/logger';
import { firestore, l2Cache } from '../runtime';
import { handleGameWrite } from '../services/game-events';

export const FUNCTION_NAME = 'onGameWritten';

/**
 * games/{gameId} written (import, API, console) → ratings recomputed from the earliest final it
 * touched and ratingsVersion bumped (so every prediction gets new keys), stored predictions graded.
 */
export const onGameWritten = onDocumentWritten(
  { document: 'games/{gameId}', retry: true, timeoutSeconds: 300, memory: '512MiB' },
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
    logger.info('game write', { eventId: event.id, path: subject, ...result });
  },
);
