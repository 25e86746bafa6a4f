/**
 * Register exactly what you test (STYLE.md §3): the deployed function list is this, and the tests
 * wrap these very exports.
 */
import * as functions from '../../src/index';

// 1st-gen endpoints (the Auth deletion trigger) resolve the project when described.
process.env.GCLOUD_PROJECT ??= 'demo-exports-test';

it('index.ts exports every deployed function and nothing else', () => {
  expect(Object.keys(functions).sort()).toEqual([
    'api',
    'evaluateAlerts',
    'ledgerCleanup',
    'onEntitlementWritten',
    'onGameWritten',
    'onInsightWritten',
    'onModelWritten',
    'onRatingsQueued',
    'onUserDeleted',
    'onUserMetricWritten',
    'reconcileAggregates',
    'reconcileBilling',
    'stripeWebhook',
    'warmPredictionCache',
  ]);
});

/**
 * A deployed function sees a secret only if it declares it (the emulator shows every function all of
 * .secret.local, so only this catches a missing one). Without the Upstash token a function that
 * invalidates cached responses fails every event and, with retries on, retries for days.
 */
const declaring = (secret: string): string[] =>
  Object.entries(functions)
    .filter(([, fn]) =>
      (
        (fn as { __endpoint?: { secretEnvironmentVariables?: { key: string }[] } }).__endpoint
          ?.secretEnvironmentVariables ?? []
      ).some((s) => s.key === secret),
    )
    .map(([name]) => name)
    .sort();

it('every function that reaches Redis declares the Upstash token', () => {
  const declared = declaring('UPSTASH_REDIS_REST_TOKEN');
  // ledgerCleanup only deletes Firestore documents; onRatingsQueued only recomputes ratings (the new
  // ratingsVersion gives every cached answer a new key); evaluateAlerts only reads and writes
  // Firestore and POSTs to the alert webhook.
  expect(declared).toEqual(
    Object.keys(functions)
      .filter((n) => !['ledgerCleanup', 'onRatingsQueued', 'evaluateAlerts'].includes(n))
      .sort(),
  );
});

/** The same for Stripe: a function that calls Stripe without its key fails every call when deployed. */
it('every function that calls Stripe declares its key; only the webhook holds the signing secret', () => {
  expect(declaring('STRIPE_SECRET_KEY')).toEqual([
    'api',
    'onUserDeleted',
    'reconcileBilling',
    'stripeWebhook',
  ]);
  expect(declaring('STRIPE_WEBHOOK_SECRET')).toEqual(['stripeWebhook']);
});

/** The alert webhook URL (a credential: Slack's URL is its own token) is for the evaluator alone. */
it('only the alert evaluator holds the alert webhook URL', () => {
  expect(declaring('ALERT_WEBHOOK_URL')).toEqual(['evaluateAlerts']);
});
