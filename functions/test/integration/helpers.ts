import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { getApps, initializeApp } from 'firebase-admin/app';
import { withoutTriggers } from '../../../scripts/lib/api';
import type { Json } from '../support/json';
import { createRedis } from '../../src/cache/redis';
import { L2Cache } from '../../src/cache/l2';
import { ModelCache } from '../../src/ml/model-cache';
import { PredictionService } from '../../src/services/predictions';
import { grantedEntitlementDoc } from '../../src/data/billing';
import { SPORTS } from '../../src/data/games';
import { invalidateWeeks } from '../../src/services/weeks';
import { loadArtifact } from '../../src/services/registry';
import { getFirestore, type DocumentSnapshot, type Firestore } from 'firebase-admin/firestore';
import { idTokenFor } from '../../../scripts/lib/auth-emulator';
import { emulatorPorts } from '../../../scripts/lib/paths';

export { idTokenFor };

export const projectId = (): string => process.env.GCLOUD_PROJECT as string;

export function db(): Firestore {
  if (!getApps().some((a) => a.name === '[DEFAULT]')) initializeApp({ projectId: projectId() });
  return getFirestore();
}

async function deleteAllDocuments(): Promise<void> {
  const host = process.env.FIRESTORE_EMULATOR_HOST as string;
  const res = await fetch(
    `http://${host}/emulator/v1/projects/${projectId()}/databases/(default)/documents`,
    {
      method: 'DELETE',
    },
  );
  if (!res.ok) throw new Error(`clearing Firestore failed: ${res.status}`);
}

/**
 * Deletes every document in the Firestore emulator, with background triggers paused: the bulk
 * delete fires delete events, whose triggers would otherwise write aggregates (a count of -1) after
 * the clear. Resuming triggers makes the Functions emulator reload them (about 5 s), so call this
 * once per file (`beforeAll(clearFirestore, 30_000)`), and give each test its own documents.
 */
export async function clearFirestore(): Promise<void> {
  await gamesWrittenWithoutTriggers(deleteAllDocuments);
}

/** clearFirestore, then `work` before triggers resume (one reload instead of two). */
export async function clearFirestoreThen(work: () => Promise<void>): Promise<void> {
  await gamesWrittenWithoutTriggers(async () => {
    await deleteAllDocuments();
    await work();
  });
}

/**
 * Writes games with triggers paused, then does what the games trigger would have done for the
 * cached week answers (Redis outlives Firestore's clears): bumps every sport's weeks version.
 */
async function gamesWrittenWithoutTriggers(work: () => Promise<void>): Promise<void> {
  await withoutTriggers(work);
  await freshAnonymousAllowance();
  // The reload left every trigger without a worker; the emulator starts one on a trigger's first
  // event (several seconds here). Start the ratings worker's now, with a write it ignores, so a
  // ratings rebuild asked for next does not wait for that start (deployed instances stay warm).
  await db().doc('ops/ratings_warmup').set({ at: new Date() });
  await invalidateWeeks(new L2Cache(() => testRedis()), SPORTS);
}

/**
 * Every anonymous request of the suite comes from 127.0.0.1: one rate-limit bucket (120 at once,
 * then 2 a second) that one file's page loads and polls can leave empty for the next. A file that
 * clears starts with it full again: its Redis keys go (the `rl:v1:*` keys of `ip:` callers only),
 * right after the trigger reload that ended every api worker and the blocks they held.
 */
async function freshAnonymousAllowance(): Promise<void> {
  const redis = testRedis();
  let cursor: string | number = 0;
  const keys: string[] = [];
  do {
    const [next, found]: [string | number, string[]] = await redis.scan(cursor, {
      match: 'rl:v1:*',
      count: 1000,
    });
    keys.push(...found.filter((k) => k.includes(':ip:')));
    cursor = next;
  } while (String(cursor) !== '0');
  if (keys.length > 0) await redis.del(...keys);
}

/** The uid inside an ID token (the tests' own tokens; the API verifies them properly). */
export function uidOf(idToken: string): string {
  const payload = JSON.parse(Buffer.from(idToken.split('.')[1] as string, 'base64url').toString('utf8')) as {
    user_id: string;
  };
  return payload.user_id;
}

/**
 * A token for a user of `tier`: a paid tier is granted the way an admin does it in the console, by
 * writing entitlements/{uid} (the onEntitlementWritten trigger invalidates its cache and sets the
 * claim). Grant before the user's first request, or allow the cache's second to pass.
 */
export async function tokenWithTier(
  email: string,
  tier: 'free' | 'pro' | 'elite',
  opts: { admin?: boolean } = {},
): Promise<string> {
  const token = await idTokenFor(email, opts);
  const uid = uidOf(token);
  const ref = db().collection('entitlements').doc(uid);
  if (tier === 'free') await ref.delete();
  else await ref.set(grantedEntitlementDoc(uid, tier));
  return token;
}

/** A page of the web app, as the Hosting emulator serves it. */
export function webUrl(path = '/'): string {
  return `http://127.0.0.1:${emulatorPorts().hosting}${path}`;
}

/** The api function through the Hosting rewrite (`/api/v1/...`) or called directly (`/v1/...`). */
export function apiUrl(path: string, via: 'hosting' | 'direct' = 'hosting'): string {
  const ports = emulatorPorts();
  return via === 'hosting'
    ? `http://127.0.0.1:${ports.hosting}/api${path}`
    : `http://127.0.0.1:${ports.functions}/${projectId()}/us-central1/api${path}`;
}

