import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJavaMajor } from './emulators';
import { upsertDotenv } from './stack';

describe('upsertDotenv', () => {
  const header = '# generated';
  const file = () => join(mkdtempSync(join(tmpdir(), 'dotenv-')), '.env.local');

  it('writes the values under a header into a new file', () => {
    const path = file();
    upsertDotenv(path, { A: '1', B: 'http://x' }, header);
    expect(readFileSync(path, 'utf8')).toBe('# generated\nA=1\nB=http://x\n');
  });

  it("replaces its own keys and keeps the developer's other lines", () => {
    const path = file();
    writeFileSync(path, 'MY_FLAG=on\nA=old\n# my note\n');
    upsertDotenv(path, { A: 'new' }, header);
    upsertDotenv(path, { A: 'newer' }, header);
    expect(readFileSync(path, 'utf8')).toBe('# generated\nA=newer\nMY_FLAG=on\n# my note\n');
  });
});

describe('parseJavaMajor', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('no java here')).toBeNull();
  });
});
