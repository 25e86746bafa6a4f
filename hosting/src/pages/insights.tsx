/**
 * The insights feed (Pro and up): upsets the model did not see coming and games where it disagrees
 * with Elo, filtered by status and severity, with the counts of each. Admins acknowledge, resolve or
 * dismiss an insight in place.
 */
import { useState } from 'preact/hooks';
import { api, attempt, type components, type Problem } from '../api';
import { momentLabel } from '../format';
import { ProblemNotice, useLoad } from '../load';
import { navigate } from '../router';
import { hasTier, type SessionUser } from '../session';

type Insight = components['schemas']['Insight'];
type Status = Insight['status'];
type Severity = Insight['severity'];
type Summary = components['schemas']['InsightSummary'];

const STATUSES: Status[] = ['open', 'acknowledged', 'resolved', 'dismissed'];
const SEVERITIES: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const ACTIONS: { status: Status; label: string }[] = [
  { status: 'acknowledged', label: 'Acknowledge' },
  { status: 'resolved', label: 'Resolve' },
  { status: 'dismissed', label: 'Dismiss' },
];

/** The summary after moving one insight from one status to another (until the server's says so). */
function moved(summary: Summary, insight: Insight, to: Status): Summary {
  const counts = summary.counts.map((c) => ({ ...c }));
  const from = counts.find((c) => c.status === insight.status && c.severity === insight.severity);
  if (from) from.count -= 1;
  const into = counts.find((c) => c.status === to && c.severity === insight.severity);
  if (into) into.count += 1;
  else counts.push({ status: to, severity: insight.severity, count: 1 });
  return { ...summary, counts };
}

const countOf = (summary: Summary, status: Status) =>
  summary.counts.filter((c) => c.status === status).reduce((s, c) => s + c.count, 0);

/** One filter of the feed: any, or one of `options`. */
function Filter({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string | null;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}{' '}
      <select value={value ?? ''} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

function SummaryBar({ summary }: { summary: Summary }) {
  return (
    <dl class="summary" id="insight-summary">
      {STATUSES.map((s) => (
        <div key={s}>
          <dt>{s[0]?.toUpperCase() + s.slice(1)}</dt>
          <dd data-status={s}>{countOf(summary, s)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The feed is a Pro feature: below it, the offer instead of a request the API would refuse. */
export function InsightsPage(props: { user: SessionUser; status: Status | null; severity: Severity | null }) {
  if (!hasTier(props.user, 'pro'))
    return (
      <section aria-labelledby="insights-title">
        <h1 id="insights-title">Insights</h1>
        <ProblemNotice
          problem={{
            kind: 'upgrade_required',
            requiredTier: 'pro',
            message: 'The insights feed is for Pro.',
          }}
          retryInSeconds={null}
        />
      </section>
    );
  return <Feed {...props} />;
}

function Feed({
  user,
  status,
  severity,
}: {
  user: SessionUser;
  status: Status | null;
  severity: Severity | null;
}) {
  const [summaryLoad] = useLoad(
    () => attempt(() => api.GET('/v1/insights/summary', { cache: 'no-cache' })),
    [user.uid],
  );
  const [page, retry] = useLoad(
    () =>
      attempt(() =>
        api.GET('/v1/insights', {
          params: { query: { limit: 50, ...(status ? { status } : {}), ...(severity ? { severity } : {}) } },
          cache: 'no-cache',
        }),
      ),
    [user.uid, status, severity],
  );
  // Changes made on this page, shown at once (the server's summary follows within seconds).
  const [changed, setChanged] = useState<Record<string, Status>>({});
  const [summaryNow, setSummaryNow] = useState<Summary | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const summary = summaryNow ?? (summaryLoad.state === 'ok' ? summaryLoad.data : null);

  const setFilter = (key: 'status' | 'severity', value: string) => {
    const q = new URLSearchParams(location.search);
    if (value) q.set(key, value);
    else q.delete(key);
    const qs = q.toString();
    navigate(`/insights${qs ? `?${qs}` : ''}`, { replace: true });
  };

  const act = (insight: Insight, to: Status) => {
    setBusy(insight.id);
    setProblem(null);
    void attempt(() =>
      api.PATCH('/v1/insights/{id}', { params: { path: { id: insight.id } }, body: { status: to } }),
    ).then((r) => {
      setBusy(null);
      if (!r.ok) {
        setProblem(r.problem);
        return;
      }
      const current = { ...insight, status: changed[insight.id] ?? insight.status };
      if (summary) setSummaryNow(moved(summary, current, to));
      setChanged((c) => ({ ...c, [insight.id]: to }));
    });
  };

  if (page.state === 'problem') return <ProblemNotice {...page} onRetry={retry} />;
  return (
    <section aria-labelledby="insights-title">
      <h1 id="insights-title">Insights</h1>
      <p class="muted">Upsets the model did not see coming, and games where it disagrees with Elo.</p>
      {summary && <SummaryBar summary={summary} />}
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Filter label="Status" value={status} options={STATUSES} onChange={(v) => setFilter('status', v)} />
        <Filter
          label="Severity"
          value={severity}
          options={SEVERITIES}
          onChange={(v) => setFilter('severity', v)}
        />
      </form>
      {problem && <ProblemNotice problem={problem} retryInSeconds={null} />}
      {page.state === 'loading' && <p aria-busy="true">Loading insights…</p>}
      {page.state === 'ok' &&
        (page.data.insights.length === 0 ? (
          <p>No insights match these filters.</p>
        ) : (
          <ul class="insights" aria-live="polite">
            {page.data.insights.map((i) => {
              const now = changed[i.id] ?? i.status;
              return (
                <li key={i.id} class={`insight sev-${i.severity}`} data-insight={i.id} data-status={now}>
                  <p>
                    <span class={`badge sev-${i.severity}`}>{i.severity}</span>{' '}
                    <span class="badge">{now}</span> {i.message}
                  </p>
                  <p class="muted">
                    {i.createdAt ? momentLabel(Date.parse(i.createdAt)) : ''}
                    {i.gameId && (
                      <>
                        {' '}
                        · <a href={`/games/${i.gameId}`}>the game</a>
                      </>
                    )}
                  </p>
                  {user.admin && (
                    <div class="actions" role="group" aria-label={`Change the status of: ${i.message}`}>
                      {ACTIONS.filter((a) => a.status !== now).map((a) => (
                        <button
                          key={a.status}
                          type="button"
                          disabled={busy === i.id}
                          onClick={() => act(i, a.status)}
                        >
                          {a.label}
                        </button>
                      ))}
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        ))}
    </section>
  );
}
