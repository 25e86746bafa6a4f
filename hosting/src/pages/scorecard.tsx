/**
 * The model scorecard (public): how good the forecasts were, per season and per model version,
 * beside plain Elo on the same games: Brier score, log loss, accuracy and a calibration chart (when
 * the model says 70 %, does the home team win 70 % of the time?). From the graded aggregates.
 */
import { useEffect, useState } from 'preact/hooks';
import { publicApi, attempt, type components } from '../api';
import { Chart } from '../chart';
import { pct } from '../format';
import { readSport } from '../live';
import { ProblemNotice, useLoad } from '../load';
import { navigate } from '../router';

type Version = components['schemas']['ModelMetrics']['versions'][number];
type Metrics = Pick<Version, 'n' | 'brier' | 'logLoss' | 'accuracy' | 'calibration'>;

const num = (x: number | null, digits = 3) => (x === null ? '–' : x.toFixed(digits));

/** The NFL season of a date: January to March games belong to the previous year's season. */
const seasonOf = (date: string) => Number(date.slice(0, 4)) - (Number(date.slice(5, 7)) <= 3 ? 1 : 0);

function MetricsRow({ label, m }: { label: string; m: Metrics }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{num(m.brier)}</td>
      <td>{num(m.logLoss)}</td>
      <td>{m.accuracy === null ? '–' : pct(m.accuracy)}</td>
    </tr>
  );
}

function VersionCard({ v }: { v: Version }) {
  const elo = v.elo;
  const mid = v.calibration.map((_, k) => (k + 0.5) / 10);
  return (
    <section class="card" aria-labelledby={`v-${v.version}`} data-version={v.version}>
      <h2 id={`v-${v.version}`}>Version {v.version}</h2>
      <div class="table-wrap">
        <table>
          <caption>
            Scores on {v.n} graded {v.n === 1 ? 'game' : 'games'} (lower Brier and log loss are better)
          </caption>
          <thead>
            <tr>
              <th scope="col">Forecast</th>
              <th scope="col">Brier</th>
              <th scope="col">Log loss</th>
              <th scope="col">Accuracy</th>
            </tr>
          </thead>
          <tbody>
            <MetricsRow label="Model" m={v} />
            {elo && <MetricsRow label="Elo alone" m={elo} />}
          </tbody>
        </table>
      </div>
      {v.n > 0 && (
        <Chart
          title={`Calibration of version ${v.version}: share of home wins per forecast band`}
          time={false}
          x={mid}
          series={[
            { label: 'Perfect', values: mid, color: '#8b949e', dash: [4, 4] },
            { label: 'Model', values: v.calibration.map((b) => b.observedRate), color: '#58a6ff' },
            ...(elo
              ? [{ label: 'Elo', values: elo.calibration.map((b) => b.observedRate), color: '#f0883e' }]
              : []),
          ]}
          xLabel="Forecast home win chance"
          yLabel="Home teams that won"
          yRange={[0, 1]}
          formatX={(x) => pct(x)}
          formatY={(y) => pct(y)}
        />
      )}
    </section>
  );
}

export function ScorecardPage({ season }: { season: string | null }) {
  const [sport, setSport] = useState<
    { modelId: string | null; lastFinalDate: string | null } | null | undefined
  >(undefined);
  useEffect(() => {
    void readSport('nfl').then(setSport);
  }, []);
  const modelId = sport?.modelId ?? null;
  const seasonNo = season && /^\d{4}$/.test(season) ? Number(season) : null;
  const [metrics, retry] = useLoad(
    () =>
      modelId
        ? attempt(() =>
            publicApi.GET('/v1/models/{modelId}/metrics', {
              params: { path: { modelId }, query: seasonNo === null ? {} : { season: seasonNo } },
            }),
          )
        : Promise.resolve({
            ok: false as const,
            problem: { kind: 'not_found' as const, message: 'No model yet.' },
          }),
    [modelId, seasonNo],
  );
  const latest = sport?.lastFinalDate ? seasonOf(sport.lastFinalDate) : null;
  const seasons = latest ? Array.from({ length: 10 }, (_, i) => latest - i) : [];
  return (
    <section aria-labelledby="scorecard-title">
      <h1 id="scorecard-title">Model scorecard</h1>
      <p class="muted">
        Every final grades the forecast made before it. Brier score: the mean squared error of the chance
        given (0 is perfect, 0.25 is a coin flip). Beside each version: plain Elo on the same games.
      </p>
      <p>
        <label>
          Season{' '}
          <select
            value={seasonNo === null ? '' : String(seasonNo)}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              navigate(v ? `/scorecard?season=${v}` : '/scorecard', { replace: true });
            }}
          >
            <option value="">All seasons</option>
            {seasons.map((s) => (
              <option key={s} value={String(s)}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {modelId && <span class="muted"> · model {modelId}</span>}
      </p>
      {sport === undefined && <p aria-busy="true">Loading the scorecard…</p>}
      {sport === null && (
        <ProblemNotice
          problem={{ kind: 'offline', message: 'The scorecard could not be read.' }}
          retryInSeconds={null}
        />
      )}
      {sport && metrics.state === 'loading' && <p aria-busy="true">Loading the scorecard…</p>}
      {sport && metrics.state === 'problem' && <ProblemNotice {...metrics} onRetry={retry} />}
      {metrics.state === 'ok' &&
        (metrics.data.versions.length === 0 ? (
          <p>No graded games {seasonNo ? `in ${seasonNo}` : 'yet'}.</p>
        ) : (
          metrics.data.versions.map((v) => <VersionCard key={v.version} v={v} />)
        ))}
    </section>
  );
}
