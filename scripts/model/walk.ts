/**
 * Walk-forward over dated games: ratings are built from the history, then for each date of the
 * games to forecast, every game of that date is featurised from the state as it stands (earlier
 * dates only), and only then are that date's final scores ingested. Forecasts can therefore never
 * see a result from their own date or later.
 */
import { sortByDate, type FinalGame } from '../../functions/src/domain/games';
import { buildFeatures } from '../../functions/src/domain/features';
import {
  emptyRatingState,
  ingestFinal,
  type RatingParams,
  type RatingState,
} from '../../functions/src/domain/ratings/state';
import type { CsvGame } from './csv';

export function isFinal(game: CsvGame): game is CsvGame & FinalGame {
  return game.score1 !== null && game.score2 !== null;
}

export interface FeaturedGame {
  game: CsvGame;
  values: number[];
}

/** Builds rating state from `history` (finals only, date order). */
export function stateFrom(history: readonly CsvGame[], params: RatingParams): RatingState {
  const state = emptyRatingState();
  for (const g of sortByDate(history)) if (isFinal(g)) ingestFinal(state, params, g);
  return state;
}

/**
 * Features for every game of `games`, walked in date order from `state` (mutated: it ends with
 * all of `games`' finals ingested). `onDate` receives each date's games and features before that
 * date's scores are ingested.
 */
export function walkDates(
  state: RatingState,
  games: readonly CsvGame[],
  params: RatingParams,
  onDate?: (day: FeaturedGame[]) => void,
): FeaturedGame[] {
  const ordered = sortByDate(games);
  const out: FeaturedGame[] = [];
  let i = 0;
  while (i < ordered.length) {
    const date = (ordered[i] as CsvGame).date;
    const day: FeaturedGame[] = [];
    while (i < ordered.length && (ordered[i] as CsvGame).date === date) {
      const game = ordered[i] as CsvGame;
      day.push({ game, values: buildFeatures(state, params, game).values });
      i++;
    }
    onDate?.(day);
    for (const { game } of day) if (isFinal(game)) ingestFinal(state, params, game);
    out.push(...day);
  }
  return out;
}
