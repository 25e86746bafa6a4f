/**
 * Every deployed function, and nothing else (STYLE.md §3): a test checks this export list.
 */
import { initializeApp } from 'firebase-admin/app';
import { setGlobalOptions } from 'firebase-functions';
import { REGION } from './config';

initializeApp();
setGlobalOptions({ region: REGION, maxInstances: 20 });

export { api } from './http';
export { stripeWebhook } from './webhooks/stripe';
export { onGameWritten } from './triggers/games';
export { onInsightWritten } from './triggers/insights';
export { onModelWritten } from './triggers/models';
export { onRatingsQueued } from './triggers/ratings';
export { onUserMetricWritten } from './triggers/user-metrics';
export { onEntitlementWritten } from './triggers/entitlements';
export { onUserDeleted } from './triggers/users';
export { ledgerCleanup } from './scheduled/ledger-cleanup';
export { reconcileAggregates } from './scheduled/reconciliation';
export { reconcileBilling } from './scheduled/billing-reconciliation';
export { warmPredictionCache } from './scheduled/cache-warming';
export { evaluateAlerts } from './scheduled/alerts';
