/**
 * Paging through games as cache warming does (domain/paging `sweep` over services/games
 * `gamesPage`), on documents held in memory: the same page building and cursor rule as the
 * Firestore reader, without an emulator.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { sweep } from '../../../src/domain/paging';
import { gamesPage, type GameCursor, type ReadGameDoc } from '../../../src/services/games';

const KICKOFF = Date.parse('2017-09-10T17:00:00Z');

function doc(id: string, minute: number, wellFormed: boolean): ReadGameDoc {
  const kickoff = Timestamp.fromMillis(KICKOFF + minute * 60_000);
  const data = wellFormed
    ? {
        sport: 'nfl',
        season: 2017,
        kickoff,
        homeTeam: 'NE',
        awayTeam: 'KC',
        neutral: false,
        playoff: false,
        status: 'scheduled',
        homeScore: null,
        awayScore: null,
      }
    : { sport: 'nfl', kickoff, status: 'scheduled', homeTeam: 42 }; // a console typo
  return { id, data: () => data, get: () => kickoff };
}

/** A query over docs in (kickoff, id) order: those after the cursor, limit + 1 of them. */
function reader(docs: readonly ReadGameDoc[], limit: number) {
  const reads: (GameCursor | null)[] = [];
  const key = (d: ReadGameDoc) => [(d.get('kickoff') as Timestamp).toMillis(), d.id] as const;
  const read = (after: GameCursor | null) => {
    reads.push(after);
    const rest = after
      ? docs.filter((d) => {
          const [ms, id] = key(d);
          return ms > after.kickoffMs || (ms === after.kickoffMs && id > after.gameId);
        })
      : docs;
    return Promise.resolve(gamesPage(rest.slice(0, limit + 1), limit));
  };
  return { read, reads };
}

async function sweepIds(docs: readonly ReadGameDoc[], limit: number) {
  const { read, reads } = reader(docs, limit);
  const pages: string[][] = [];
  for await (const games of sweep(read)) pages.push(games.map((g) => g.gameId));
  return { pages, reads };
}

describe('sweeping the games pages', () => {
  it('goes on past a page of only malformed documents, to the games after it', async () => {
    const docs = [
      doc('g1', 0, true),
      doc('g2', 1, true),
      doc('bad1', 2, false),
      doc('bad2', 3, false),
      doc('g3', 4, true),
    ];
    const { pages } = await sweepIds(docs, 2);
    expect(pages).toEqual([['g1', 'g2'], [], ['g3']]);
  });

  it('moves the cursor past malformed documents at the end of a page, so none is read twice', async () => {
    const docs = [doc('g1', 0, true), doc('bad1', 1, false), doc('bad2', 2, false), doc('g2', 3, true)];
    const { pages, reads } = await sweepIds(docs, 3);
    expect(pages).toEqual([['g1'], ['g2']]);
    expect(reads).toEqual([null, { kickoffMs: KICKOFF + 2 * 60_000, gameId: 'bad2' }]);
  });

  it('stops after the last page, also when it is full', async () => {
    const docs = [doc('g1', 0, true), doc('g2', 1, true)];
    expect((await sweepIds(docs, 2)).pages).toEqual([['g1', 'g2']]);
    expect((await sweepIds(docs, 1)).pages).toEqual([['g1'], ['g2']]);
    expect((await sweepIds([], 2)).pages).toEqual([[]]);
  });
});
