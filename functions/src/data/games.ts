/**
 * games/{gameId}: schema, id rule, and the mapping to the API shape and from import rows.
 *
 * Ids are deterministic (`{sport}_{date}_{home}_{away}`), so importing the same file twice updates
 * the same documents instead of adding duplicates. Kickoff: the shared NFL log has dates only, so an
 * imported game without a time kicks off at 18:00 UTC (1 pm US Eastern, the common Sunday slot).
 */
import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';

export const SPORTS = ['nfl'] as const;
export const GAME_STATUSES = ['scheduled', 'final'] as const;
export const DEFAULT_KICKOFF_UTC = 'T18:00:00Z';

const team = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{2,4}$/, 'a team code of 2-4 letters or digits');
const score = z.number().int().min(0).max(300);

/** What a games document holds (Firestore types). */
export const gameDocSchema = z.object({
  sport: z.enum(SPORTS),
  season: z.number().int().min(1900).max(2100),
  kickoff: z.instanceof(Timestamp),
  homeTeam: team,
  awayTeam: team,
  neutral: z.boolean(),
  playoff: z.boolean(),
  status: z.enum(GAME_STATUSES),
  homeScore: score.nullable(),
  awayScore: score.nullable(),
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

/**
 * Dates and instants taken from requests: real calendar dates (zod's ISO checks) within the years
 * games can have, so every one converts to a Firestore Timestamp (year 0000 would not: a 500, found
 * by the property tests).
 */
// Judged only when the text has a year (the ISO check reports anything else once).
const inYears = (s: string) => !/^\d{4}/.test(s) || (s.slice(0, 4) >= '1900' && s.slice(0, 4) <= '2100');
export const calendarDate = z.iso.date().refine(inYears, 'a date from 1900 to 2100');
export const instant = z.iso.datetime({ offset: true }).refine(inYears, 'a time from 1900 to 2100');

export function gameIdFor(sport: string, date: string, homeTeam: string, awayTeam: string): string {
  return `${sport}_${date}_${homeTeam}_${awayTeam}`;
}

const flag = z.union([
  z.boolean(),
  z.number().transform((n) => n !== 0),
  z
    .string()
    .trim()
    .transform((s) => s !== '' && s !== '0' && s.toLowerCase() !== 'false'),
]);
const optionalScore = z.preprocess(
  (v) => (v === '' || v === undefined || v === null ? null : typeof v === 'string' ? Number(v) : v),
  score.nullable(),
);

/**
 * One game in the shared file's columns (date, season, neutral, playoff, team1, team2, score1,
 * score2; 538's elo and result columns are ignored). team1 is the home team unless neutral. Both
 * scores present → final; both absent → scheduled.
 */
export const importRowSchema = z
  .object({
    sport: z.enum(SPORTS).default('nfl'),
    date: calendarDate,
    kickoff: instant.optional(),
    season: z.coerce.number().int().min(1900).max(2100),
    neutral: flag.default(false),
    playoff: flag.default(false),
    team1: team,
    team2: team,
    score1: optionalScore.default(null),
    score2: optionalScore.default(null),
  })
  .refine((r) => (r.score1 === null) === (r.score2 === null), {
    message: 'give both scores (a final game) or neither (a scheduled game)',
    path: ['score2'],
  })
  .refine((r) => r.team1 !== r.team2, { message: 'a team cannot play itself', path: ['team2'] });
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
    a.awayScore === b.awayScore
  );
}
