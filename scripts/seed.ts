/**
 * npm run seed (also run by npm start): the demo data, through the admin API as a real import would
 * go. NFL history through the 2016 season as final games, the 2017 season as scheduled games (scores
 * withheld), the trained model registered and activated, ratings computed. Idempotent: a second
 * run writes nothing new (imports skip unchanged games; an existing model version is kept).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../functions/src/domain/csv';
import { adminClient, toCsv, withoutTriggers } from './lib/api';
import { csvBody, expectOk } from '../hosting/src/api/client';
import { repoRoot } from './lib/paths';

export const LAST_FINAL_SEASON = 2016;
const CHUNK = 5000;

export function seedRows(): { header: string[]; rows: Record<string, string>[] } {
  const { header, rows } = parseCsv(
    readFileSync(join(repoRoot, 'data', 'nfl', 'nfl_games_1920_2017.csv'), 'utf8'),
  );
  return {
    header,
    rows: rows.map((r) =>
      Number(r.season) > LAST_FINAL_SEASON ? { ...r, score1: '', score2: '', result1: '' } : r,
    ),
  };
}

export async function seed(log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const api = await adminClient();
  const { header, rows } = seedRows();
  const total = { received: 0, created: 0, updated: 0, moved: 0, unchanged: 0 };
  // A history import would fire the games trigger once per game (each recomputing ratings); with
  // triggers paused, the ratings are computed once below instead.
  await withoutTriggers(async () => {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = toCsv(header, rows.slice(i, i + CHUNK));
      const result = await expectOk(
        api.POST('/v1/admin/games:import', { body: chunk, ...csvBody }),
        'import',
      );
      for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += result[k];
    }
  });
  log(
    `games: ${total.received} (${total.created} created, ${total.updated} updated, ${total.moved} moved, ${total.unchanged} unchanged)`,
  );

  const artifact = JSON.parse(readFileSync(join(repoRoot, 'models', 'nfl', 'model.json'), 'utf8')) as {
    metadata: { modelId: string; version: string };
  } & Record<string, unknown>;
  const { modelId, version } = artifact.metadata;
  const metrics = JSON.parse(readFileSync(join(repoRoot, 'models', 'nfl', 'metrics.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const model = { params: { path: { modelId } } };
  await expectOk(
    api.POST('/v1/models/{modelId}/versions', { ...model, body: { artifact, metrics } }),
    'upload',
  );
  await expectOk(api.POST('/v1/models/{modelId}/activate', { ...model, body: { version } }), 'activate');
  log(`model: ${modelId}@${version} active`);

  if (total.created + total.updated > 0) {
    // Queued for the ratings worker; a 202 means not done yet: asking again with the same key waits
    // again without queueing another recomputation.
    const rebuild = {
      params: { path: { sport: 'nfl' as const } },
      body: {},
      headers: { 'Idempotency-Key': `seed-${Date.now()}`, Prefer: 'wait=15' },
    };
    let rebuilt = await expectOk(
      api.POST('/v1/admin/sports/{sport}/ratings:rebuild', rebuild),
      'ratings rebuild',
    );
    while (rebuilt.status === 'queued') {
      rebuilt = await expectOk(
        api.POST('/v1/admin/sports/{sport}/ratings:rebuild', rebuild),
        'ratings rebuild',
      );
    }
    log(`ratings: ${rebuilt.finals} finals through ${rebuilt.lastFinalDate}`);
  } else {
    log('ratings: unchanged');
  }
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  seed((line) => console.log(`[seed] ${line}`)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
