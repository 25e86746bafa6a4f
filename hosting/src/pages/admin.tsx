/**
 * The admin console (admin claim): the model center (registry, versions and their metrics, activate
 * with a confirmation, upload an artifact), data (import a games CSV, rebuild ratings), and
 * operations (health, business alerts to acknowledge or silence, reconciliation runs, parked webhook
 * events). Every action goes through the API, which checks the claim again.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, attempt, publicApi, type components, type Problem } from '../api';
import { momentLabel } from '../format';
import { ProblemNotice, useLoad } from '../load';

type ModelList = components['schemas']['ModelList'];
type Model = ModelList['models'][number];

/** The outcome of the last action in a section, announced to screen readers. */
type Outcome = { ok: true; message: string } | { ok: false; problem: Problem } | null;

function OutcomeNotice({ outcome, id }: { outcome: Outcome; id: string }) {
  return (
    <div id={id} role="status" aria-live="polite">
      {outcome?.ok === true && <p class="ok">{outcome.message}</p>}
      {outcome?.ok === false && <ProblemNotice problem={outcome.problem} retryInSeconds={null} />}
    </div>
  );
}

/** An action asked for again in place, before it runs (focus starts on "yes"). */
function Confirm({
  id,
  question,
  yes,
  busy = false,
  onYes,
  onCancel,
}: {
  id: string;
  question: ComponentChildren;
  yes: string;
  busy?: boolean;
  onYes: () => void;
  onCancel: () => void;
}) {
  return (
    <div class="confirm" role="alertdialog" aria-labelledby={id} aria-modal="false">
      <p id={id}>{question}</p>
      <button type="button" disabled={busy} onClick={onYes} autoFocus>
        {yes}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A labelled file picker that hands over the chosen file. */
function FileField({
  label,
  accept,
  disabled,
  onFile,
}: {
  label: string;
  accept: string;
  disabled: boolean;
  onFile: (file: File) => void;
}) {
  return (
    <p>
      <label>
        {label}{' '}
        <input
          type="file"
          accept={accept}
          disabled={disabled}
          onChange={(e) => {
            const file = (e.target as HTMLInputElement).files?.[0];
            if (file) onFile(file);
          }}
        />
      </label>
    </p>
  );
}

const metricText = (metrics: Record<string, unknown> | undefined): string => {
  if (!metrics) return 'none';
  const parts = Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number')
    .slice(0, 4)
    .map(([k, v]) => `${k} ${(v as number).toFixed(3)}`);
  return parts.length > 0 ? parts.join(' · ') : 'none';
};

type Graded = components['schemas']['ModelMetrics']['versions'][number];

const gradedText = (g: Graded | undefined): string =>
  !g || g.n === 0 || g.brier === null
    ? 'no finals yet'
    : `${g.n} ${g.n === 1 ? 'game' : 'games'}: ${g.brier.toFixed(3)}${g.elo.brier === null ? '' : ` (Elo ${g.elo.brier.toFixed(3)})`}`;

function ModelCard({ model, onChanged }: { model: Model; onChanged: () => void }) {
  // How each version has done on the finals since it served (the scorecard's numbers).
  const [metrics] = useLoad(
    () =>
      attempt(() =>
        publicApi.GET('/v1/models/{modelId}/metrics', { params: { path: { modelId: model.modelId } } }),
      ),
    [model.modelId],
  );
  const graded = new Map(metrics.state === 'ok' ? metrics.data.versions.map((v) => [v.version, v]) : []);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const activate = (version: string) => {
    setBusy(true);
    void attempt(() =>
      api.POST('/v1/models/{modelId}/activate', {
        params: { path: { modelId: model.modelId } },
        body: { version },
      }),
    ).then((r) => {
      setBusy(false);
      setConfirming(null);
      setOutcome(
        r.ok
          ? { ok: true, message: `Version ${r.data.activeVersion} is active; forecasts use it from now on.` }
          : { ok: false, problem: r.problem },
      );
      if (r.ok) onChanged();
    });
  };
  const upload = (file: File) => {
    setBusy(true);
    void file
      .text()
      .then((text) => JSON.parse(text) as Record<string, unknown>)
      .then((json) => {
        // A file from `npm run train` is the artifact itself; one with an `artifact` key carries metrics too.
        const body = ('artifact' in json ? json : { artifact: json }) as {
          artifact: Record<string, unknown>;
          metrics?: Record<string, unknown>;
        };
        return attempt(() =>
          api.POST('/v1/models/{modelId}/versions', { params: { path: { modelId: model.modelId } }, body }),
        );
      })
      .catch(() => ({
        ok: false as const,
        problem: { kind: 'other' as const, message: `${file.name} is not a JSON model artifact.` },
      }))
      .then((r) => {
        setBusy(false);
        setOutcome(
          r.ok
            ? {
                ok: true,
                message:
                  r.data.stored === 'created'
                    ? `Uploaded version ${r.data.version}. Activate it below when ready.`
                    : `Version ${r.data.version} was already uploaded.`,
              }
            : { ok: false, problem: r.problem },
        );
        if (r.ok) onChanged();
      });
  };
  return (
    <section class="card" aria-labelledby={`model-${model.modelId}`} data-model={model.modelId}>
      <h3 id={`model-${model.modelId}`}>
        {model.modelId} <span class="muted">({model.sport})</span>
      </h3>
      <div class="table-wrap">
        <table>
          <caption>Versions of {model.modelId}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Validation metrics (uploaded with it)</th>
              <th scope="col">Graded so far: Brier (Elo on the same games)</th>
              <th scope="col">Uploaded</th>
              <th scope="col">
                <span class="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {model.versions.map((v) => {
              const active = v.version === model.activeVersion;
              return (
                <tr key={v.version} data-version={v.version} data-active={String(active)}>
                  <th scope="row">{v.version}</th>
                  <td>{active ? <strong>active</strong> : v.status}</td>
                  <td>{metricText(v.metrics)}</td>
                  <td>{gradedText(graded.get(v.version))}</td>
                  <td>{v.createdAt ? momentLabel(Date.parse(v.createdAt)) : '–'}</td>
                  <td>
                    {!active && (
                      <button type="button" disabled={busy} onClick={() => setConfirming(v.version)}>
                        Activate {v.version}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {confirming && (
        <Confirm
          id={`confirm-${model.modelId}`}
          question={`Activate ${model.modelId} version ${confirming}? Every ${model.sport} forecast will come from it at once (the previous version, ${model.activeVersion ?? 'none'}, stays available to switch back).`}
          yes={`Yes, activate ${confirming}`}
          busy={busy}
          onYes={() => activate(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
      <FileField
        label="Upload a new version (JSON artifact)"
        accept="application/json,.json"
        disabled={busy}
        onFile={upload}
      />
      <OutcomeNotice outcome={outcome} id={`model-outcome-${model.modelId}`} />
    </section>
  );
}

function ModelCenter() {
  const [models, retry] = useLoad(() => attempt(() => api.GET('/v1/models', { cache: 'no-store' })), []);
  return (
    <section aria-labelledby="models-title">
      <h2 id="models-title">Model center</h2>
      {models.state === 'loading' && <p aria-busy="true">Loading the registry…</p>}
      {models.state === 'problem' && <ProblemNotice {...models} onRetry={retry} />}
      {models.state === 'ok' &&
        (models.data.models.length === 0 ? (
          <p>No models yet: upload one with the API (see the admin guide).</p>
        ) : (
          models.data.models.map((m) => <ModelCard key={m.modelId} model={m} onChanged={retry} />)
        ))}
    </section>
  );
}

/** `2 moved (nfl_2017-09-10_MIA_TB to 2017-11-19, ...), ` or nothing. */
function movedText(moves: components['schemas']['ImportResult']['moves']): string {
  if (moves.length === 0) return '';
  return `${moves.length} moved (${moves.map((m) => `${m.gameId} to ${m.to.slice(0, 10)}`).join(', ')}), `;
}

function Data() {
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const [confirmRebuild, setConfirmRebuild] = useState(false);
  const importCsv = (file: File) => {
    setBusy(true);
    void file.text().then((csv) =>
      attempt(() =>
        api.POST('/v1/admin/games:import', {
          body: csv as unknown as never,
          headers: { 'content-type': 'text/csv' },
          bodySerializer: (b: unknown) => b as string,
        }),
      ).then((r) => {
        setBusy(false);
        setOutcome(
          r.ok
            ? {
                ok: true,
                message: `Imported ${r.data.received} rows: ${r.data.created} new, ${r.data.updated} updated, ${movedText(r.data.moves)}${r.data.unchanged} unchanged.`,
              }
            : { ok: false, problem: r.problem },
        );
      }),
    );
  };
  const rebuild = () => {
    setBusy(true);
    setConfirmRebuild(false);
    void attempt(() =>
      api.POST('/v1/admin/sports/{sport}/ratings:rebuild', {
        params: { path: { sport: 'nfl' } },
        body: {},
        headers: { Prefer: 'wait=15' },
      }),
    ).then((r) => {
      setBusy(false);
      setOutcome(
        r.ok
          ? {
              ok: true,
              message:
                r.data.status === 'rebuilt'
                  ? `Ratings rebuilt from ${r.data.finals} finals (last ${r.data.lastFinalDate ?? 'none'}).`
                  : 'Queued: the ratings worker is at it, and open pages show the new ratings when they land.',
            }
          : { ok: false, problem: r.problem },
      );
    });
  };
  return (
    <section aria-labelledby="data-title">
      <h2 id="data-title">Data</h2>
      <FileField
        label="Import games (FiveThirtyEight CSV; all rows or none)"
        accept="text/csv,.csv"
        disabled={busy}
        onFile={importCsv}
      />
      <p>
        <button type="button" disabled={busy} onClick={() => setConfirmRebuild(true)}>
          Rebuild NFL ratings
        </button>
      </p>
      {confirmRebuild && (
        <Confirm
          id="confirm-rebuild"
          question="Recompute every NFL rating from the finals? Forecasts change once it finishes."
          yes="Yes, rebuild"
          onYes={rebuild}
          onCancel={() => setConfirmRebuild(false)}
        />
      )}
      <OutcomeNotice outcome={outcome} id="data-outcome" />
    </section>
  );
}

type Alert = components['schemas']['Alert'];

const SILENCE_CHOICES = [
  { minutes: 60, label: '1 hour' },
  { minutes: 240, label: '4 hours' },
  { minutes: 24 * 60, label: '1 day' },
  { minutes: 7 * 24 * 60, label: '7 days' },
];

const silenced = (a: Alert, now: number) => a.silencedUntil !== null && Date.parse(a.silencedUntil) > now;

/** What has been done about an alert, in words (acknowledged, silenced, resolved). */
function alertState(a: Alert, now: number): string[] {
  const parts = [
    a.status === 'resolved' && a.resolvedAt ? `resolved ${momentLabel(Date.parse(a.resolvedAt))}` : '',
    a.ackedAt ? `acknowledged ${momentLabel(Date.parse(a.ackedAt))}` : '',
    silenced(a, now) ? `silenced until ${momentLabel(Date.parse(a.silencedUntil as string))}` : '',
    a.escalatedAt ? `escalated ${momentLabel(Date.parse(a.escalatedAt))}` : '',
  ];
  return parts.filter(Boolean);
}

/**
 * The business alerts the evaluator keeps (every 5 minutes): open ones by default, resolved ones on
 * request. Acknowledging says someone is on it (no more reminders at this severity); silencing stops
 * every notification for a while. Each action reloads the list, since the server decides the result.
 */
function Alerts() {
  const [includeResolved, setIncludeResolved] = useState(false);
  const [alerts, retry] = useLoad(
    () =>
      attempt(() =>
        api.GET('/v1/admin/alerts', {
          params: { query: { status: includeResolved ? 'all' : 'open', limit: 50 } },
          cache: 'no-store',
        }),
      ),
    [includeResolved],
  );
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [minutes, setMinutes] = useState<Record<string, number>>({});
  const act = (a: Alert, verb: 'acknowledge' | 'silence' | 'unsilence') => {
    setBusy(a.id);
    const path = { alertId: a.id };
    const chosen = minutes[a.id] ?? SILENCE_CHOICES[0]!.minutes;
    const request =
      verb === 'acknowledge'
        ? () => api.POST('/v1/admin/alerts/{alertId}:acknowledge', { params: { path } })
        : verb === 'unsilence'
          ? () => api.POST('/v1/admin/alerts/{alertId}:unsilence', { params: { path } })
          : () =>
              api.POST('/v1/admin/alerts/{alertId}:silence', { params: { path }, body: { minutes: chosen } });
    void attempt(request).then((r) => {
      setBusy(null);
      if (!r.ok) {
        setOutcome({ ok: false, problem: r.problem });
        return;
      }
      const done =
        verb === 'acknowledge'
          ? 'acknowledged'
          : verb === 'unsilence'
            ? 'no longer silenced'
            : `silenced for ${SILENCE_CHOICES.find((c) => c.minutes === chosen)?.label ?? `${chosen} minutes`}`;
      setOutcome({
        ok: true,
        message: `${r.data.alert.summary}: ${r.data.changed ? done : `already ${done}`}.`,
      });
      retry();
    });
  };
  const now = Date.now();
  return (
    <>
      <h3>Alerts</h3>
      <label class="check">
        <input
          type="checkbox"
          checked={includeResolved}
          onChange={(e) => setIncludeResolved((e.target as HTMLInputElement).checked)}
        />
        Show resolved alerts too
      </label>
      {alerts.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {alerts.state === 'problem' && <ProblemNotice {...alerts} onRetry={retry} />}
      {alerts.state === 'ok' &&
        (alerts.data.alerts.length === 0 ? (
          <p id="alerts-none">
            {includeResolved ? 'No alert has ever been raised.' : 'No open alerts: every rule is quiet.'} The
            evaluator runs every 5 minutes (<code>npm run job -- evaluateAlerts</code> runs it locally).
          </p>
        ) : (
          <ul id="alerts" class="insights">
            {alerts.data.alerts.map((a) => (
              <li
                key={a.id}
                class="insight"
                data-alert={a.id}
                data-status={a.status}
                data-acked={String(a.ackedAt !== null)}
                data-silenced={String(silenced(a, now))}
              >
                <p>
                  <span class="badge">{a.severity}</span> <span class="badge">{a.status}</span> {a.summary}
                </p>
                <p class="muted">
                  {[
                    a.ruleId,
                    a.subject,
                    `opened ${momentLabel(Date.parse(a.openedAt))}${a.incidents > 1 ? ` (incident ${a.incidents})` : ''}`,
                    ...alertState(a, now),
                  ].join(' · ')}
                </p>
                {a.status === 'open' && (
                  <div class="actions" role="group" aria-label={`Act on the alert: ${a.summary}`}>
                    {a.ackedAt === null && (
                      <button type="button" disabled={busy === a.id} onClick={() => act(a, 'acknowledge')}>
                        Acknowledge
                      </button>
                    )}
                    {silenced(a, now) ? (
                      <button type="button" disabled={busy === a.id} onClick={() => act(a, 'unsilence')}>
                        Unsilence
                      </button>
                    ) : (
                      <>
                        <label>
                          <span class="sr-only">Silence for</span>
                          <select
                            value={minutes[a.id] ?? SILENCE_CHOICES[0]!.minutes}
                            onChange={(e) =>
                              setMinutes({
                                ...minutes,
                                [a.id]: Number((e.target as HTMLSelectElement).value),
                              })
                            }
                          >
                            {SILENCE_CHOICES.map((c) => (
                              <option key={c.minutes} value={c.minutes}>
                                {c.label}
                              </option>
                            ))}
                          </select>
                        </label>
                        <button type="button" disabled={busy === a.id} onClick={() => act(a, 'silence')}>
                          Silence
                        </button>
                      </>
                    )}
                  </div>
                )}
              </li>
            ))}
          </ul>
        ))}
      <OutcomeNotice outcome={outcome} id="alerts-outcome" />
    </>
  );
}

function Operations() {
  const [health, retryHealth] = useLoad(
    () =>
      attempt(async () => {
        const r = await api.GET('/v1/health', { cache: 'no-store' });
        // 503 carries the same report (status down): show it, it is what an admin needs.
        return r.response.status === 503 ? { ...r, data: r.error as components['schemas']['Health'] } : r;
      }),
    [],
  );
  const [runs, retryRuns] = useLoad(
    () => attempt(() => api.GET('/v1/admin/reconciliation-runs', { params: { query: { limit: 10 } } })),
    [],
  );
  const [parked, retryParked] = useLoad(() => attempt(() => api.GET('/v1/admin/billing/parked-events')), []);
  return (
    <section aria-labelledby="ops-title">
      <h2 id="ops-title">Operations</h2>
      <h3>Health</h3>
      {health.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {health.state === 'problem' && <ProblemNotice {...health} onRetry={retryHealth} />}
      {health.state === 'ok' && (
        <p id="ops-health" data-status={health.data.status}>
          API {health.data.status} ·{' '}
          {Object.entries(health.data.checks)
            .map(([name, c]) =>
              c ? `${name} ${c.ok ? 'ok' : `failing${c.reason ? ` (${c.reason})` : ''}`}` : '',
            )
            .filter(Boolean)
            .join(' · ')}{' '}
          · version {health.data.version}
        </p>
      )}
      <Alerts />
      <h3>Reconciliation runs</h3>
      {runs.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {runs.state === 'problem' && <ProblemNotice {...runs} onRetry={retryRuns} />}
      {runs.state === 'ok' &&
        (runs.data.runs.length === 0 ? (
          <p>
            No reconciliation has run yet (it runs daily; <code>npm run job -- reconcileAggregates</code> runs
            one locally).
          </p>
        ) : (
          <div class="table-wrap">
            <table id="runs">
              <caption>Latest reconciliation runs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Found</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.runs.map((r) => (
                  <tr key={`${r.kind}:${r.id}`}>
                    <td>{r.at ? momentLabel(Date.parse(r.at)) : r.id}</td>
                    <td>{r.kind}</td>
                    <td>{r.summary}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <h3>Parked webhook events</h3>
      {parked.state === 'loading' && <p aria-busy="true">Loading…</p>}
      {parked.state === 'problem' && <ProblemNotice {...parked} onRetry={retryParked} />}
      {parked.state === 'ok' &&
        (parked.data.events.length === 0 ? (
          <p>None: every Stripe event matched a customer.</p>
        ) : (
          <ul id="parked">
            {parked.data.events.map((e) => (
              <li key={e.id}>
                {e.type} for customer {e.customerId ?? 'unknown'} ({e.id}),{' '}
                {e.parkedAt ? momentLabel(Date.parse(e.parkedAt)) : ''}
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}

export function AdminPage() {
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <ModelCenter />
      <Data />
      <Operations />
    </section>
  );
}
