import { Timestamp } from 'firebase-admin/firestore';
import { docFromImportRow, importRowSchema, sameGame, toGame } from '../../../src/data/games';
import { decodeCursor, encodeCursor } from '../../../src/services/games';

const sharedRow = {
  date: '2017-09-07',
  season: '2017',
  neutral: '0',
  playoff: '0',
  team1: 'NE',
  team2: 'KC',
  elo1: '1687',
  elo2: '1613',
  elo_prob1: '0.68',
  score1: '27',
  score2: '42',
  result1: '0',
};

describe('import rows (the shared file columns)', () => {
  it('maps a scored row to a final game with a deterministic id, ignoring 538 columns', () => {
    const { gameId, doc } = docFromImportRow(importRowSchema.parse(sharedRow));
    expect(gameId).toBe('nfl_2017-09-07_NE_KC');
    expect(toGame(gameId, doc)).toEqual({
      gameId,
      sport: 'nfl',
      season: 2017,
      kickoff: '2017-09-07T18:00:00.000Z',
      homeTeam: 'NE',
      awayTeam: 'KC',
      neutral: false,
      playoff: false,
      status: 'final',
      homeScore: 27,
      awayScore: 42,
    });
  });

  it('maps a row without scores to a scheduled game; JSON numbers and booleans work too', () => {
    const row = importRowSchema.parse({
      date: '2017-12-31',
      season: 2017,
      neutral: true,
      playoff: 1,
      team1: 'lar',
      team2: 'SF',
    });
    const { doc } = docFromImportRow(row);
    expect(doc).toMatchObject({
      status: 'scheduled',
      homeScore: null,
      awayScore: null,
      neutral: true,
      playoff: true,
      homeTeam: 'LAR',
    });
  });

  it('names the offending fields of a bad row', () => {
    const result = importRowSchema.safeParse({ ...sharedRow, date: '07/09/2017', score2: '' });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['date']));
    const oneScore = importRowSchema.safeParse({ ...sharedRow, score2: '' });
    expect(oneScore.error!.issues[0]!.path).toEqual(['score2']);
    expect(importRowSchema.safeParse({ ...sharedRow, team2: 'NE' }).success).toBe(false);
  });

  it("reads a newer season's file as the model scripts do: n/no are false, LV and WAS are OAK and WSH", () => {
    const row = importRowSchema.parse({
      ...sharedRow,
      neutral: 'n',
      playoff: 'No',
      team1: 'LV',
      team2: 'was',
    });
    expect(row).toMatchObject({ neutral: false, playoff: false, team1: 'OAK', team2: 'WSH' });
    // The stored game (and its id) carry the franchise's code, so its rating is the one it had.
    const { gameId, doc } = docFromImportRow(row);
    expect(gameId).toBe('nfl_2017-09-07_OAK_WSH');
    expect(doc).toMatchObject({ homeTeam: 'OAK', awayTeam: 'WSH', neutral: false, playoff: false });
    expect(importRowSchema.parse({ ...sharedRow, neutral: 'Y', playoff: 'w' })).toMatchObject({
      neutral: true,
      playoff: true,
    });
  });

  it('refuses a flag it cannot read, naming the column and the words it takes', () => {
    const result = importRowSchema.safeParse({ ...sharedRow, neutral: 'maybe', playoff: 2 });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['neutral', '"maybe" is not a flag: use 1/0, true/false, t/f, yes/no, y/n, or empty for false'],
      [
        'playoff',
        '2 is not a flag: use 1/0, true/false, t/f, yes/no, y/n, or empty for false; or a playoff round (w, d, c, s)',
      ],
    ]);
    expect(importRowSchema.safeParse({ ...sharedRow, neutral: 'w' }).success).toBe(false);
  });

  it('sameGame sees a changed score and ignores nothing else', () => {
    const { doc } = docFromImportRow(importRowSchema.parse(sharedRow));
    expect(sameGame(doc, { ...doc, kickoff: Timestamp.fromMillis(doc.kickoff.toMillis()) })).toBe(true);
    expect(sameGame(doc, { ...doc, homeScore: 28 })).toBe(false);
    // A moved game records the row id it was imported as; dropping or changing it is a change.
    expect(sameGame(doc, { ...doc, importedAs: 'nfl_2017-11-19_NE_KC' })).toBe(false);
  });

  it('an optional gameId column names the stored game; empty (CSV) or null means none', () => {
    expect(importRowSchema.parse({ ...sharedRow, gameId: 'nfl_2017-09-10_MIA_TB' }).gameId).toBe(
      'nfl_2017-09-10_MIA_TB',
    );
    expect(importRowSchema.parse({ ...sharedRow, gameId: '' }).gameId).toBeUndefined();
    expect(importRowSchema.parse({ ...sharedRow, gameId: null }).gameId).toBeUndefined();
    expect(importRowSchema.parse(sharedRow).gameId).toBeUndefined();
    for (const bad of ['__x__', 'a/b', 'x'.repeat(129)]) {
      expect(importRowSchema.safeParse({ ...sharedRow, gameId: bad }).error?.issues[0]?.path).toEqual(['gameId']);
    }
  });
});

describe('list cursors', () => {
  it('round-trip and reject anything else', () => {
    const c = { kickoffMs: 1504807200000, gameId: 'nfl_2017-09-07_NE_KC' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor('garbage')).toBeNull();
    expect(decodeCursor(Buffer.from('{"a":1}').toString('base64url'))).toBeNull();
  });
});
