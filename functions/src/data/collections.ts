/** Firestore collection names, in one place. See DESIGN.md "Data model". */
export const Collections = {
  ops: 'ops',
  games: 'games',
  insights: 'insights',
  aggInsights: 'agg_insights',
  processedEvents: 'processed_events',
} as const;
