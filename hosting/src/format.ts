/** Display helpers: percentages, dates and times in the viewer's locale and time zone. */
export const pct = (p: number): string => `${Math.round(p * 100)}%`;

/**
 * The date and time formats the pages use, each made once: `toLocaleDateString(undefined, options)`
 * builds a new `Intl.DateTimeFormat` on every call, and a page of cards formats dozens of dates.
 */
const formats = {
  day: { weekday: 'long', month: 'long', day: 'numeric' },
  time: { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' },
  date: { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' },
  moment: { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' },
  shortDay: { weekday: 'short', month: 'short', day: 'numeric' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;
const made = new Map<keyof typeof formats, Intl.DateTimeFormat>();
function format(name: keyof typeof formats): Intl.DateTimeFormat {
  let f = made.get(name);
  if (!f) made.set(name, (f = new Intl.DateTimeFormat(undefined, formats[name])));
  return f;
}

/**
 * Makes the formats ahead of the first render. The browser's first `Intl` use loads its locale data
 * (35-45 ms here): done while the page waits for the week's answer, that time overlaps the network's.
 */
export function prepareFormats(): void {
  for (const name of Object.keys(formats) as (keyof typeof formats)[]) format(name);
}

export const dayLabel = (iso: string): string => format('day').format(new Date(iso));

export const timeLabel = (iso: string): string => format('time').format(new Date(iso));

/** `2017-09-05` → "Sep 5, 2017" (a calendar date, not an instant: no time zone shift). */
export const dateLabel = (date: string): string => format('date').format(new Date(`${date}T12:00:00Z`));

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
export const momentLabel = (ms: number): string => format('moment').format(new Date(ms));

/**
 * A ratings version is the time of the recomputation that made it (milliseconds, kept strictly
 * increasing by the server), so it reads as a moment.
 */
export const ratingsLabel = (version: number): string => momentLabel(version);

/** "Thu, Sep 7": a kickoff's day, short, in the viewer's time zone (tables). */
export const shortDayLabel = (iso: string): string => format('shortDay').format(new Date(iso));
