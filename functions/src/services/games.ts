import type { GameInfo } from '../domain/games';
import type { Page } from '../domain/paging';
import {
  planImport,
  seasonsToScan,
  type ImportProblem,
  type RowIdentity,
  type StoredIdentity,
} from '../domain/game-import';
import { gameDate } from './ratings';
import { FieldPath, Timestamp, type Firestore, type Query } from 'firebase-admin/firestore';
import { Collections } from '../data/collections';
import {
  docFromImportRow,
  gameDocSchema,
  sameGame,
  toGame,
  type Game,
  type GameDoc,
  type ImportRow,
} from '../data/games';

export interface GameFilters {
  sport: string;
  season?: number;
  status?: 'scheduled' | 'final';
  /** Inclusive lower bound on kickoff. */
  from?: Date;
  /** Exclusive upper bound on kickoff. */
  to?: Date;
  limit: number;
  cursor?: GameCursor;
}

/** Position after the last game of a page: its kickoff and id (the sort keys). */
export interface GameCursor {
  kickoffMs: number;
  gameId: string;
}

export function encodeCursor(c: GameCursor): string {
  return Buffer.from(JSON.stringify([c.kickoffMs, c.gameId])).toString('base64url');
}

/** The cursor in a `cursor` query parameter, or null when it is not one we issued. */
export function decodeCursor(text: string): GameCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      Number.isFinite(value[0]) &&
      typeof value[1] === 'string' &&
      value[1] !== ''
    ) {
      return { kickoffMs: value[0] as number, gameId: value[1] };
    }
  } catch {
    // fall through
  }
  return null;
}

/** What the rating engine and the model need of a game (team1 = home unless neutral). */
export function gameInfoOf(game: Game): GameInfo {
  return {
    date: gameDate(new Date(game.kickoff)),
    season: game.season,
    team1: game.homeTeam,
    team2: game.awayTeam,
    neutral: game.neutral,
    playoff: game.playoff,
  };
}

export function parseGame(id: string, data: unknown): Game | null {
  const parsed = gameDocSchema.safeParse(data);
  return parsed.success ? toGame(id, parsed.data) : null;
}

/** What a page needs of a document read: a QueryDocumentSnapshot, or a stand-in in tests. */
export interface ReadGameDoc {
  id: string;
  data(): unknown;
  get(field: 'kickoff'): unknown;
}

/**
 * A page from the documents a query read (up to limit + 1, the extra one only says that more
 * follow): the games that parse, and the cursor after the last document read. A malformed document
 * is left out of `items` but still moves the cursor, so a page of them neither ends the listing
 * nor makes the next page read them again.
 */
export function gamesPage(docs: readonly ReadGameDoc[], limit: number): Page<Game, GameCursor> {
  const page = docs.slice(0, limit);
  const items = page.map((d) => parseGame(d.id, d.data())).filter((g): g is Game => g !== null);
  const last = page[page.length - 1];
  if (docs.length <= limit || !last) return { items, next: null };
  const kickoff = last.get('kickoff');
  if (!(kickoff instanceof Timestamp)) {
    // Ordered by kickoff, so a page ends on a non-Timestamp only when no kickoff range was asked.
    throw new Error(`games/${last.id}: kickoff is not a timestamp, so no page can start after it`);
  }
  return { items, next: { kickoffMs: kickoff.toMillis(), gameId: last.id } };
}

/** One page of games in kickoff order (then id), and the cursor of the next page if there is one. */
export async function readGamesPage(db: Firestore, f: GameFilters): Promise<Page<Game, GameCursor>> {
  let q: Query = db.collection(Collections.games).where('sport', '==', f.sport);
  if (f.season !== undefined) q = q.where('season', '==', f.season);
  if (f.status !== undefined) q = q.where('status', '==', f.status);
  if (f.from) q = q.where('kickoff', '>=', Timestamp.fromDate(f.from));
  if (f.to) q = q.where('kickoff', '<', Timestamp.fromDate(f.to));
  q = q.orderBy('kickoff').orderBy(FieldPath.documentId());
  if (f.cursor) q = q.startAfter(Timestamp.fromMillis(f.cursor.kickoffMs), f.cursor.gameId);
  const snap = await q.limit(f.limit + 1).get();
  return gamesPage(snap.docs, f.limit);
}

/** The same page as the API lists it: the cursor encoded. */
export async function listGames(
  db: Firestore,
  f: GameFilters,
): Promise<{ games: Game[]; nextCursor: string | null }> {
  const { items, next } = await readGamesPage(db, f);
  return { games: items, nextCursor: next ? encodeCursor(next) : null };
}

export async function getGame(db: Firestore, gameId: string): Promise<Game | null> {
  const snap = await db.collection(Collections.games).doc(gameId).get();
  return snap.exists ? parseGame(snap.id, snap.data()) : null;
}

/** Reads many games with batched reads (getAll, chunks of 300): no N+1. Missing ids map to null. */
export async function getGames(db: Firestore, gameIds: readonly string[]): Promise<Map<string, Game | null>> {
  const out = new Map<string, Game | null>();
  const unique = [...new Set(gameIds)];
  for (let i = 0; i < unique.length; i += 300) {
    const refs = unique.slice(i, i + 300).map((id) => db.collection(Collections.games).doc(id));
    if (refs.length === 0) continue;
    const snaps = await db.getAll(...refs);
    for (const snap of snaps) out.set(snap.id, snap.exists ? parseGame(snap.id, snap.data()) : null);
  }
  return out;
}

