/**
 * Teams (public): the ratings table, sortable by any column, and one team's page: its rating over
 * the season (a chart, with the numbers as a table) and its schedule with each game's chances.
 */
import { useState } from 'preact/hooks';
import { attempt, publicApi, type components } from '../api';
import { Chart } from '../chart';
import { dateLabel, pct, shortDayLabel } from '../format';
import { ProblemNotice, useLoad } from '../load';
import { navigate } from '../router';

type TeamRating = components['schemas']['TeamRating'];
type TeamPageData = components['schemas']['TeamPage'];

type SortKey = 'rank' | 'team' | 'elo' | 'points' | 'record' | 'form';
const COLUMNS: { key: SortKey; label: string; numeric: boolean }[] = [
  { key: 'rank', label: 'Rank', numeric: true },
  { key: 'team', label: 'Team', numeric: false },
  { key: 'elo', label: 'Elo', numeric: true },
  { key: 'points', label: 'Points rating', numeric: true },
  { key: 'record', label: 'Record', numeric: true },
  { key: 'form', label: 'Form', numeric: true },
];

const winShare = (r: TeamRating['record']) => {
  const games = r.wins + r.losses + r.ties;
  return games === 0 ? 0 : (r.wins + r.ties / 2) / games;
};
const recordText = (r: TeamRating['record']) => `${r.wins}–${r.losses}${r.ties ? `–${r.ties}` : ''}`;
const signed = (x: number, digits = 1) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

function sortValue(t: TeamRating, key: SortKey): number | string {
  if (key === 'team') return t.team;
  if (key === 'record') return winShare(t.record);
  return t[key];
}

