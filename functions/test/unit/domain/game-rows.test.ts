import {
  franchiseCode,
  gameRowSchema,
  parseGameRows,
  readFlag,
  readPlayoff,
} from '../../../src/domain/game-rows';

const row = {
  date: '2021-09-12',
  season: '2021',
  neutral: '0',
  playoff: '',
  team1: 'LV',
  team2: 'BAL',
  score1: '33',
  score2: '27',
};

describe('flags', () => {
  it.each([
    ['1', true],
    ['0', false],
    ['true', true],
    ['FALSE', false],
    ['t', true],
    ['f', false],
    ['yes', true],
    ['No', false],
    ['y', true],
    ['n', false],
    ['', false],
    [' 1 ', true],
  ])('%j reads as %s', (text, flag) => {
    expect(readFlag(text)).toBe(flag);
    expect(readPlayoff(text)).toBe(flag);
  });

  it.each(['maybe', '2', '-1', 'w', 'x', 'nope', 'on'])('%j is no flag', (text) => {
    expect(readFlag(text)).toBeUndefined();
  });

  it("the playoff column also takes 538's round letters, and nothing else", () => {
    expect(['w', 'd', 'c', 'S'].map(readPlayoff)).toEqual([true, true, true, true]);
    expect(readPlayoff('x')).toBeUndefined();
  });
});

describe('franchise codes', () => {
  it('maps the codes of newer files to the history codes, the same for every reader', () => {
    expect(['LV', 'lvr', 'WAS', 'nwe', 'NE'].map((c) => franchiseCode.parse(c))).toEqual([
      'OAK',
      'OAK',
      'WSH',
      'NE',
      'NE',
    ]);
    expect(franchiseCode.safeParse('TOOLONG').success).toBe(false);
  });
});

describe('game rows', () => {
  it('reads a row, dropping the columns the model may not see', () => {
    expect(gameRowSchema.parse({ ...row, elo1: '1600', elo_prob1: '0.6', result1: '1' })).toEqual({
      date: '2021-09-12',
      season: 2021,
      neutral: false,
      playoff: false,
      team1: 'OAK',
      team2: 'BAL',
      score1: 33,
      score2: 27,
    });
  });

  it('stops a file at its first bad row, naming the line and the fields', () => {
    expect(() =>
      parseGameRows([row, { ...row, neutral: 'maybe', team2: 'B' }, { ...row, score2: '' }], 'nfl_elo.csv'),
    ).toThrow(
      new Error(
        'nfl_elo.csv: line 3: neutral: "maybe" is not a flag: use 1/0, true/false, t/f, yes/no, y/n, ' +
          'or empty for false; team2: a team code of 2-4 letters or digits',
      ),
    );
    expect(() => parseGameRows([row, { ...row, score2: '' }])).toThrow(
      new Error('csv: line 3: score2: give both scores (a final game) or neither (a scheduled game)'),
    );
  });
});
