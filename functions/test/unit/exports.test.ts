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
