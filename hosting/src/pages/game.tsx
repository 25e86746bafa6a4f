/**
 * One game: its probability and interval, what moved it (each factor's contribution), the model
 * and ratings it came from, and the result and the forecast's grade once final. Live: a final
 * score or new ratings show without a reload.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, attempt, type components } from '../api';
import { brier, dayLabel, momentLabel, pct, ratingsLabel, timeLabel } from '../format';
import { watchGame, type LiveGame } from '../live';
import { ProblemNotice, useCatchUp, useLoad } from '../load';
import { seenGame } from '../seen';
import { record } from '../engagement';
import { hasTier, useSession } from '../session';

type Game = components['schemas']['Game'];

const FEATURE_NAMES: Record<string, string> = {
  baseline: 'Baseline (even teams, home field aside)',
  eloDiff: 'Elo rating difference',
  pointsDiff: 'Points rating difference',
  home: 'Home field',
  playoffEloDiff: 'Playoff rating difference',
  earlyEloDiff: 'Early-season rating difference',
  restDiff: 'Rest days difference',
  formDiff: 'Recent form difference',
};

function Explanation({
  explanation,
  homeTeam,
}: {
  explanation: { feature: string; contribution: number }[];
  homeTeam: string;
}) {
  const max = Math.max(...explanation.map((c) => Math.abs(c.contribution)), 0.01);
  return (
    <section aria-labelledby="why-title">
      <h2 id="why-title">What moved the number</h2>
      <p class="muted">
        Each factor’s push in log-odds, towards {homeTeam} (right) or away (left); they add up to the
        probability.
      </p>
      <div class="explain-chart" aria-hidden="true">
        {explanation.map((c) => (
          <div key={c.feature} class="explain-row">
            <span class="explain-label">{FEATURE_NAMES[c.feature] ?? c.feature}</span>
            <span class="explain-track">
              <span
                class={c.contribution >= 0 ? 'explain-bar pos' : 'explain-bar neg'}
                style={{ width: `${(Math.abs(c.contribution) / max) * 100}%` }}
              />
            </span>
          </div>
        ))}
      </div>
      <table class="explain-table">
        <caption>Contributions to the log-odds of a {homeTeam} win</caption>
        <thead>
          <tr>
            <th scope="col">Factor</th>
            <th scope="col">Contribution</th>
          </tr>
        </thead>
        <tbody>
          {explanation.map((c) => (
            <tr key={c.feature}>
              <th scope="row">{FEATURE_NAMES[c.feature] ?? c.feature}</th>
              <td>
                {c.contribution >= 0 ? '+' : ''}
                {c.contribution.toFixed(3)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The game's insights (an upset, a disagreement with Elo), for tiers with the feed. */
