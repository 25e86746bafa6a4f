/**
 * Football weeks for the web app's "this week": Tuesday to Monday, so a week's Thursday, Sunday and
 * Monday night games fall together. Days are US evening days: kickoffs are stored in UTC, and a game
 * that starts before 06:00 UTC (a Monday night game, 8:15 pm Eastern) counts as the evening before.
 */
import { utcDay } from './user-metrics';

const DAY_MS = 86_400_000;
/** Tuesday; Date#getUTCDay counts Sunday as 0. */
const WEEK_START_DAY = 2;
/** Kickoffs up to 06:00 UTC count as the previous day (US evening games). */
const DAY_ROLLOVER_MS = 6 * 3_600_000;

export interface Week {
  /** First day (a Tuesday), `YYYY-MM-DD`. */
  from: string;
  /** Last day (the Monday after), `YYYY-MM-DD`, inclusive. */
  to: string;
}

const iso = (ms: number): string => utcDay(new Date(ms));

/** The US calendar day of a kickoff: a game starting before 06:00 UTC was played the evening before. */
export function footballDay(kickoff: Date): string {
  return iso(kickoff.getTime() - DAY_ROLLOVER_MS);
}

/** The week (Tuesday to Monday) that contains the day `date` (`YYYY-MM-DD`). */
export function weekOf(date: string): Week {
  const day = Date.parse(`${date}T00:00:00Z`);
  const back = (new Date(day).getUTCDay() - WEEK_START_DAY + 7) % 7;
  const from = day - back * DAY_MS;
  return { from: iso(from), to: iso(from + 6 * DAY_MS) };
}

/** The week of a kickoff. */
export function weekOfKickoff(kickoff: Date): Week {
  return weekOf(footballDay(kickoff));
}

/** Kickoff bounds of a week: [start, end) in UTC instants, shifted by the evening rollover. */
export function weekBounds(week: Week): { start: Date; end: Date } {
  const start = Date.parse(`${week.from}T00:00:00Z`) + DAY_ROLLOVER_MS;
  return { start: new Date(start), end: new Date(start + 7 * DAY_MS) };
}
