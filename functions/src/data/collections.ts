/** Firestore collection names, in one place. See DESIGN.md "Data model". */
export const Collections = {
  ops: 'ops',
  games: 'games',
  models: 'models',
  sports: 'sports',
  predictions: 'predictions',
  ratingSnapshots: 'rating_snapshots',
  ratingIndexes: 'rating_indexes',
  insights: 'insights',
  aggInsights: 'agg_insights',
  aggModel: 'agg_model',
  userMetrics: 'user_metrics',
  aggUserDaily: 'agg_user_daily',
  processedEvents: 'processed_events',
  customers: 'customers',
  entitlements: 'entitlements',
  stripeEvents: 'stripe_events',
  serviceMetrics: 'service_metrics',
  alerts: 'alerts',
  /** The Trigger Email extension's collection (its default name). */
  mail: 'mail',
  alertDeliveries: 'alert_deliveries',
} as const;
