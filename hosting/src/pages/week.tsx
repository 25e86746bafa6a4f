/** Home: one football week of games, each with both teams' chances, the model beside Elo. */
import { attempt, earlyWeek, getWeek, takeEarlyWeek, type components } from '../api';
import { brier, dateLabel, dayLabel, localDay, pct, ratingsLabel, timeLabel } from '../format';
import { useEffect, useState } from 'preact/hooks';
import { ProblemNotice, useCatchUp, useLoad } from '../load';
import { remember } from '../seen';

type WeekView = components['schemas']['Week'];
type WeekGame = WeekView['games'][number];

/** Model and Elo 10 points or more apart: the disagreement insight's threshold. */
const DISAGREEMENT = 0.1;

function ProbabilityBar({ game }: { game: WeekGame }) {
  const p = game.prediction?.homeWinProbability;
  if (p === undefined) return <p class="muted">No forecast yet.</p>;
  return (
    <div class="bar" role="img" aria-label={`${game.awayTeam} ${pct(1 - p)}, ${game.homeTeam} ${pct(p)}`}>
      <span class="bar-away" style={{ width: pct(1 - p) }}>
        {game.awayTeam} {pct(1 - p)}
      </span>
      <span class="bar-home" style={{ width: pct(p) }}>
        {game.homeTeam} {pct(p)}
      </span>
    </div>
  );
}

function Badges({ game }: { game: WeekGame }) {
  const pred = game.prediction;
  if (!pred) return null;
  const badges: string[] = [];
  if (Math.abs(pred.homeWinProbability - pred.eloHomeWinProbability) >= DISAGREEMENT)
    badges.push('Model and Elo disagree');
  if (
    game.status === 'final' &&
    game.homeScore !== null &&
    game.awayScore !== null &&
    game.homeScore !== game.awayScore
  ) {
    const favouriteIsHome = pred.homeWinProbability >= 0.5;
    const homeWon = game.homeScore > game.awayScore;
    if (favouriteIsHome !== homeWon) badges.push('Upset');
  }
  return (
    <>
      {badges.map((b) => (
        <span key={b} class="badge">
          {b}
        </span>
      ))}
    </>
  );
}

function Result({ game }: { game: WeekGame }) {
  if (game.status !== 'final' || game.homeScore === null || game.awayScore === null) return null;
  const p = game.prediction?.homeWinProbability;
  const favouriteWon =
    p === undefined || game.homeScore === game.awayScore
      ? null
      : p >= 0.5 === game.homeScore > game.awayScore;
  return (
    <p class="result">
      Final: {game.awayTeam} {game.awayScore}, {game.homeTeam} {game.homeScore}
      {favouriteWon !== null && <> · {favouriteWon ? 'the favourite won' : 'the underdog won'}</>}
      {p !== undefined && (
        <> · forecast score {brier(p, game.homeScore, game.awayScore).toFixed(3)} (Brier; lower is better)</>
      )}
    </p>
  );
}

function GameCard({ game }: { game: WeekGame }) {
  const pred = game.prediction;
  return (
    <li class="card" data-game={game.gameId}>
      <h3>
        <a href={`/games/${game.gameId}`}>
          {game.awayTeam} {game.neutral ? 'vs' : 'at'} {game.homeTeam}
        </a>
        <Badges game={game} />
      </h3>
      <p class="muted">
        {timeLabel(game.kickoff)}
        {game.playoff ? ' · playoff' : ''}
      </p>
      <ProbabilityBar game={game} />
      {pred && (
        <p class="numbers">
          Model <strong data-field="model">{pct(pred.homeWinProbability)}</strong> {game.homeTeam} · Elo{' '}
          <span data-field="elo">{pct(pred.eloHomeWinProbability)}</span>
        </p>
      )}
      {pred && (
        <p class="muted small">
          Ratings updated{' '}
          <span data-field="ratings" data-value={pred.ratingsVersion}>
            {ratingsLabel(pred.ratingsVersion)}
          </span>
        </p>
      )}
      <Result game={game} />
    </li>
  );
}

/** `prefetch`: loads the page a card leads to, once the week has shown (a click then only renders). */
export function WeekPage({ date, prefetch }: { date: string | null; prefetch?: () => void }) {
  // The first load takes the week main.tsx asked for as the app started (already answered, usually).
  const [early] = useState(() => (date === null && earlyWeek.value?.ok ? earlyWeek.value.data : undefined));
  const [week, retry] = useLoad(
    () => (date === null ? takeEarlyWeek() : null) ?? attempt(() => getWeek(date)),
    [date],
    early,
  );
  // Live: when a final moves the ratings, the cards' numbers are recomputed; ask for them again.
  // The Firestore SDK loads after the page has shown, so the first paint does not wait for it.
  const [liveVersion, setLiveVersion] = useState<number | null>(null);
  const shown = week.state === 'ok' ? week.data : null;
  useEffect(() => {
    if (!shown) return;
    let stop: (() => void) | undefined;
    let live = true;
    void import('../live').then((m) => {
      if (live) stop = m.watchRatingsVersion(shown.sport, setLiveVersion);
    });
    prefetch?.();
    return () => {
      live = false;
      stop?.();
    };
  }, [shown?.sport]);
  const shownVersion = Math.max(-1, ...(shown?.games ?? []).map((g) => g.prediction?.ratingsVersion ?? -1));
  const stale = shown !== null && liveVersion !== null && shownVersion >= 0 && liveVersion > shownVersion;
  useCatchUp(liveVersion, stale, retry);
  if (week.state === 'loading') return <p aria-busy="true">Loading this week’s games…</p>;
  if (week.state === 'problem') return <ProblemNotice {...week} onRetry={retry} />;
  const w = week.data;
  remember(w.games);
  const days = new Map<string, WeekGame[]>();
  for (const g of w.games) days.set(localDay(g.kickoff), [...(days.get(localDay(g.kickoff)) ?? []), g]);
  return (
    <section aria-labelledby="week-title">
      <h1 id="week-title">
        NFL week of {dateLabel(w.from)} – {dateLabel(w.to)}
      </h1>
      <nav class="week-nav" aria-label="Weeks">
        {w.previous ? <a href={`/?week=${w.previous}`}>← Previous week</a> : <span />}
        {w.next ? <a href={`/?week=${w.next}`}>Next week →</a> : <span />}
      </nav>
      {w.games.length === 0 && <p>No games this week.</p>}
      {[...days].map(([day, games]) => (
        <section key={day} aria-label={dayLabel(games[0]?.kickoff ?? day)}>
          <h2>{dayLabel(games[0]?.kickoff ?? day)}</h2>
          <ul class="cards">
            {games.map((g) => (
              <GameCard key={g.gameId} game={g} />
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
