/**
 * Register exactly what you test (STYLE.md §3): the deployed function list is this, and the tests
 * wrap these very exports.
 */
import * as functions from '../../src/index';

it('index.ts exports every deployed function and nothing else', () => {
  expect(Object.keys(functions).sort()).toEqual([
    'api',
    'ledgerCleanup',
    'onGameWritten',
    'onInsightWritten',
    'onModelWritten',
    'onUserMetricWritten',
    'reconcileAggregates',
    'warmPredictionCache',
  ]);
});

/**
 * A deployed function sees a secret only if it declares it (the emulator shows every function all of
 * .secret.local, so only this catches a missing one). Without the Upstash token a function that
 * invalidates cached responses fails every event and, with retries on, retries for days.
 */
it('every function that reaches Redis declares the Upstash token', () => {
  const declared = Object.entries(functions)
    .filter(([, fn]) =>
      (
        (fn as { __endpoint?: { secretEnvironmentVariables?: { key: string }[] } }).__endpoint
          ?.secretEnvironmentVariables ?? []
      ).some((s) => s.key === 'UPSTASH_REDIS_REST_TOKEN'),
    )
    .map(([name]) => name)
    .sort();
  // ledgerCleanup only deletes Firestore documents.
  expect(declared).toEqual(
    Object.keys(functions)
      .filter((n) => n !== 'ledgerCleanup')
      .sort(),
  );
});
