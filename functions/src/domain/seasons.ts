/** The NFL season a date belongs to: January and February games (playoffs) close the previous year's season. */
export function nflSeasonOf(date: string): number {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return month <= 2 ? year - 1 : year;
}
