/**
 * games/{gameId}: schema, id rule, and the mapping to the API shape and from import rows.
 *
 * Ids are deterministic (`{sport}_{date}_{home}_{away}`), so importing the same file twice updates
 * the same documents instead of adding duplicates. The date is the one the game was first imported
 * for: a postponed game keeps its id (predictions, insights and cache keys name it) and only its
 * kickoff moves, so read a game's date from its kickoff, never from its id (domain/game-import.ts
 * matches the rows of a later file to it). Kickoff: the shared NFL log has dates only, so an
 * imported game without a time kicks off at 18:00 UTC (1 pm US Eastern, the common Sunday slot).
 */
import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { calendarDate, checkGameRow, gameRowColumns, instant, teamCode } from '../domain/game-rows';

export const SPORTS = ['nfl'] as const;
export const GAME_STATUSES = ['scheduled', 'final'] as const;
export const DEFAULT_KICKOFF_UTC = 'T18:00:00Z';
/** Dates and instants taken from requests (defined with the game rows that read them first). */
export { calendarDate, instant };

const score = z.number().int().min(0).max(300);

/** What a games document holds (Firestore types). */
export const gameDocSchema = z.object({
  sport: z.enum(SPORTS),
  season: z.number().int().min(1900).max(2100),
  kickoff: z.instanceof(Timestamp),
  homeTeam: teamCode,
  awayTeam: teamCode,
  neutral: z.boolean(),
  playoff: z.boolean(),
  status: z.enum(GAME_STATUSES),
  homeScore: score.nullable(),
  awayScore: score.nullable(),
  /**
   * The id its import row derives, when that is not the game's id: the game was moved there (a
   * postponement), and this is how later imports of that row find it. Not part of the API shape.
   */
  importedAs: z.string().optional(),
});
export type GameDoc = z.infer<typeof gameDocSchema>;

/** A game as the API returns it. */
export interface Game {
  gameId: string;
  sport: (typeof SPORTS)[number];
  season: number;
  kickoff: string;
  homeTeam: string;
  awayTeam: string;
  neutral: boolean;
  playoff: boolean;
  status: (typeof GAME_STATUSES)[number];
  homeScore: number | null;
  awayScore: number | null;
}

export function toGame(gameId: string, doc: GameDoc): Game {
  return {
    gameId,
    sport: doc.sport,
    season: doc.season,
    kickoff: doc.kickoff.toDate().toISOString(),
    homeTeam: doc.homeTeam,
    awayTeam: doc.awayTeam,
    neutral: doc.neutral,
    playoff: doc.playoff,
    status: doc.status,
    homeScore: doc.homeScore,
    awayScore: doc.awayScore,
  };
}

export function gameIdFor(sport: string, date: string, homeTeam: string, awayTeam: string): string {
  return `${sport}_${date}_${homeTeam}_${awayTeam}`;
}

/** A game id taken from a request: the characters ids are made of, never Firestore's `__…__`. */
export const gameIdText = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'a game id')
  .refine((id) => !/^__.*__$/.test(id), { message: 'a game id, not of the reserved form __…__' });

const { date, ...columns } = gameRowColumns;
/**
 * One game to import: a row of the shared file (domain/game-rows, the reading the model scripts use
 * too: flags, franchise aliases, both-or-neither scores), plus the sport, an optional kickoff, and
 * optionally the stored game the row is (`gameId`: only needed when the import cannot tell which
 * game a rescheduled row is; empty in a CSV means none).
 */
export const importRowSchema = z
  .object({
    sport: z.enum(SPORTS).default('nfl'),
    date,
    kickoff: instant.optional(),
    gameId: z
      .preprocess((v) => (v === '' || v === null ? undefined : v), gameIdText.optional())
      .meta({ description: 'The stored game this row is; only needed when the import cannot tell' }),
    ...columns,
  })
  .superRefine(checkGameRow);
export type ImportRow = z.output<typeof importRowSchema>;

export function docFromImportRow(row: ImportRow): { gameId: string; doc: GameDoc } {
  const final = row.score1 !== null && row.score2 !== null;
  return {
    gameId: gameIdFor(row.sport, row.date, row.team1, row.team2),
    doc: {
      sport: row.sport,
      season: row.season,
      kickoff: Timestamp.fromDate(new Date(row.kickoff ?? `${row.date}${DEFAULT_KICKOFF_UTC}`)),
      homeTeam: row.team1,
      awayTeam: row.team2,
      neutral: row.neutral,
      playoff: row.playoff,
      status: final ? 'final' : 'scheduled',
      homeScore: row.score1,
      awayScore: row.score2,
    },
  };
}

/** True when two game documents hold the same game state (so an import can skip the write). */
export function sameGame(a: GameDoc, b: GameDoc): boolean {
  return (
    a.sport === b.sport &&
    a.season === b.season &&
    a.kickoff.isEqual(b.kickoff) &&
    a.homeTeam === b.homeTeam &&
    a.awayTeam === b.awayTeam &&
    a.neutral === b.neutral &&
    a.playoff === b.playoff &&
    a.status === b.status &&
    a.homeScore === b.homeScore &&
    a.awayScore === b.awayScore &&
    a.importedAs === b.importedAs
  );
}
