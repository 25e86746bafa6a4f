/**
 * Rating state in Firestore (DESIGN.md "Data model"):
 *   sports/{sport}                        { modelId, ratingsVersion, lastFinalDate, finals, updatedAt }
 *   rating_snapshots/{sport}_{date}       { sport, date, state }  the state after every final up to `date`
 *   rating_indexes/{sport}                { dates }  every snapshot date, sorted: a reader finds the
 *                                         snapshot before a date by id, with no query
 * The state a game is predicted from is the snapshot of the latest date before the game's date, so
 * a prediction for a final game never sees its own result (or anything after it), and all games of
 * one date share one state, as in the offline walk-forward forecasts.
 */
import { z } from 'zod';

export const sportDocSchema = z.object({
  modelId: z.string().nullable().default(null),
  ratingsVersion: z.number().int().min(0).default(0),
  lastFinalDate: z.string().nullable().default(null),
  finals: z.number().int().min(0).default(0),
});
export type SportDoc = z.infer<typeof sportDocSchema>;

export function snapshotId(sport: string, date: string): string {
  return `${sport}_${date}`;
}

export const snapshotIndexSchema = z.object({ dates: z.array(z.string()) });
