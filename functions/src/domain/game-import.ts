/**
 * Which stored game each row of a games import is. A game's id embeds the date it was first
 * imported for (`{sport}_{date}_{home}_{away}`, data/games.ts), and every prediction, insight and
 * cache key names that id, so a game keeps it for life, even when it is postponed. A row of a later
 * file carries the new date, so its own id (the "row id") is not the game's; this module finds the
 * game anyway, in this order:
 *
 * 1. named: the row's `gameId` column names the game (it must exist, in the same sport);
 * 2. id: a game with the row id exists (the usual case: a re-import, a result);
 * 3. moved before: a game already moved to this row's date (it records the row id it was last
 *    imported as, `importedAs`), so re-importing the new schedule, or the result, finds it again;
 * 4. moved: the row id is new, and exactly one *scheduled* game of the same sport, season, home
 *    team, away team and playoff flag is not in the file: the row is that game, rescheduled (the
 *    MIA-TB game of 2017, postponed for Hurricane Irma from Sept 10 to Nov 19). In an NFL regular
 *    season two teams meet at most twice, home and away swapped, so that key names one game; a
 *    final is never moved (a final under another date is another game);
 * 5. new: otherwise, a new game under the row id.
 *
 * When step 4 cannot tell (two such scheduled games, or two new rows for one), or two rows are one
 * game, or a named game does not exist, the plan reports the rows and the import writes nothing:
 * naming the game in the row's `gameId` column, or listing the other games in the file, settles it.
 * A file that lists one game twice (same row id, or same `gameId`) keeps its last row, as before.
 */

/** What a row of an import says about which game it is. */
export interface RowIdentity {
  /** The row's position in the request (`body[i]`). */
  row: number;
  /** The id the row derives, `{sport}_{date}_{home}_{away}`: a new game from the row gets it. */
  rowId: string;
  /** The game the row names explicitly (its `gameId` column). */
  gameId?: string;
  sport: string;
  season: number;
  homeTeam: string;
  awayTeam: string;
  playoff: boolean;
}

/** What the import needs of a stored game to match rows to it. */
export interface StoredIdentity {
  id: string;
  sport: string;
  season: number;
  homeTeam: string;
  awayTeam: string;
  playoff: boolean;
  final: boolean;
  /** The row id it was last imported as, when that is not its id (it was moved). */
  importedAs?: string;
}

export type Match = 'named' | 'id' | 'moved-before' | 'moved' | 'new';

export interface Target {
  row: number;
  /** The game the row writes. */
  gameId: string;
  match: Match;
  /**
   * The row gives an existing game another date or teams than it was last imported with (a
   * postponement, or one undone): counted as moved, not updated, when the content changes.
   */
  moves: boolean;
}

export interface ImportProblem {
  /** The rows concerned (request positions), first the one the message is about. */
  rows: number[];
  /** The column at fault, if one is (`gameId`). */
  field?: 'gameId';
  message: string;
}

export interface ImportPlan {
  targets: Target[];
  problems: ImportProblem[];
}

const keyOf = (g: {
  sport: string;
  season: number;
  homeTeam: string;
  awayTeam: string;
  playoff: boolean;
}): string => JSON.stringify([g.sport, g.season, g.homeTeam, g.awayTeam, g.playoff]);

function describe(r: RowIdentity): string {
  return `${r.awayTeam} at ${r.homeTeam}, ${r.season} ${r.playoff ? 'playoffs' : 'season'}`;
}

const rowName = (row: number) => `body[${row}]`;

/** The rows a file keeps: one per game it names (gameId, else row id), the last one. */
function lastRows(rows: readonly RowIdentity[]): RowIdentity[] {
  const byKey = new Map<string, RowIdentity>();
  for (const r of rows) {
    const key = r.gameId === undefined ? `id:${r.rowId}` : `named:${r.gameId}`;
    byKey.delete(key); // keep the file's order of the last rows
    byKey.set(key, r);
  }
  return [...byKey.values()].sort((a, b) => a.row - b.row);
}

/**
 * The (sport, season) pairs whose stored games the plan needs: those of rows that neither name a
 * game nor have a stored row id (the only rows steps 3 and 4 look at).
 */
export function seasonsToScan(
  rows: readonly RowIdentity[],
  existing: ReadonlySet<string>,
): { sport: string; season: number }[] {
  const out = new Map<string, { sport: string; season: number }>();
  for (const r of rows) {
    if (r.gameId !== undefined || existing.has(r.rowId)) continue;
    out.set(`${r.sport}:${r.season}`, { sport: r.sport, season: r.season });
  }
  return [...out.values()];
}

