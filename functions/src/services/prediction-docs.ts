/**
 * L3 of predictions: `predictions/{gameId}__{modelId}@{version}`, the served body plus `modelId`
 * and `version` (and `graded`, which the games trigger records: writes merge, so they keep it). A
 * stored prediction answers only for the version and ratingsVersion it was made under.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import type { Game } from '../data/games';
import { parseGame } from './games';
import type { Pointers, PredictionBody } from './predictor';

const WRITE_BATCH = 400;

export function predictionDocId(gameId: string, modelId: string, version: string): string {
  return `${gameId}__${modelId}@${version}`;
}

/** A stored prediction's body, if it was made under the pointers' version and ratingsVersion. */
export function storedPrediction(
  data: unknown,
  pointers: Pick<Pointers, 'version' | 'ratingsVersion'>,
): PredictionBody | null {
  if (typeof data !== 'object' || data === null) return null;
  const doc = data as PredictionBody & { modelId?: string; version?: string; graded?: unknown };
  if (doc.ratingsVersion !== pointers.ratingsVersion || doc.model?.version !== pointers.version) return null;
  // The stored fields that are not the answer: its keys, and the grade the games trigger recorded.
  const { modelId: _m, version: _v, graded: _g, ...body } = doc;
  return body;
}

/** A game's stored prediction and the game itself, in one round trip (getAll). */
export async function readStoredAndGame(
  db: Firestore,
  gameId: string,
  pointers: Pointers,
): Promise<[PredictionBody | null, Game | null]> {
  const [l3, game] = await db.getAll(
    db.collection(Collections.predictions).doc(predictionDocId(gameId, pointers.modelId, pointers.version)),
    db.collection(Collections.games).doc(gameId),
  );
  return [storedPrediction(l3?.data(), pointers), game?.exists ? parseGame(game.id, game.data()) : null];
}

/** Stores the bodies of games (a matchup's, without a game id, is not stored), 400 per batch. */
export async function storePredictions(db: Firestore, bodies: readonly PredictionBody[]): Promise<void> {
  const writes = bodies.filter((body) => body.gameId);
  for (let i = 0; i < writes.length; i += WRITE_BATCH) {
    const batch = db.batch();
    for (const body of writes.slice(i, i + WRITE_BATCH)) {
      batch.set(
        db
          .collection(Collections.predictions)
          .doc(predictionDocId(body.gameId as string, body.model.id, body.model.version)),
        { ...body, modelId: body.model.id, version: body.model.version },
        // merge: keeps `graded`, which the games trigger records on the document.
        { merge: true },
      );
    }
    await batch.commit();
  }
}
