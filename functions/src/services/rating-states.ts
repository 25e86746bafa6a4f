/**
 * Rating states for predictions: the state before a date, per sport and ratingsVersion.
 *
 * The snapshot date comes from the sport's date index (rating_indexes, read once per ratingsVersion)
 * by binary search, and the snapshot by id; states are kept per snapshot date, so every game
 * between two dates with finals shares one. Without an index (before the first rebuild wrote it),
 * a query finds the snapshot. Concurrent reads of one state or index share one read.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { Memo } from '../cache/memo';
import { CACHE_TTLS } from '../cache/ttl';
import { snapshotDateBefore, stateKey } from '../domain/cache-keys';
import { emptyRatingState, type RatingState } from '../domain/ratings/state';
import { snapshotDates, snapshotStates, stateBefore } from './ratings';

/** Which ratings: a sport's, as of one ratingsVersion. */
export interface RatingsAt {
  sport: string;
  ratingsVersion: number;
}

/** Where snapshots are read (Firestore in production; a fake in unit tests). */
export interface SnapshotReader {
  /** The sport's snapshot dates, ascending, or null when it has no index. */
  dates(sport: string): Promise<string[] | null>;
  /** Snapshot states by date (a missing one is absent from the map). */
  states(sport: string, dates: readonly string[]): Promise<Map<string, RatingState>>;
  /** The state before `date`, found by query. */
  before(sport: string, date: string): Promise<RatingState>;
}

export function firestoreSnapshots(db: () => Firestore): SnapshotReader {
  return {
    dates: (sport) => snapshotDates(db(), sport),
    states: (sport, dates) => snapshotStates(db(), sport, dates),
    before: (sport, date) => stateBefore(db(), sport, date),
  };
}

export interface RatingStatesOptions {
  /** How long a state or an index is kept (default CACHE_TTLS.prediction.l1Ms). */
  ttlMs?: number;
  now?: () => number;
}

export class RatingStates {
  private readonly states: Memo<RatingState>;
  private readonly indexes: Memo<string[] | null>;

  constructor(
    private readonly snapshots: SnapshotReader,
    opts: RatingStatesOptions = {},
  ) {
    const ttlMs = opts.ttlMs ?? CACHE_TTLS.prediction.l1Ms;
    this.states = new Memo(32 * 1024 * 1024, ttlMs, opts.now);
    this.indexes = new Memo(8 * 1024 * 1024, ttlMs, opts.now);
  }

  /** The rating state built from every final on dates before `date` (empty if there is none). */
  async before(at: RatingsAt, date: string): Promise<RatingState> {
    const dates = await this.index(at);
    if (!dates)
      return this.state(stateKey(at.sport, `<${date}`, at.ratingsVersion), () =>
        this.snapshots.before(at.sport, date),
      );
    const snapshot = snapshotDateBefore(dates, date);
    if (snapshot === null) return emptyRatingState();
    return this.state(stateKey(at.sport, snapshot, at.ratingsVersion), async () => {
      const state = (await this.snapshots.states(at.sport, [snapshot])).get(snapshot);
      if (!state) throw new Error(`rating snapshot ${at.sport}_${snapshot} is missing`);
      return state;
    });
  }

  /**
   * Starts reading the state of the date in a game id (ids are `{sport}_{date}_...`), so it arrives
   * with the game; `before` then finds it kept. Failures surface there, not here.
   */
  prefetch(at: RatingsAt, gameId: string): Promise<unknown> {
    const date = /^[a-z]+_(\d{4}-\d{2}-\d{2})_/.exec(gameId)?.[1];
    return date ? this.before(at, date).catch(() => undefined) : Promise.resolve();
  }

  /** How many states this instance keeps. */
  get size(): number {
    return this.states.stats().entries;
  }

  private state(key: string, load: () => Promise<RatingState>): Promise<RatingState> {
    return this.states.get(key, load, (state) => JSON.stringify(state).length * 3);
  }

  private index(at: RatingsAt): Promise<string[] | null> {
    return this.indexes.get(
      `index:${at.sport}:${at.ratingsVersion}`,
      () => this.snapshots.dates(at.sport),
      (dates) => (dates?.length ?? 0) * 40 + 100,
    );
  }
}