export interface ImportResult {
  received: number;
  created: number;
  updated: number;
  /** Existing games given another date (a postponement): they keep their ids. */
  moved: number;
  unchanged: number;
  /** Each moved game, with its kickoff before and after. */
  moves: { gameId: string; from: string; to: string }[];
}

/** The import's rows do not say which stored game some of them are; nothing was written. */
export class ImportConflict extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super(problems.map((p) => p.message).join('; '));
    this.name = 'ImportConflict';
  }
}

function storedIdentity(id: string, doc: GameDoc): StoredIdentity {
  return {
    id,
    sport: doc.sport,
    season: doc.season,
    homeTeam: doc.homeTeam,
    awayTeam: doc.awayTeam,
    playoff: doc.playoff,
    final: doc.status === 'final',
    ...(doc.importedAs !== undefined ? { importedAs: doc.importedAs } : {}),
  };
}

/**
 * Upserts games: each row is matched to its stored game (domain/game-import.ts: by id, or a
 * rescheduled game by its teams and season, keeping its id), or added under its deterministic id.
 * Everything is read and matched before anything is written, so a file that cannot be matched
 * writes nothing (ImportConflict). Documents whose content is unchanged are not written, so
 * re-importing a file writes nothing and fires no trigger; a moved game is written like any update,
 * so the games trigger sees its kickoff change.
 */
export async function importGames(db: Firestore, rows: readonly ImportRow[]): Promise<ImportResult> {
  const games = db.collection(Collections.games);
  const incoming = rows.map((row, i) => ({ ...docFromImportRow(row), row: i, named: row.gameId }));
  const identities: RowIdentity[] = incoming.map(({ gameId, doc, row, named }) => ({
    row,
    rowId: gameId,
    ...(named !== undefined ? { gameId: named } : {}),
    sport: doc.sport,
    season: doc.season,
    homeTeam: doc.homeTeam,
    awayTeam: doc.awayTeam,
    playoff: doc.playoff,
  }));

  // The stored games the rows name (by row id or gameId), then those of the seasons the plan scans.
  const stored = new Map<string, { exists: boolean; doc: GameDoc | null }>();
  const ids = [
    ...new Set(incoming.flatMap((x) => (x.named === undefined ? [x.gameId] : [x.gameId, x.named]))),
  ];
  for (let i = 0; i < ids.length; i += 300) {
    const snaps = await db.getAll(...ids.slice(i, i + 300).map((id) => games.doc(id)));
    for (const snap of snaps) {
      const parsed = snap.exists ? gameDocSchema.safeParse(snap.data()) : null;
      stored.set(snap.id, { exists: snap.exists, doc: parsed?.success ? parsed.data : null });
    }
  }
  const existing = new Map<string, StoredIdentity | null>();
  for (const [id, s] of stored) if (s.exists) existing.set(id, s.doc ? storedIdentity(id, s.doc) : null);
  const scans = await Promise.all(
    seasonsToScan(identities, new Set(existing.keys())).map(({ sport, season }) =>
      games.where('sport', '==', sport).where('season', '==', season).get(),
    ),
  );
  const seasonGames: StoredIdentity[] = [];
  for (const snap of scans) {
    for (const d of snap.docs) {
      const parsed = gameDocSchema.safeParse(d.data());
      if (!parsed.success) continue;
      seasonGames.push(storedIdentity(d.id, parsed.data));
      if (!stored.has(d.id)) stored.set(d.id, { exists: true, doc: parsed.data });
    }
  }

  const plan = planImport(identities, existing, seasonGames);
  if (plan.problems.length > 0) throw new ImportConflict(plan.problems);

  const result: ImportResult = {
    received: rows.length,
    created: 0,
    updated: 0,
    moved: 0,
    unchanged: 0,
    moves: [],
  };
  const writer = db.bulkWriter();
  const writes: Promise<unknown>[] = [];
  for (const target of plan.targets) {
    const { gameId: rowId, doc } = incoming[target.row] as (typeof incoming)[number];
    const next: GameDoc = target.gameId === rowId ? doc : { ...doc, importedAs: rowId };
    const current = stored.get(target.gameId);
    if (current?.doc && sameGame(current.doc, next)) {
      result.unchanged += 1;
      continue;
    }
    if (!current?.exists) {
      result.created += 1;
    } else if (target.moves && current.doc && !current.doc.kickoff.isEqual(next.kickoff)) {
      result.moved += 1;
      result.moves.push({
        gameId: target.gameId,
        from: current.doc.kickoff.toDate().toISOString(),
        to: next.kickoff.toDate().toISOString(),
      });
    } else {
      result.updated += 1;
    }
    writes.push(writer.set(games.doc(target.gameId), next));
  }
  await writer.close();
  // A write that failed after BulkWriter's retries rejects here, so the import answers 5xx.
  await Promise.all(writes);
  return result;
}
