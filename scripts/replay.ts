/**
 * npm run replay -- --until YYYY-MM-DD
 * Marks the seeded 2017 games up to that date final with their real scores, through the admin
 * import API, as a results feed would; the games trigger then updates ratings and grades stored
 * predictions.
 */
import { parseArgs } from 'node:util';
import { adminClient, toCsv } from './lib/api';
import { csvBody, expectOk } from '../hosting/src/api/client';
import { seedRows, LAST_FINAL_SEASON } from './seed';
import { parseCsv } from '../functions/src/domain/csv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './lib/paths';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { until: { type: 'string' } } });
  const until = values.until;
  if (!until || !/^\d{4}-\d{2}-\d{2}$/.test(until))
    throw new Error('usage: npm run replay -- --until YYYY-MM-DD');
  const { header } = seedRows();
  const all = parseCsv(readFileSync(join(repoRoot, 'data', 'nfl', 'nfl_games_1920_2017.csv'), 'utf8')).rows;
  const replayed = all.filter((r) => Number(r.season) > LAST_FINAL_SEASON && (r.date ?? '') <= until);
  if (replayed.length === 0) {
    console.log(`[replay] no withheld game on or before ${until}`);
    return;
  }
  const api = await adminClient();
  const result = await expectOk(
    api.POST('/v1/admin/games:import', { body: toCsv(header, replayed), ...csvBody }),
    'import',
  );
  console.log(
    `[replay] ${replayed.length} games through ${until}: ${result.updated + result.moved} newly final, ${result.unchanged} already final`,
  );
  if (result.updated + result.moved > 0)
    console.log('[replay] the games trigger now updates ratings and grades predictions');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
