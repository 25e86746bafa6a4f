import type { FinalGame } from '../../../src/domain/games';
import {
  DEFAULT_RATING_PARAMS,
  NFL_RATING_PARAMS,
  emptyRatingState,
  ingestFinal,
  rebuildRatings,
  teamAt,
  type RatingState,
} from '../../../src/domain/ratings/state';
import { mulberry32 } from '../../../src/domain/random';

const params = DEFAULT_RATING_PARAMS;

function game(
  date: string,
  season: number,
  team1: string,
  team2: string,
  score1: number,
  score2: number,
  extra: Partial<FinalGame> = {},
): FinalGame {
  return { date, season, team1, team2, score1, score2, neutral: false, playoff: false, ...extra };
}

/** A few synthetic seasons: 6 teams, round robin each week, random scores. */
function synthetic(seasons: number): FinalGame[] {
  const rng = mulberry32(42);
  const teams = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
  const out: FinalGame[] = [];
  for (let s = 0; s < seasons; s++) {
    for (let w = 0; w < 6; w++) {
      const day = new Date(Date.UTC(2000 + s, 8, 7 + 7 * w)).toISOString().slice(0, 10);
      const order = [...teams].sort(() => rng() - 0.5);
      for (let i = 0; i < 6; i += 2) {
        out.push(
          game(day, 2000 + s, order[i]!, order[i + 1]!, Math.floor(rng() * 40), Math.floor(rng() * 40), {
            neutral: rng() < 0.1,
            playoff: w === 5,
          }),
        );
      }
    }
  }
  return out;
}

describe('rating state', () => {
  it('applies a hand-computed update to both teams (zero-sum Elo and points)', () => {
    const state = emptyRatingState();
    ingestFinal(state, params, game('2000-09-10', 2000, 'HOM', 'AWY', 24, 17));
    expect(state.teams.HOM!.elo).toBeCloseTo(1505 + 16.4624620704, 8);
    expect(state.teams.AWY!.elo).toBeCloseTo(1505 - 16.4624620704, 8);
    // points: k 0.1 * (7 - 2.5 home advantage)
    expect(state.teams.HOM!.pts).toBeCloseTo(0.45, 12);
    expect(state.teams.AWY!.pts).toBeCloseTo(-0.45, 12);
    expect(state.teams.HOM!.seasonGames).toBe(1);
    expect(state.games).toBe(1);
  });

  it('regresses lazily at the next season and resets season counters', () => {
    const state = emptyRatingState();
    ingestFinal(state, params, game('2000-09-10', 2000, 'HOM', 'AWY', 24, 17));
    const next = teamAt(state, params, 'HOM', 2001);
    expect(next.elo).toBeCloseTo(1505 + (2 / 3) * 16.4624620704, 8);
    expect(next.pts).toBeCloseTo(0.45 * 0.6, 12);
    expect(next.seasonGames).toBe(0);
    expect(teamAt(state, params, 'HOM', 2000)).toBe(state.teams.HOM);
  });

  it('starts teams of the first season at the mean and later newcomers as expansion teams', () => {
    const state = emptyRatingState();
    expect(teamAt(state, params, 'NEW', 2000).elo).toBe(1505);
    ingestFinal(state, params, game('2000-09-10', 2000, 'HOM', 'AWY', 24, 17));
    expect(teamAt(state, params, 'NEW', 2000).elo).toBe(1505);
    expect(teamAt(state, params, 'NEW', 2001).elo).toBe(1300);
  });

  it('incremental ingestion (with a JSON round trip, as via Firestore) equals a full rebuild', () => {
    const games = synthetic(3);
    const rebuilt = rebuildRatings(NFL_RATING_PARAMS, games);
    let state: RatingState = emptyRatingState();
    games.forEach((g, i) => {
      if (i % 7 === 0) state = JSON.parse(JSON.stringify(state)) as RatingState;
      ingestFinal(state, NFL_RATING_PARAMS, g);
    });
    expect(state).toEqual(rebuilt);
    expect(rebuilt.games).toBe(games.length);
  });

  it('rebuild sorts by date, so input order does not matter', () => {
    const games = synthetic(2);
    const reversed = [...games].reverse();
    expect(reversed[0]?.date).not.toBe(games[0]?.date); // (the premise: a different order)
    expect(rebuildRatings(params, reversed)).toEqual(rebuildRatings(params, games));
  });

  it('rejects finals without scores or with a team playing itself', () => {
    expect(() => ingestFinal(emptyRatingState(), params, game('2000-09-10', 2000, 'A', 'A', 1, 0))).toThrow();
    expect(() =>
      ingestFinal(emptyRatingState(), params, game('2000-09-10', 2000, 'A', 'B', NaN, 0)),
    ).toThrow();
  });
});
