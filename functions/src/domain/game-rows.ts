/**
 * One reading of a row of a games file, shared by the API import (`POST /v1/admin/games:import`,
 * CSV or JSON) and the model scripts (train, tune, forecast, evaluate), so a file means the same
 * games to both: the same flag words, the same franchise codes (domain/games `canonicalTeam`), the
 * same checks. Before this, the import read `n`/`no` as true and kept `LV`, which training maps to
 * `OAK`: a newer season's file rated the Raiders as a new, expansion-rated team.
 *
 * Flags (neutral, playoff) are 1/0, true/false, t/f, yes/no, y/n in any case, or empty (false);
 * JSON may also send booleans. Anything else is refused with a message naming the accepted words,
 * never guessed. The playoff column also takes 538's round letters (w, d, c, s: wild card,
 * divisional, conference, Super Bowl), which its later files use instead of 1.
 */
import { z } from 'zod';
import { canonicalTeam } from './games';

const FLAG_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['', false],
  ['0', false],
  ['1', true],
  ['false', false],
  ['true', true],
  ['f', false],
  ['t', true],
  ['no', false],
  ['yes', true],
  ['n', false],
  ['y', true],
]);
const PLAYOFF_ROUNDS: ReadonlySet<string> = new Set(['w', 'd', 'c', 's']);

export const FLAG_HELP = '1/0, true/false, t/f, yes/no, y/n, or empty for false';
export const PLAYOFF_HELP = `${FLAG_HELP}; or a playoff round (w, d, c, s)`;

/** A yes/no cell, or undefined when the text is not one of the flag words. */
export function readFlag(text: string): boolean | undefined {
  return FLAG_WORDS.get(text.trim().toLowerCase());
}

/** The playoff cell: a flag, or one of 538's round letters (true). */
export function readPlayoff(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  return FLAG_WORDS.get(t) ?? (PLAYOFF_ROUNDS.has(t) ? true : undefined);
}

function flagSchema(read: (text: string) => boolean | undefined, help: string) {
  return z.union([z.boolean(), z.number(), z.string()]).transform((value, ctx) => {
    const flag = typeof value === 'boolean' ? value : read(String(value));
    if (flag !== undefined) return flag;
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a flag: use ${help}` });
    return z.NEVER;
  });
}

/**
 * Dates and instants taken from outside: real calendar dates (zod's ISO checks) within the years
 * games can have, so every one converts to a Firestore Timestamp (year 0000 would not: a 500, found
 * by the property tests).
 */
// Judged only when the text has a year (the ISO check reports anything else once).
const inYears = (s: string) => !/^\d{4}/.test(s) || (s.slice(0, 4) >= '1900' && s.slice(0, 4) <= '2100');
export const calendarDate = z.iso.date().refine(inYears, 'a date from 1900 to 2100');
export const instant = z.iso.datetime({ offset: true }).refine(inYears, 'a time from 1900 to 2100');

/** A team code as stored (documents) and asked for (requests). */
export const teamCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{2,4}$/, 'a team code of 2-4 letters or digits');
/** A team code from a file or a request: the franchise's code in our history (LV → OAK, WAS → WSH). */
export const franchiseCode = teamCode.transform(canonicalTeam);

const score = z.number().int().min(0).max(300);
const optionalScore = z.preprocess(
  (v) => (v === '' || v === undefined || v === null ? null : typeof v === 'string' ? Number(v) : v),
  score.nullable(),
);

/**
 * The columns of a games row: 538's `date, season, neutral, playoff, team1, team2, score1, score2`
 * (its elo and result columns are dropped, so the model never sees them). team1 is the home team
 * unless neutral. Cells may be CSV text or JSON values.
 */
export const gameRowColumns = {
  date: calendarDate,
  season: z.coerce.number().int().min(1900).max(2100),
  neutral: flagSchema(readFlag, FLAG_HELP).default(false),
  playoff: flagSchema(readPlayoff, PLAYOFF_HELP).default(false),
  team1: franchiseCode,
  team2: franchiseCode,
  score1: optionalScore.default(null),
  score2: optionalScore.default(null),
};

/** Both scores (a final) or neither (not yet played); two different teams. */
export function checkGameRow(
  row: { team1: string; team2: string; score1: number | null; score2: number | null },
  ctx: z.RefinementCtx,
): void {
  if ((row.score1 === null) !== (row.score2 === null)) {
    ctx.addIssue({
      code: 'custom',
      message: 'give both scores (a final game) or neither (a scheduled game)',
      path: ['score2'],
    });
  }
  if (row.team1 === row.team2) {
    ctx.addIssue({ code: 'custom', message: 'a team cannot play itself', path: ['team2'] });
  }
}

export const gameRowSchema = z.object(gameRowColumns).superRefine(checkGameRow);
export type GameRow = z.output<typeof gameRowSchema>;

/** The rows of a file as games, or an error naming the first bad row (its line) and fields. */
export function parseGameRows(rows: readonly Record<string, string>[], source = 'csv'): GameRow[] {
  return rows.map((row, i) => {
    const parsed = gameRowSchema.safeParse(row);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${source}: line ${i + 2}: ${problems.join('; ')}`);
  });
}
