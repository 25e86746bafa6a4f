/**
 * The signed-in user's account: their tier and its status, the plans to upgrade to (Stripe
 * Checkout) or the portal to manage a subscription, their own activity, sign out.
 */
import { useState } from 'preact/hooks';
import { api, attempt, publicApi, type components, type Problem } from '../api';
import { Chart } from '../chart';
import { dateLabel, momentLabel } from '../format';
import { ProblemNotice, useLoad } from '../load';
import { navigate } from '../router';
import { adoptTier, signOut, type SessionUser } from '../session';

type Plan = components['schemas']['Plans']['plans'][number];

export const FEATURE_TEXT: Record<string, string> = {
  'predictions.details': 'The interval and the reasons behind every forecast',
  'predictions.batch': 'Batch predictions through the API',
  'predictions.matchup': 'Any matchup, through the API',
  'insights.feed': 'The insights feed: upsets and model-versus-Elo disagreements',
  'analytics.history': 'A year of your activity (free: 31 days)',
};

const money = (plan: Plan) =>
  plan.unitAmount === null || plan.currency === null
    ? ''
    : `${new Intl.NumberFormat(undefined, { style: 'currency', currency: plan.currency }).format(plan.unitAmount / 100)}${plan.interval ? ` a ${plan.interval}` : ''}`;

/** Sends the browser to Stripe (Checkout for a plan, or the portal). */
function useStripeRedirect(): [
  (go: () => Promise<{ url: string } | Problem>) => void,
  Problem | null,
  boolean,
] {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const start = (go: () => Promise<{ url: string } | Problem>) => {
    setBusy(true);
    setProblem(null);
    void go().then((r) => {
      if ('url' in r) {
        location.assign(r.url);
        return;
      }
      setBusy(false);
      setProblem(r);
    });
  };
  return [start, problem, busy];
}

async function checkout(priceId: string): Promise<{ url: string } | Problem> {
  const r = await attempt(() =>
    api.POST('/v1/billing/checkout', {
      body: { priceId },
      headers: { 'Idempotency-Key': crypto.randomUUID() },
    }),
  );
  return r.ok ? { url: r.data.url } : r.problem;
}

async function portal(): Promise<{ url: string } | Problem> {
  const r = await attempt(() => api.POST('/v1/billing/portal'));
  return r.ok ? { url: r.data.url } : r.problem;
}

function Plans({ current }: { current: string }) {
  const [plans, retry] = useLoad(() => attempt(() => publicApi.GET('/v1/billing/plans')), []);
  const [start, problem, busy] = useStripeRedirect();
  if (plans.state === 'loading') return <p aria-busy="true">Loading the plans…</p>;
  if (plans.state === 'problem') return <ProblemNotice {...plans} onRetry={retry} />;
  const upgrades = plans.data.plans.filter(
    (p) => current === 'free' || (current === 'pro' && p.tier === 'elite'),
  );
  if (upgrades.length === 0) return null;
  return (
    <section aria-labelledby="plans-title">
      <h2 id="plans-title">Upgrade</h2>
      <ul class="plans">
        {upgrades.map((p) => (
          <li key={p.priceId} class="plan">
            <h3>
              {p.tier === 'pro' ? 'Pro' : 'Elite'} <span class="muted">{money(p)}</span>
            </h3>
            <ul>
              {current === 'pro' ? (
                <li>Everything in Pro, with the API’s highest limits (see the API reference)</li>
              ) : (
                p.features.map((f) => <li key={f}>{FEATURE_TEXT[f] ?? f}</li>)
              )}
            </ul>
            <button type="button" disabled={busy} onClick={() => start(() => checkout(p.priceId))}>
              Upgrade to {p.tier === 'pro' ? 'Pro' : 'Elite'}
            </button>
          </li>
        ))}
      </ul>
      {problem && <ProblemNotice problem={problem} retryInSeconds={null} />}
    </section>
  );
}