/**
 * Polls until `read` returns a value `done` accepts; fails with the last value seen. The default
 * bound is for waiting on a trigger: the Functions emulator sometimes takes 10-20 s to start a
 * trigger's worker on this 2-core machine (seen after a file's clearFirestore reload), so a
 * trigger-dependent wait is only a failure well past that. Polling the API anonymously, give a
 * longer `intervalMs`: every anonymous request of the suite comes from 127.0.0.1, one rate-limit
 * bucket (120 at once, then 2 a second), which 10 polls a second empty while a trigger's worker starts.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 45_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await read();
  }
  return last;
}

export const repoRoot = join(__dirname, '..', '..', '..');

export function readRepoJson(...path: string[]): Json {
  return JSON.parse(readFileSync(join(repoRoot, ...path), 'utf8'));
}

/** The shared NFL file from `firstSeason` on, with the 2017 season's scores withheld (scheduled). */
export function nflSeasonsCsv(firstSeason: number): string {
  const [header, ...lines] = readFileSync(join(repoRoot, 'data', 'nfl', 'nfl_games_1920_2017.csv'), 'utf8')
    .trim()
    .split('\n');
  const kept = lines
    .filter((l) => Number(l.split(',')[1]) >= firstSeason)
    .map((l) => {
      const c = l.split(',');
      if (c[1] === '2017') c[9] = c[10] = '';
      return c.join(',');
    });
  return [header, ...kept].join('\n');
}

/** POST to the api through Hosting as `token`'s user: a string body is sent as CSV, anything else as JSON. */
export function postAs(path: string, token: string, body: unknown): Promise<Response> {
  return fetch(apiUrl(path), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': typeof body === 'string' ? 'text/csv' : 'application/json',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * Games whose stored prediction and Elo-only number differ by 10 points or more: the set that must
 * carry a model-vs-ratings insight, recomputed from the prediction documents.
 */
export function disagreeingGameIds(predictions: readonly DocumentSnapshot[]): string[] {
  return predictions
    .filter(
      (d) =>
        Math.abs((d.get('homeWinProbability') as number) - (d.get('eloHomeWinProbability') as number)) >= 0.1,
    )
    .map((d) => d.get('gameId') as string)
    .sort();
}

/**
 * Imports the games (triggers paused, as the seed does), registers and activates the model, rebuilds
 * ratings. `clearFirst` empties Firestore in the same pause (saves a trigger reload, ~5 s).
 */
export async function seedNfl(
  adminToken: string,
  csv: string,
  artifact: Json,
  opts: { clearFirst?: boolean } = {},
): Promise<void> {
  const post = (path: string, body: unknown) => postAs(path, adminToken, body);
  const expectOk = async (res: Promise<Response>, what: string) => {
    const r = await res;
    if (!r.ok) throw new Error(`${what}: HTTP ${r.status} ${await r.text()}`);
  };
  const phases = seedPhases();
  const importGames = () => expectOk(post('/v1/admin/games:import', csv), 'import');
  await (opts.clearFirst ? clearFirestoreThen(importGames) : gamesWrittenWithoutTriggers(importGames));
  phases.mark('import');
  await expectOk(post('/v1/models/nfl-wp/versions', { artifact }), 'model upload');
  await expectOk(post('/v1/models/nfl-wp/activate', { version: artifact.metadata.version }), 'activate');
  phases.mark('model');
  // Queued for the ratings worker (onRatingsQueued); 202 = not done yet: the same key waits again.
  const key = `seed-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  for (;;) {
    const res = await fetch(apiUrl('/v1/admin/sports/nfl/ratings:rebuild'), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${adminToken}`,
        'content-type': 'application/json',
        'idempotency-key': key,
        prefer: 'wait=15',
      },
      body: '{}',
    });
    if (!res.ok) throw new Error(`ratings rebuild: HTTP ${res.status} ${await res.text()}`);
    if (res.status === 200) {
      phases.mark('rebuild');
      phases.record();
      return;
    }
  }
}

/**
 * Where a seed's time goes (clear and import with triggers paused, model upload and activation, the
 * ratings rebuild through the worker), one line per seed in .test-results/seeds.jsonl: `npm test`
 * sums them in its summary, since seeds are much of the suite's time outside the tests themselves.
 */
function seedPhases() {
  const ms: Record<string, number> = {};
  let last = performance.now();
  return {
    mark(phase: string) {
      ms[phase] = Math.round(performance.now() - last);
      last = performance.now();
    },
    record() {
      const file = basename(expect.getState().testPath ?? 'unknown').replace(/\.test\.ts$/, '');
      mkdirSync(join(repoRoot, '.test-results'), { recursive: true });
      appendFileSync(join(repoRoot, '.test-results', 'seeds.jsonl'), `${JSON.stringify({ file, ms })}\n`);
    },
  };
}

/** The real Upstash client of the test stack (the same server the emulated functions use). */
export function testRedis() {
  return createRedis({
    url: process.env.UPSTASH_REDIS_REST_URL as string,
    token: process.env.UPSTASH_REDIS_REST_TOKEN as string,
    timeoutMs: 1000,
  });
}

/** "A fresh instance": a prediction service in this process over the same Firestore and Redis. */
export function freshPredictionService(redis = testRedis()): PredictionService {
  return new PredictionService({
    db,
    l2: new L2Cache(() => redis),
    models: new ModelCache((modelId, version) => loadArtifact(db(), modelId, version)),
    l1MaxBytes: 1e7,
    batchWindowMs: 0,
    batchMaxSize: 512,
  });
}