export function TeamsPage() {
  const [table, retry] = useLoad(
    () => attempt(() => publicApi.GET('/v1/sports/{sport}/ratings', { params: { path: { sport: 'nfl' } } })),
    [],
  );
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'rank', descending: false });
  if (table.state === 'loading') return <p aria-busy="true">Loading the ratings…</p>;
  if (table.state === 'problem') return <ProblemNotice {...table} onRetry={retry} />;
  const rows = [...table.data.teams].sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    const order = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
    return sort.descending ? -order : order;
  });
  return (
    <section aria-labelledby="teams-title">
      <h1 id="teams-title">NFL team ratings</h1>
      <p class="muted">
        {table.data.season ? `${table.data.season} season` : ''}
        {table.data.lastFinalDate ? ` · through the games of ${dateLabel(table.data.lastFinalDate)}` : ''}.
        Elo (1500 is average), the points rating (points better than an average team on a neutral field) and
        form (recent results against Elo's expectation, −1 to 1) feed the model.
      </p>
      <div class="table-wrap">
        <table id="ratings">
          <caption>Teams, sortable by each column</caption>
          <thead>
            <tr>
              {COLUMNS.map((c) => {
                const active = sort.key === c.key;
                return (
                  <th
                    key={c.key}
                    scope="col"
                    aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                  >
                    <button
                      type="button"
                      class="sortable"
                      onClick={() =>
                        setSort({
                          key: c.key,
                          // A new column starts with its best first: high numbers, A to Z, rank 1.
                          descending: active ? !sort.descending : c.numeric && c.key !== 'rank',
                        })
                      }
                    >
                      {c.label}
                      {active ? (sort.descending ? ' ↓' : ' ↑') : ''}
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.team} data-team={t.team}>
                <td>{t.rank}</td>
                <th scope="row">
                  <a href={`/teams/${t.team}`}>{t.team}</a>
                </th>
                <td>{Math.round(t.elo)}</td>
                <td>{signed(t.points)}</td>
                <td>{recordText(t.record)}</td>
                <td>{signed(t.form, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The team's chance in one game of its schedule, from the home team's probability. */
function chanceOf(team: string, game: TeamPageData['games'][number]): number | null {
  const p = game.prediction?.homeWinProbability;
  if (p === undefined) return null;
  return game.homeTeam === team ? p : 1 - p;
}

function resultOf(team: string, g: TeamPageData['games'][number]): string {
  if (g.status !== 'final' || g.homeScore === null || g.awayScore === null) return 'Not played yet';
  const [own, other] = g.homeTeam === team ? [g.homeScore, g.awayScore] : [g.awayScore, g.homeScore];
  return `${own > other ? 'Won' : own < other ? 'Lost' : 'Tied'} ${own}–${other}`;
}

export function TeamPage({ team, season }: { team: string; season: string | null }) {
  const seasonNo = season && /^\d{4}$/.test(season) ? Number(season) : null;
  const [page, retry] = useLoad(
    () =>
      attempt(() =>
        publicApi.GET('/v1/sports/{sport}/teams/{team}', {
          params: { path: { sport: 'nfl', team }, query: seasonNo === null ? {} : { season: seasonNo } },
        }),
      ),
    [team, seasonNo],
  );
  if (page.state === 'loading') return <p aria-busy="true">Loading {team}…</p>;
  if (page.state === 'problem') return <ProblemNotice {...page} onRetry={retry} />;
  const d = page.data;
  const seasons = Array.from({ length: 10 }, (_, i) => d.season - 5 + i).filter(
    (s) => s <= (d.lastFinalDate ? Number(d.lastFinalDate.slice(0, 4)) : d.season),
  );
  return (
    <article aria-labelledby="team-title">
      <h1 id="team-title">
        {d.team}, {d.season} season
      </h1>
      {d.current && (
        <p id="team-current">
          Ranked {d.current.rank} · Elo {Math.round(d.current.elo)} · points rating {signed(d.current.points)}{' '}
          · {recordText(d.current.record)}
        </p>
      )}
      <p>
        <label>
          Season{' '}
          <select
            value={String(d.season)}
            onChange={(e) => navigate(`/teams/${d.team}?season=${(e.target as HTMLSelectElement).value}`)}
          >
            {seasons.map((s) => (
              <option key={s} value={String(s)}>
                {s}
              </option>
            ))}
          </select>
        </label>{' '}
        <a href="/teams">All teams</a>
      </p>
      {/* A line needs two points: before the season's first final there is only its start. */}
      {d.history.length > 1 && (
        <Chart
          title={`${d.team}’s Elo rating through the ${d.season} season`}
          time
          x={d.history.map((h) => Date.parse(`${h.date}T12:00:00Z`) / 1000)}
          series={[{ label: 'Elo', values: d.history.map((h) => Math.round(h.elo)), color: '#4ea8de' }]}
          xLabel="Date"
          yLabel="Elo"
          formatX={(x) => dateLabel(new Date(x * 1000).toISOString().slice(0, 10))}
          formatY={(y) => String(Math.round(y))}
          height={220}
        />
      )}
      <h2>Schedule</h2>
      <div class="table-wrap">
        <table id="schedule">
          <caption>
            {d.team}’s {d.season} games, with its chance in each
          </caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Opponent</th>
              <th scope="col">{d.team}’s chance</th>
              <th scope="col">Elo’s</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {d.games.map((g) => {
              const home = g.homeTeam === d.team;
              const chance = chanceOf(d.team, g);
              const elo = g.prediction
                ? home
                  ? g.prediction.eloHomeWinProbability
                  : 1 - g.prediction.eloHomeWinProbability
                : null;
              return (
                <tr key={g.gameId} data-game={g.gameId}>
                  <td>{shortDayLabel(g.kickoff)}</td>
                  <th scope="row">
                    <a href={`/games/${g.gameId}`}>
                      {home ? 'vs' : 'at'} {home ? g.awayTeam : g.homeTeam}
                    </a>
                  </th>
                  <td>{chance === null ? '–' : pct(chance)}</td>
                  <td>{elo === null ? '–' : pct(elo)}</td>
                  <td>{resultOf(d.team, g)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </article>
  );
}
