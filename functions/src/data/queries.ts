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

/** GET /v1/games: sport is always set; season and status are optional equality filters. */
export const GAME_LIST_SHAPES: QueryShape[] = [[], ['season'], ['status'], ['season', 'status']].map(
  (extra) => ({
    name: `games list by sport${extra.map((f) => `+${f}`).join('')}`,
    collectionGroup: 'games',
    equality: ['sport', ...extra],
    orderBy: { field: 'kickoff', direction: 'ASCENDING' },
  }),
);

export const QUERY_SHAPES: QueryShape[] = [...GAME_LIST_SHAPES];
