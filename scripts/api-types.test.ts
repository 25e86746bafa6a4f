/**
 * openapi-typescript loads ESM that jest's CommonJS runtime cannot, so the check runs the generator
 * itself (tsx) and reads its verdict.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const committed = join(root, 'hosting', 'src', 'api', 'schema.ts');
const check = (against: string) =>
  spawnSync(
    join(root, 'node_modules', '.bin', 'tsx'),
    [join(root, 'scripts', 'api-types.ts'), '--check', '--against', against],
    { cwd: root, encoding: 'utf8' },
  );

it('hosting/src/api/schema.ts matches the OpenAPI document the functions serve (else: npm run api:types)', () => {
  const result = check(committed);
  expect(result.stdout.trim()).toBe('schema.ts is up to date');
  expect(result.status).toBe(0);
});

it('the check fails for types that no longer match the document', () => {
  const stale = join(mkdtempSync(join(tmpdir(), 'api-types-')), 'api-schema.ts');
  writeFileSync(stale, readFileSync(committed, 'utf8').replace('homeWinProbability', 'homeWinChance'));
  const result = check(stale);
  expect(result.status).toBe(1);
  expect(result.stdout).toContain('stale');
}, 60_000);