/**
 * Which game each row is (see the module comment).
 * @param existing every stored game among the rows' ids and named ids (null: stored, unreadable)
 * @param seasonGames the stored games of the seasons `seasonsToScan` named
 */
export function planImport(
  rows: readonly RowIdentity[],
  existing: ReadonlyMap<string, StoredIdentity | null>,
  seasonGames: readonly StoredIdentity[],
): ImportPlan {
  const kept = lastRows(rows);
  const problems: ImportProblem[] = [];
  const targets = new Map<number, Target>();
  const claimedBy = new Map<string, number>();
  const fileIds = new Set(kept.map((r) => r.rowId));

  const claim = (
    r: RowIdentity,
    gameId: string,
    match: Exclude<Match, 'new'>,
    stored: StoredIdentity | null,
  ) => {
    const other = claimedBy.get(gameId);
    if (other !== undefined) {
      problems.push({
        rows: [r.row, other],
        ...(match === 'named' ? { field: 'gameId' as const } : {}),
        message: `${rowName(r.row)} and ${rowName(other)} are both game ${gameId}: keep one of them`,
      });
      return;
    }
    claimedBy.set(gameId, r.row);
    const lastImportedAs = stored ? (stored.importedAs ?? stored.id) : gameId;
    targets.set(r.row, { row: r.row, gameId, match, moves: match === 'moved' || lastImportedAs !== r.rowId });
  };

  // 1. Named games.
  for (const r of kept) {
    if (r.gameId === undefined) continue;
    const stored = existing.get(r.gameId);
    if (stored === undefined) {
      problems.push({
        rows: [r.row],
        field: 'gameId',
        message: `no game ${r.gameId}: gameId names a stored game to update; leave it empty to add a game`,
      });
    } else if (stored && stored.sport !== r.sport) {
      problems.push({
        rows: [r.row],
        field: 'gameId',
        message: `game ${r.gameId} is a ${stored.sport} game, not ${r.sport}`,
      });
    } else {
      claim(r, r.gameId, 'named', stored);
    }
  }
  const unnamed = kept.filter((r) => r.gameId === undefined);
  // 2. Stored under the row id.
  for (const r of unnamed) {
    const stored = existing.get(r.rowId);
    if (stored !== undefined) claim(r, r.rowId, 'id', stored);
  }
  const open = () => unnamed.filter((r) => !targets.has(r.row) && !problems.some((p) => p.rows[0] === r.row));
  const unclaimed = seasonGames.filter((g) => !claimedBy.has(g.id));
  // 3. Moved here before.
  const byImportedAs = new Map<string, StoredIdentity>();
  for (const g of unclaimed) if (g.importedAs !== undefined) byImportedAs.set(g.importedAs, g);
  for (const r of open()) {
    const g = byImportedAs.get(r.rowId);
    if (g && !claimedBy.has(g.id) && g.sport === r.sport) claim(r, g.id, 'moved-before', g);
  }
  // 4. Moved now, or 5. new.
  const candidates = new Map<string, StoredIdentity[]>();
  for (const g of unclaimed) {
    if (g.final || claimedBy.has(g.id) || fileIds.has(g.id)) continue;
    const list = candidates.get(keyOf(g)) ?? [];
    list.push(g);
    candidates.set(keyOf(g), list);
  }
  const groups = new Map<string, RowIdentity[]>();
  for (const r of open()) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  for (const [key, group] of groups) {
    const games = candidates.get(key) ?? [];
    const [only] = group;
    if (games.length === 0) {
      for (const r of group) targets.set(r.row, { row: r.row, gameId: r.rowId, match: 'new', moves: false });
    } else if (group.length === 1 && games.length === 1 && only) {
      claim(only, (games[0] as StoredIdentity).id, 'moved', games[0] as StoredIdentity);
    } else {
      const ids = games.map((g) => g.id).join(', ');
      const first = group[0] as RowIdentity;
      const rowsText = group.map((r) => rowName(r.row)).join(', ');
      problems.push({
        rows: group.map((r) => r.row),
        message:
          group.length === 1
            ? `${rowsText} (${describe(first)}) is a new date for one of ${games.length} scheduled games ` +
              `that are not in the file (${ids}): say which in its gameId column, or list the others in the file`
            : `${rowsText} (${describe(first)}) are new dates, and the scheduled ` +
              `${games.length === 1 ? 'game' : 'games'} ${ids}, not in the file, could be any of them: ` +
              `name it in the gameId column of its row (the other rows are then new games)`,
      });
    }
  }
  return {
    targets: [...targets.values()].sort((a, b) => a.row - b.row),
    problems: problems.sort((a, b) => (a.rows[0] as number) - (b.rows[0] as number)),
  };
}