const total = (days: { count: number }[]) => days.reduce((sum, d) => sum + d.count, 0);

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The user's own engagement over the last 30 days, from the aggregates the API keeps. */
function Activity() {
  const to = utcDate(Date.now());
  const from = utcDate(Date.now() - 29 * 86_400_000);
  const [days, retry] = useLoad(
    () => attempt(() => api.GET('/v1/users/me/analytics', { params: { query: { from, to } } })),
    [from, to],
  );
  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">Your activity</h2>
      {days.state === 'loading' && <p aria-busy="true">Loading your activity…</p>}
      {days.state === 'problem' && <ProblemNotice {...days} onRetry={retry} />}
      {days.state === 'ok' && (
        <>
          <p id="activity-total" data-value={total(days.data.days)}>
            {total(days.data.days) === 1 ? '1 event' : `${total(days.data.days)} events`} (game views, picks
            and shares) in the last 30 days.
          </p>
          <Chart
            title="Your activity per day (UTC), last 30 days"
            time
            x={days.data.days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000)}
            series={[{ label: 'Events', values: days.data.days.map((d) => d.count), color: '#58a6ff' }]}
            xLabel="Day"
            yLabel="Events"
            formatX={(x) => dateLabel(utcDate(x * 1000))}
            formatY={(y) => String(Math.round(y))}
            height={200}
            integer
          />
        </>
      )}
    </section>
  );
}

type Subscription = components['schemas']['Subscription'];

/** The user's subscription (read, or synced from Stripe); the app takes its tier at once. */
function useSubscription(
  user: SessionUser,
  call: () => Promise<{ data?: Subscription; error?: unknown; response: Response }>,
) {
  return useLoad(async () => {
    const r = await attempt(call);
    if (r.ok) adoptTier(r.data.tier);
    return r;
  }, [user.uid]);
}

export function AccountPage({ user }: { user: SessionUser }) {
  const [sub, retry] = useSubscription(user, () => api.GET('/v1/billing/subscription'));
  const [startPortal, portalProblem, portalBusy] = useStripeRedirect();
  return (
    <section aria-labelledby="account-title" class="narrow">
      <h1 id="account-title">Your account</h1>
      <p>
        Signed in as <strong>{user.email}</strong>
        {user.admin ? ' (admin)' : ''}
      </p>
      {sub.state === 'loading' && <p aria-busy="true">Loading your plan…</p>}
      {sub.state === 'problem' && <ProblemNotice {...sub} onRetry={retry} />}
      {sub.state === 'ok' && (
        <>
          <p id="tier" data-tier={sub.data.tier}>
            Plan: <strong>{sub.data.tier}</strong>
            {sub.data.status !== 'none' ? ` (${sub.data.status})` : ''}
            {sub.data.currentPeriodEnd
              ? ` · ${sub.data.cancelAtPeriodEnd ? 'ends' : 'renews'} ${momentLabel(Date.parse(sub.data.currentPeriodEnd))}`
              : ''}
          </p>
          {sub.data.graceUntil && (
            <p class="notice" role="status">
              Your last payment failed. Update your card before {momentLabel(Date.parse(sub.data.graceUntil))}{' '}
              to keep your plan.
            </p>
          )}
          {sub.data.tier !== 'free' && (
            <p>
              <button type="button" disabled={portalBusy} onClick={() => startPortal(portal)}>
                Manage your subscription
              </button>
            </p>
          )}
          {portalProblem && <ProblemNotice problem={portalProblem} retryInSeconds={null} />}
          <Plans current={sub.data.tier} />
        </>
      )}
      <Activity />
      <button
        type="button"
        onClick={() =>
          void signOut().then(() => {
            navigate('/');
          })
        }
      >
        Sign out
      </button>
    </section>
  );
}

/** Where Stripe Checkout returns: read the new subscription from Stripe now, webhook or not. */
export function BillingSuccessPage({ user }: { user: SessionUser }) {
  const [sub, retry] = useSubscription(user, () => api.POST('/v1/billing/sync'));
  return (
    <section aria-labelledby="success-title" class="narrow">
      <h1 id="success-title">Thank you</h1>
      {sub.state === 'loading' && <p aria-busy="true">Confirming your subscription with Stripe…</p>}
      {sub.state === 'problem' && <ProblemNotice {...sub} onRetry={retry} />}
      {sub.state === 'ok' &&
        (sub.data.tier === 'free' ? (
          <p role="status">
            Stripe has not confirmed a payment yet. It can take a minute;{' '}
            <a href="/account">see your account</a>.
          </p>
        ) : (
          <>
            <p id="tier" role="status" data-tier={sub.data.tier}>
              You are on <strong>{sub.data.tier}</strong> now.
            </p>
            <p>
              Every game now shows its interval and the reasons behind the number, and the{' '}
              <a href="/insights">insights feed</a> is open to you. <a href="/">See this week’s games</a>.
            </p>
          </>
        ))}
    </section>
  );
}
