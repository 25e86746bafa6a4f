/**
 * Every composite query shape the code issues, declared in one place. A unit test checks each one
 * against firestore.indexes.json, so a new query cannot ship without its index (the emulator does
 * not enforce indexes; production rejects the query).
 */

export interface QueryShape {
  /** Where the code issues it. */
  name: string;
  collectionGroup: string;
  /** Fields with equality filters, in any order. */
  equality: string[];
  /** The range/order field and its direction (the last index field). */
  orderBy: { field: string; direction: 'ASCENDING' | 'DESCENDING' };
}

/**
 * GET /v1/games: sport is always set; season and status are optional equality filters. The
 * sport+status shape also serves services/ratings.ts readFinals (finals in kickoff order).
 */
export const GAME_LIST_SHAPES: QueryShape[] = [[], ['season'], ['status'], ['season', 'status']].map(
  (extra) => ({
    name: `games list by sport${extra.map((f) => `+${f}`).join('')}`,
    collectionGroup: 'games',
    equality: ['sport', ...extra],
    orderBy: { field: 'kickoff', direction: 'ASCENDING' },
  }),
);

/**
 * services/weeks.ts: the latest game before a week (or of all), for the home page's navigation;
 * services/team-ratings.ts: the latest game, whose season is the ratings table's.
 */
export const LATEST_GAME_SHAPE: QueryShape = {
  name: 'the latest game of a sport before a kickoff',
  collectionGroup: 'games',
  equality: ['sport'],
  orderBy: { field: 'kickoff', direction: 'DESCENDING' },
};

/** services/ratings.ts: the latest snapshot before a date, and the snapshots from a date on. */
export const RATING_SNAPSHOT_SHAPES: QueryShape[] = [
  {
    name: 'rating snapshot before a date',
    collectionGroup: 'rating_snapshots',
    equality: ['sport'],
    orderBy: { field: 'date', direction: 'DESCENDING' },
  },
  {
    name: 'rating snapshots from a date',
    collectionGroup: 'rating_snapshots',
    equality: ['sport'],
    orderBy: { field: 'date', direction: 'ASCENDING' },
  },
];

/** services/analytics.ts: a user's days in a date range. */
export const ANALYTICS_SHAPES: QueryShape[] = [
  {
    name: "a user's daily aggregates in a date range",
    collectionGroup: 'agg_user_daily',
    equality: ['userId'],
    orderBy: { field: 'date', direction: 'ASCENDING' },
  },
];

/** GET /v1/insights: newest first, optional status and severity (no filter: single-field index). */
export const INSIGHT_LIST_SHAPES: QueryShape[] = [['status'], ['severity'], ['status', 'severity']].map(
  (equality) => ({
    name: `insights list by ${equality.join('+')}`,
    collectionGroup: 'insights',
    equality,
    orderBy: { field: 'createdAt', direction: 'DESCENDING' },
  }),
);

/**
 * services/reconciliation.ts: one user's raw metrics of one day; one model version's predictions in a
 * range of game ids (the games of one season, re-read by the agg_model repair).
 */
export const RECONCILIATION_SHAPES: QueryShape[] = [
  {
    name: "a user's raw metrics in a time range",
    collectionGroup: 'user_metrics',
    equality: ['userId'],
    orderBy: { field: 'timestamp', direction: 'ASCENDING' },
  },
  {
    name: "a model version's predictions in a game id range",
    collectionGroup: 'predictions',
    equality: ['modelId', 'version'],
    orderBy: { field: 'gameId', direction: 'ASCENDING' },
  },
];

/**
 * services/alerts.ts: the webhook outbox's due deliveries; GET /v1/admin/alerts: one status, the
 * newest incidents first (all statuses: a single-field index).
 */
export const ALERT_SHAPES: QueryShape[] = [
  {
    name: 'alert deliveries due',
    collectionGroup: 'alert_deliveries',
    equality: ['status'],
    orderBy: { field: 'nextAttemptAt', direction: 'ASCENDING' },
  },
  {
    name: 'alerts list by status',
    collectionGroup: 'alerts',
    equality: ['status'],
    orderBy: { field: 'openedAt', direction: 'DESCENDING' },
  },
];

export const QUERY_SHAPES: QueryShape[] = [
  ...ALERT_SHAPES,
  ...RECONCILIATION_SHAPES,
  ...GAME_LIST_SHAPES,
  LATEST_GAME_SHAPE,
  ...RATING_SNAPSHOT_SHAPES,
  ...ANALYTICS_SHAPES,
  ...INSIGHT_LIST_SHAPES,
];
