import { CsvError, parseCsv } from '../../../src/domain/csv';

describe('parseCsv', () => {
  it('keys rows by the header', () => {
    expect(parseCsv('date,team1\n2017-09-07,NE\n2017-09-10,BUF\n')).toEqual({
      header: ['date', 'team1'],
      rows: [
        { date: '2017-09-07', team1: 'NE' },
        { date: '2017-09-10', team1: 'BUF' },
      ],
    });
  });
  it('handles quotes, doubled quotes, commas in quotes, CRLF, a BOM and a missing final newline', () => {
    const table = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n1,');
    expect(table.rows).toEqual([
      { a: 'x, y', b: 'say "hi"' },
      { a: '1', b: '' },
    ]);
  });
  it('rejects a row with the wrong number of fields, naming its line', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(new CsvError('line 3: 1 fields, the header has 2'));
  });
  it('rejects an unterminated quote and an empty file', () => {
    expect(() => parseCsv('a\n"oops\n')).toThrow(CsvError);
    expect(() => parseCsv('')).toThrow(CsvError);
  });
});
