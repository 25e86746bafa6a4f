/** Display helpers: percentages, dates and times in the viewer's locale and time zone. */
export const pct = (p: number): string => `${Math.round(p * 100)}%`;

export function dayLabel(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
}

export function timeLabel(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, {
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  });
}

/** `2017-09-05` → "Sep 5, 2017" (a calendar date, not an instant: no time zone shift). */
export function dateLabel(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString(undefined, {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** The local calendar day of an instant, for grouping a week's games by the viewer's days. */
export function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Brier score of one forecast: (p - outcome)²; 0 is perfect, 0.25 is a coin flip. */
export function brier(homeWinProbability: number, homeScore: number, awayScore: number): number {
  const outcome = homeScore > awayScore ? 1 : homeScore < awayScore ? 0 : 0.5;
  return (homeWinProbability - outcome) ** 2;
}

/** An instant, to the second, in the viewer's locale: when a number was computed. */
export function momentLabel(ms: number): string {
  return new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
  });
}

/**
 * A ratings version is the time of the recomputation that made it (milliseconds, kept strictly
 * increasing by the server), so it reads as a moment.
 */
export const ratingsLabel = (version: number): string => momentLabel(version);

/** "Thu, Sep 7": a kickoff's day, short, in the viewer's time zone (tables). */
export function shortDayLabel(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
}