function GameInsights({ gameId }: { gameId: string }) {
  const session = useSession();
  const entitled = session.ready && hasTier(session.user, 'pro');
  const [list] = useLoad(
    () =>
      entitled
        ? attempt(() => api.GET('/v1/insights', { params: { query: { gameId } }, cache: 'no-cache' }))
        : Promise.resolve({ ok: true as const, data: { insights: [], nextCursor: null } }),
    [gameId, entitled],
  );
  // Tiers without the feed see the upgrade prompt above instead; nothing to add here.
  if (list.state !== 'ok' || list.data.insights.length === 0) return null;
  return (
    <section aria-labelledby="game-insights-title">
      <h2 id="game-insights-title">Insights</h2>
      <ul id="game-insights">
        {list.data.insights.map((i) => (
          <li key={i.id} data-status={i.status}>
            <span class="badge">{i.severity}</span> {i.message} <span class="muted">({i.status})</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

const PICKS = 'ase.picks';

/** This browser's picks, by game id (kept locally; the API records that a pick was made). */
function readPicks(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(PICKS) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

/** Signed-in users pick a winner and share the game; both, and the view itself, are recorded. */
function Engage({ game }: { game: Game }) {
  const session = useSession();
  const signedIn = session.ready && session.user !== null;
  const [pick, setPick] = useState<string | null>(() => readPicks()[game.gameId] ?? null);
  const [said, setSaid] = useState('');
  useEffect(() => {
    if (signedIn) void record('view');
  }, [signedIn, game.gameId]);
  if (!signedIn) return null;
  const choose = (team: string) => {
    localStorage.setItem(PICKS, JSON.stringify({ ...readPicks(), [game.gameId]: team }));
    setPick(team);
    void record('pick');
  };
  const share = () => {
    const url = location.href;
    const title = `${game.awayTeam} at ${game.homeTeam}`;
    const shared = navigator.share
      ? navigator.share({ title, url })
      : navigator.clipboard.writeText(url).then(() => setSaid('Link copied.'));
    void shared.then(
      () => record('share'),
      () => undefined, // cancelled: nothing shared
    );
  };
  return (
    <section aria-labelledby="engage-title" class="engage">
      <h2 id="engage-title">Your pick</h2>
      {game.status === 'scheduled' ? (
        <div role="group" aria-label="Pick the winner">
          {[game.awayTeam, game.homeTeam].map((team) => (
            <button key={team} type="button" aria-pressed={pick === team} onClick={() => choose(team)}>
              {team}
            </button>
          ))}
        </div>
      ) : (
        <p>{pick ? `You picked ${pick}.` : 'You did not pick this game.'}</p>
      )}{' '}
      <button type="button" onClick={share}>
        Share this game
      </button>
      <span role="status">{said}</span>
    </section>
  );
}

function Locked() {
  return (
    <aside class="upgrade" aria-labelledby="locked-title">
      <h2 id="locked-title">The interval and the reasons are for Pro</h2>
      <p>See how sure the model is, and what moved its number, on every game.</p>
      <a class="button" href="/account">
        Upgrade to Pro
      </a>
    </aside>
  );
}

export function GamePage({ gameId }: { gameId: string }) {
  const [live, setLive] = useState<LiveGame | null>(null);
  useEffect(() => {
    setLive(null);
    return watchGame(gameId, setLive);
  }, [gameId]);
  // Opened from a week's card: the card has the game (its score stays live through watchGame) and
  // the public prediction, so the page shows at once and asks only for the full prediction.
  const card = seenGame(gameId);
  const [game] = useLoad(
    () =>
      card
        ? Promise.resolve({ ok: true as const, data: card })
        : attempt(() => api.GET('/v1/games/{gameId}', { params: { path: { gameId } } })),
    [gameId],
  );
  const [prediction, reload] = useLoad(
    // Never from the browser's HTTP cache (the answer allows 60 s): a reload means the number moved.
    () =>
      attempt(() =>
        api.GET('/v1/games/{gameId}/prediction', { params: { path: { gameId } }, cache: 'no-cache' }),
      ),
    [gameId],
  );
  // New ratings (a final landed) or another active model: the number may have moved, so ask again
  // (shortly: servers re-read those versions within 2 s).
  const loaded = prediction.state === 'ok' ? prediction.data : null;
  const stale =
    live !== null &&
    loaded !== null &&
    ((live.ratingsVersion !== null && live.ratingsVersion > loaded.ratingsVersion) ||
      (live.modelVersion !== null && live.modelVersion !== loaded.model.version));
  useCatchUp(live ? `${live.ratingsVersion}:${live.modelVersion}` : null, stale, reload);
  if (game.state === 'problem') return <ProblemNotice {...game} />;
  if (game.state === 'loading') return <p aria-busy="true">Loading the game…</p>;
  const base = game.data;
  const g: Game = {
    ...base,
    ...(live ? { status: live.status, homeScore: live.homeScore, awayScore: live.awayScore } : {}),
  };
  const p = loaded ?? card?.prediction ?? null;
  // The paid fields, when this caller's answer has them.
  const details = loaded && 'explanation' in loaded && loaded.explanation ? loaded : null;
  return (
    <article aria-labelledby="game-title" data-game={g.gameId}>
      <h1 id="game-title">
        {g.awayTeam} {g.neutral ? 'vs' : 'at'} {g.homeTeam}
      </h1>
      <p class="muted">
        {dayLabel(g.kickoff)}, {timeLabel(g.kickoff)} · {g.season} season{g.playoff ? ', playoff' : ''}
      </p>
      <p id="game-status" data-status={g.status} aria-live="polite">
        {g.status === 'final' && g.homeScore !== null && g.awayScore !== null
          ? `Final: ${g.awayTeam} ${g.awayScore}, ${g.homeTeam} ${g.homeScore}`
          : 'Not played yet'}
      </p>
      {prediction.state === 'problem' && <ProblemNotice {...prediction} onRetry={reload} />}
      {prediction.state === 'loading' && !p && <p aria-busy="true">Loading the forecast…</p>}
      {p && (
        <>
          <section aria-labelledby="forecast-title">
            <h2 id="forecast-title">Forecast</h2>
            <p class="big">
              <span id="home-probability" data-value={p.homeWinProbability}>
                {pct(p.homeWinProbability)}
              </span>{' '}
              chance {g.homeTeam} wins
            </p>
            <p>
              {details ? (
                <>
                  The model’s members range from {pct(details.interval[0] ?? 0)} to{' '}
                  {pct(details.interval[1] ?? 0)} (10th–90th percentile) ·{' '}
                </>
              ) : null}
              {g.awayTeam} {pct(1 - p.homeWinProbability)} · Elo alone gives {g.homeTeam}{' '}
              {pct(p.eloHomeWinProbability)}
            </p>
            {g.status === 'final' && g.homeScore !== null && g.awayScore !== null && (
              <p id="grade">
                Forecast score {brier(p.homeWinProbability, g.homeScore, g.awayScore).toFixed(3)} (Brier; 0 is
                perfect, 0.25 a coin flip)
              </p>
            )}
            <p class="muted" id="provenance">
              Model {p.model.id} version {p.model.version} · ratings updated{' '}
              <span id="ratings-version" data-value={p.ratingsVersion}>
                {ratingsLabel(p.ratingsVersion)}
              </span>{' '}
              · computed {momentLabel(Date.parse(p.computedAt))}
            </p>
          </section>
          {details ? (
            <Explanation explanation={details.explanation} homeTeam={g.homeTeam} />
          ) : loaded ? (
            <Locked />
          ) : null}
        </>
      )}
      <GameInsights gameId={g.gameId} />
      <Engage game={g} />
    </article>
  );
}
