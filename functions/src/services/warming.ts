/**
 * Cache warming: predictions for every scheduled game of the next days, computed in batches so the
 * first fan to open a game finds it in L2 (any instance) and L3 rather than paying for a miss.
 * Only misses are computed and written; already cached games cost one MGET.
 *
 * The same pass keeps the model-vs-ratings insights of those games current (domain/disagreements):
 * raised, updated or withdrawn to match the prediction being served, so they follow new ratings and
 * a newly activated model within one run. Writes are convergent (a game-derived id, compared before
 * writing), so a repeated or overlapping run writes nothing more.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { SPORTS } from '../data/games';
import { refreshDisagreements, type DisagreementWrites } from './disagreements';
import { sweep } from '../domain/paging';
import { readGamesPage, type GameCursor } from './games';
import { PredictionError, type PredictionService } from './predictions';

export interface WarmReport {
  games: number;
  computed: number;
  alreadyCached: number;
  skippedSports: string[];
  /** Model-vs-ratings insights written by this run. */
  disagreements: DisagreementWrites;
}

export async function warmUpcoming(
  db: Firestore,
  predictions: PredictionService,
  opts: { now: Date; days: number; sports?: readonly string[] },
): Promise<WarmReport> {
  const report: WarmReport = {
    games: 0,
    computed: 0,
    alreadyCached: 0,
    skippedSports: [],
    disagreements: { raised: 0, updated: 0, withdrawn: 0 },
  };
  const to = new Date(opts.now.getTime() + opts.days * 86_400_000);
  for (const sport of opts.sports ?? SPORTS) {
    const filters = { sport, status: 'scheduled', from: opts.now, to, limit: 500 } as const;
    const pages = sweep((after: GameCursor | null) =>
      readGamesPage(db, { ...filters, ...(after ? { cursor: after } : {}) }),
    );
    for await (const games of pages) {
      const ids = games.map((g) => g.gameId);
      if (ids.length === 0) continue;
      try {
        const { levels, predictions: served } = await predictions.forGames(ids);
        report.games += ids.length;
        report.computed += levels.miss;
        report.alreadyCached += levels.l1 + levels.l2 + levels.l3;
        await refreshDisagreements(db, served, report.disagreements);
      } catch (err) {
        if (err instanceof PredictionError && err.code === 'no_model') {
          report.skippedSports.push(sport);
          break;
        }
        throw err;
      }
    }
  }
  await predictions.drain();
  return report;
}
