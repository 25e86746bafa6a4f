/**
 * A small RFC 4180 CSV reader: quoted fields, doubled quotes, CRLF or LF line ends. The first
 * record is the header; each later record becomes an object keyed by it. Enough for game imports;
 * no streaming (imports are bounded by the request size).
 */

export interface CsvTable {
  header: string[];
  rows: Record<string, string>[];
}

export class CsvError extends Error {}

function records(text: string): string[][] {
  const out: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    if (!(record.length === 1 && record[0] === '')) out.push(record);
    record = [];
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n') endRecord();
    else if (ch !== '\r') field += ch;
    i += 1;
  }
  if (quoted) throw new CsvError('unterminated quoted field');
  if (field !== '' || record.length > 0) endRecord();
  return out;
}

export function parseCsv(text: string): CsvTable {
  const [header, ...body] = records(text.replace(/^\uFEFF/, ''));
  if (!header) throw new CsvError('empty CSV: expected a header line');
  const names = header.map((h) => h.trim());
  const rows = body.map((fields, index) => {
    if (fields.length !== names.length) {
      throw new CsvError(`line ${index + 2}: ${fields.length} fields, the header has ${names.length}`);
    }
    return Object.fromEntries(names.map((name, j) => [name, fields[j] as string]));
  });
  return { header: names, rows };
}
