/**
 * The benchmark driver, run by scripts/bench/run.ts inside `firebase emulators:exec --only
 * firestore,auth` with Redis and the Upstash REST server up. It serves the built `api` with
 * @google-cloud/functions-framework (what 2nd-gen functions run on), seeds it through the admin API,
 * drives each scenario with autocannon, and writes BENCHMARKS.md and .cache/bench/results.json.
 * Latencies are recorded from autocannon's per-response hrtime (sub-millisecond), not its
 * whole-millisecond histogram.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { idTokenFor } from '../lib/auth-emulator';
import { cacheDir, functionsDir, repoRoot } from '../lib/paths';
import { freePort, stopGroup, waitFor } from '../lib/process';
import { toCsv } from '../lib/api';
import { apiClient, csvBody, expectOk } from '../../hosting/src/api/client';
import { parseCsv } from '../../functions/src/domain/csv';
import { grantedEntitlementDoc } from '../../functions/src/data/billing';

const FIRST_SEASON = 2000;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = 8;

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

interface Row {
  scenario: string;
  requests: number;
  p50: number;
  p99: number;
  rps: number;
  note?: string;
}

const rows: Row[] = [];
const facts: Record<string, unknown> = {};
const log = (line: string): void => console.log(`[bench] ${line}`);

function functionsEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(functionsDir, '.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  return env;
}

async function startServer(
  name: string,
  overrides: Record<string, string>,
  target = 'api',
  source = functionsDir,
): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    join(repoRoot, 'node_modules', '.bin', 'functions-framework'),
    [`--target=${target}`, `--source=${source}`, `--port=${port}`],
    {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        ...functionsEnv(),
        UPSTASH_REDIS_REST_URL: process.env.BENCH_UPSTASH_URL ?? '',
        UPSTASH_REDIS_REST_TOKEN: process.env.BENCH_UPSTASH_TOKEN ?? '',
        NODE_ENV: 'production',
        METADATA_SERVER_DETECTION: 'none',
        // Limits x1000: the limiter does all its work (block reservations, local spending) but the
        // bench's single users never reach a 429 over 100k requests.
        RATE_LIMIT_SCALE: '1000',
        ...overrides,
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const probe = target === 'api' ? `${url}/v1/ping` : url;
  await waitFor(
    async () => {
      try {
        return (await fetch(probe)).status < 500 || target !== 'api';
      } catch {
        return false;
      }
    },
    `functions-framework (${name})`,
    30_000,
    50,
  );
  return { name, url, child, stop: () => stopGroup(child, 5_000) };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

interface LoadOptions {
  url: string;
  connections?: number;
  duration?: number;
  amount?: number;
  requests?: autocannon.Request[];
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
}

/** Runs autocannon; returns precise latency percentiles and counts of X-Cache values. */
async function load(opts: LoadOptions): Promise<{
  p50: number;
  p99: number;
  rps: number;
  n: number;
  non2xx: number;
  cache: Record<string, number>;
}> {
  const latencies: number[] = [];
  const cache: Record<string, number> = {};
  const requests: autocannon.Request[] = (opts.requests ?? [{}]).map((r) => ({
    ...r,
    onResponse: (
      _status: number,
      _body: string,
      _context: object,
      headers?: Record<string, string | string[] | undefined>,
    ) => {
      const name = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === 'x-cache');
      const level = name ? headers?.[name] : undefined;
      if (typeof level === 'string') cache[level] = (cache[level] ?? 0) + 1;
    },
  }));
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections ?? CONNECTIONS,
        ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? DURATION_S }),
        headers: opts.headers ?? {},
        method: opts.method ?? 'GET',
        ...(opts.body ? { body: opts.body } : {}),
        requests,
      },
      (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status < 300) latencies.push(responseTime);
    });
  });
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    rps: result.requests.average,
    n: result.requests.total,
    non2xx: result.non2xx,
    cache,
  };
}

function record(
  scenario: string,
  r: { p50: number; p99: number; rps: number; n: number; non2xx?: number },
  note?: string,
): void {
  if (r.non2xx) throw new Error(`${scenario}: ${r.non2xx} non-2xx responses`);
  rows.push({ scenario, requests: r.n, p50: r.p50, p99: r.p99, rps: r.rps, ...(note ? { note } : {}) });
  log(
    `${scenario}: p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, ${r.rps.toFixed(0)} req/s (${r.n})`,
  );
}

/** Zipf(s) sampler over n ranks (rank 0 most popular), seeded. */
function zipf(n: number, s: number, seed: number): () => number {
  const weights = Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  let x = seed >>> 0;
  const rand = () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function runtime(
  server: Server,
  admin: string,
): Promise<{
  predictions: { batcher: { calls: number; items: number }; l1: { hits: number; misses: number } };
  models: { numTensors: number };
  rateLimiter: { checks: number; redisCalls: number };
  memory: { rss: number };
}> {
  // The runtime counters are free-form in the contract (Runtime): this is what the bench reads of them.
  return (await expectOk(apiClient(server.url, admin).GET('/v1/admin/runtime'), 'runtime')) as never;
}

/** What one storage round trip costs here, from this process: the unit every miss is made of. */
async function referenceRows(gameId: string): Promise<void> {
  const { getFirestore } = await import('firebase-admin/firestore');
  const { Redis } = await import('@upstash/redis');
  const db = getFirestore();
  const redis = new Redis({
    url: process.env.BENCH_UPSTASH_URL,
    token: process.env.BENCH_UPSTASH_TOKEN,
    enableTelemetry: false,
  });
  const time = async (name: string, op: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let k = 0; k < 300; k++) {
      const t0 = performance.now();
      await op();
      samples.push(performance.now() - t0);
    }
    samples.sort((x, y) => x - y);
    const p50 = percentile(samples.slice(50), 0.5);
    rows.push({
      scenario: name,
      requests: 250,
      p50,
      p99: percentile(samples.slice(50), 0.99),
      rps: 1000 / p50,
      note: 'reference, 1 client, sequential',
    });
    log(`${name}: p50 ${p50.toFixed(3)} ms`);
  };
  await time('reference: one Firestore (emulator) document read', () => db.doc(`games/${gameId}`).get());
  await time('reference: one Upstash REST GET (local server + redis)', () => redis.get(`bench:${gameId}`));
}

/** CPU time (user + system) the server process has used so far, in ms, from /proc (Linux). */
function processCpuMs(server: Server): number {
  const stat = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat (12 and 13 after the command name), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Grants a tier the way an admin does in the console: entitlements/{uid}. */
async function grant(token: string, tier: 'pro' | 'elite'): Promise<void> {
  const { getFirestore } = await import('firebase-admin/firestore');
  const uid = (
    JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as {
      user_id: string;
    }
  ).user_id;
  await getFirestore().doc(`entitlements/${uid}`).set(grantedEntitlementDoc(uid, tier));
}

/**
 * The limiter alone, in this process against the same Redis: a hot caller's checks (blocks grow to
 * their cap), and a crowd of callers with one request each (every check reserves).
 */
async function limiterRows(): Promise<void> {
  const { Redis } = await import('@upstash/redis');
  const { L2Cache } = await import('../../functions/src/cache/l2');
  const { RateLimiter } = await import('../../functions/src/services/rate-limiter');
  const redis = new Redis({
    url: process.env.BENCH_UPSTASH_URL,
    token: process.env.BENCH_UPSTASH_TOKEN,
    enableTelemetry: false,
  });
  const measure = async (
    key: 'hot' | 'hotFree' | 'crowd',
    name: string,
    n: number,
    identifier: (k: number) => string,
    note: string,
  ) => {
    const limiter = new RateLimiter(() => redis, new L2Cache(() => redis), 1000);
    const samples: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      await limiter.check(identifier(k), key === 'hotFree' ? 'free' : 'elite', 1);
      samples.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    const stats = limiter.stats();
    samples.sort((x, y) => x - y);
    const p50 = percentile(samples, 0.5);
    facts[`limiter_${key}`] = {
      redisCallsPer1000: (1000 * stats.redisCalls) / n,
      cpuUsPerCheck: (cpu.user + cpu.system) / n,
    };
    rows.push({
      scenario: `rate limiter alone: ${name}`,
      requests: n,
      p50,
      p99: percentile(samples, 0.99),
      rps: 1000 / p50,
      note: `${((1000 * stats.redisCalls) / n).toFixed(1)} Redis calls per 1,000 checks; ${((cpu.user + cpu.system) / n).toFixed(1)} µs CPU per check; ${note}`,
    });
    log(
      `limiter ${name}: p50 ${(p50 * 1000).toFixed(1)} µs, ${stats.redisCalls} Redis calls for ${n} checks`,
    );
  };
  await measure(
    'hot',
    'one hot elite caller (blocks of at most 120 and 10,000)',
    100_000,
    () => 'bench-hot',
    'in process, sequential',
  );
  await measure(
    'hotFree',
    'one hot free caller (blocks of at most 12 and 100)',
    100_000,
    () => 'bench-hot-free',
    'in process, sequential',
  );
  await measure(
    'crowd',
    '1,000 callers, one request each',
    1_000,
    (k) => `bench-crowd-${k}`,
    'in process, sequential',
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const { initializeApp } = await import('firebase-admin/app');
  initializeApp({ projectId: process.env.GCLOUD_PROJECT as string });
  const admin = await idTokenFor('bench-admin@example.com', { admin: true });
  // Elite: every feature (the full prediction, batches of 500). Free: the shaped view.
  const user = await idTokenFor('bench-user@example.com');
  await grant(user, 'elite');
  const free = await idTokenFor('bench-free@example.com');
  const auth = { authorization: `Bearer ${user}` };

  // Data: seasons FIRST_SEASON..2016 final, 2017 scheduled; the committed model; ratings.
  const table = parseCsv(readFileSync(join(repoRoot, 'data', 'nfl', 'nfl_games_1920_2017.csv'), 'utf8'));
  const seasonRows = table.rows
    .filter((r) => Number(r.season) >= FIRST_SEASON)
    .map((r) => (r.season === '2017' ? { ...r, score1: '', score2: '' } : r));
  const gameIds = seasonRows.map((r) => `nfl_${r.date}_${r.team1}_${r.team2}`);
  const artifact = JSON.parse(readFileSync(join(repoRoot, 'models', 'nfl', 'model.json'), 'utf8')) as {
    metadata: { version: string };
  } & Record<string, unknown>;

  let a = await startServer('default', {});
  const api = apiClient(a.url, admin);
  const model = { params: { path: { modelId: 'nfl-wp' } } };
  await expectOk(
    api.POST('/v1/admin/games:import', { body: toCsv(table.header, seasonRows), ...csvBody }),
    'import',
  );
  await expectOk(api.POST('/v1/models/{modelId}/versions', { ...model, body: { artifact } }), 'upload');
  await expectOk(
    api.POST('/v1/models/{modelId}/activate', { ...model, body: { version: artifact.metadata.version } }),
    'activate',
  );
  await expectOk(
    api.POST('/v1/admin/sports/{sport}/ratings:rebuild', { params: { path: { sport: 'nfl' } }, body: {} }),
    'ratings rebuild',
  );
  log(`seeded ${gameIds.length} games (${FIRST_SEASON}-2017)`);
  // Each scenario below uses games no earlier scenario asked for, so "miss" really misses.
  let next = 0;
  const take = (n: number): string[] => {
    const out = gameIds.slice(next, next + n);
    if (out.length < n) throw new Error('not enough distinct games for the scenarios');
    next += n;
    return out;
  };
  const predictionPath = (id: string) => `/v1/games/${id}/prediction`;

  // Warm the instance (first requests pay for module init, backend and model load).
  const warm = take(1)[0] as string;
  // Reserved now, so the Zipf runs below never touch them.
  const coldGame = take(1)[0] as string;
  const concurrentGames = { on: [take(50), take(50), take(50)], off: [take(50), take(50), take(50)] };
  await fetch(`${a.url}${predictionPath(warm)}`, { headers: auth });

  await fetch(`${a.url}${predictionPath(warm)}`, { headers: { authorization: `Bearer ${free}` } });

  await referenceRows(gameIds[0] as string);
  await limiterRows();
  // Floor, floor + auth and L1 hits alternate over three rounds and the medians are compared, so
  // drift on a shared 2-core machine hits all alike. /v1/ping is unmetered (the floor); /v1/me and
  // the L1 hits pass the tier lookup and the rate limiter.
  type Run = Awaited<ReturnType<typeof load>>;
  const rounds: { floor: Run[]; auth: Run[]; l1: Run[]; l1Free: Run[] } = {
    floor: [],
    auth: [],
    l1: [],
    l1Free: [],
  };
  const slice = Math.max(2, DURATION_S / 2);
  const limiterBefore = (await runtime(a, admin)).rateLimiter;
  // The api process's own CPU time per request: queueing on this shared machine inflates latency,
  // not this. (Includes what Redis calls cost the api process, not the local Upstash server.)
  const cpu: Record<keyof typeof rounds, { ms: number; n: number }> = {
    floor: { ms: 0, n: 0 },
    auth: { ms: 0, n: 0 },
    l1: { ms: 0, n: 0 },
    l1Free: { ms: 0, n: 0 },
  };
  const measured = async (key: keyof typeof rounds, opts: LoadOptions) => {
    const before = processCpuMs(a);
    const run = await load(opts);
    cpu[key].ms += processCpuMs(a) - before;
    cpu[key].n += run.n;
    rounds[key].push(run);
  };
  for (let round = 0; round < 3; round++) {
    await measured('floor', { url: `${a.url}/v1/ping`, duration: slice });
    await measured('auth', { url: `${a.url}/v1/me`, headers: auth, duration: slice });
    await measured('l1', { url: `${a.url}${predictionPath(warm)}`, headers: auth, duration: slice });
    await measured('l1Free', {
      url: `${a.url}${predictionPath(warm)}`,
      headers: { authorization: `Bearer ${free}` },
      duration: slice,
    });
  }
  const cpuUs = (key: keyof typeof rounds) => (1000 * cpu[key].ms) / cpu[key].n;
  for (const key of Object.keys(cpu) as (keyof typeof rounds)[]) facts[`cpuUs_${key}`] = cpuUs(key);
  const limiterAfter = (await runtime(a, admin)).rateLimiter;
  const limiterChecks = limiterAfter.checks - limiterBefore.checks;
  facts.apiLimiterRedisPer1000 =
    (1000 * (limiterAfter.redisCalls - limiterBefore.redisCalls)) / limiterChecks;
  const median = (runs: Run[]) => {
    const mid = (f: (r: Run) => number) => runs.map(f).sort((x, y) => x - y)[1] as number;
    return {
      p50: mid((r) => r.p50),
      p99: mid((r) => r.p99),
      rps: mid((r) => r.rps),
      n: runs.reduce((t, r) => t + r.n, 0),
    };
  };
  const hotCache: Record<string, number> = {};
  for (const r of rounds.l1)
    for (const [k, v] of Object.entries(r.cache)) hotCache[k] = (hotCache[k] ?? 0) + v;
  const cpuNote = (key: keyof typeof rounds) =>
    `median of 3 alternating rounds; api CPU ${cpuUs(key).toFixed(0)} µs/request (${(cpuUs(key) / cpuUs('floor')).toFixed(2)}x the floor's)`;
  record('floor: GET /v1/ping (no work)', median(rounds.floor), cpuNote('floor'));
  record(
    'floor + auth: GET /v1/me (ID token, tier lookup, rate limit)',
    median(rounds.auth),
    cpuNote('auth'),
  );
  record(
    'L1 hit (elite: full view; tier lookup + rate limit)',
    median(rounds.l1),
    `${cpuNote('l1')}; X-Cache ${JSON.stringify(hotCache)}; the limiter asked Redis ${(
      facts.apiLimiterRedisPer1000 as number
    ).toFixed(2)} times per 1,000 metered requests`,
  );
  record('L1 hit (free: shaped view, no interval or explanation)', median(rounds.l1Free), cpuNote('l1Free'));

  // Misses: each request a game never asked for (sequential, then 8 connections).
  const missOne = take(300);
  let i = 0;
  const seqMiss = await load({
    url: a.url,
    connections: 1,
    amount: missOne.length,
    headers: auth,
    requests: [
      { setupRequest: (req) => ({ ...req, path: predictionPath(missOne[i++ % missOne.length] as string) }) },
    ],
  });
  record('miss (1 connection, distinct games)', seqMiss, `X-Cache ${JSON.stringify(seqMiss.cache)}`);
  const missMany = take(800);
  let j = 0;
  const parMiss = await load({
    url: a.url,
    amount: missMany.length,
    headers: auth,
    requests: [
      {
        setupRequest: (req) => ({ ...req, path: predictionPath(missMany[j++ % missMany.length] as string) }),
      },
    ],
  });
  record('miss (8 connections, distinct games)', parMiss, `X-Cache ${JSON.stringify(parMiss.cache)}`);
  const singlesGamesPerS = parMiss.rps;

  // Batch of 500 misses.
  const batchLatencies: number[] = [];
  for (let round = 0; round < 3; round++) {
    const ids = take(500);
    const t0 = performance.now();
    const body = await expectOk(
      apiClient(a.url, user).POST('/v1/predictions:batch', { body: { gameIds: ids } }),
      'batch',
    );
    batchLatencies.push(performance.now() - t0);
    if (body.predictions.length !== 500) throw new Error(`batch answered ${body.predictions.length} of 500`);
  }
  batchLatencies.sort((x, y) => x - y);
  const batchMs = percentile(batchLatencies, 0.5);
  const batchGamesPerS = (500 / batchMs) * 1000;
  rows.push({
    scenario: 'batch of 500 (misses), per request',
    requests: batchLatencies.length,
    p50: batchMs,
    p99: batchLatencies[batchLatencies.length - 1] as number,
    rps: 1000 / batchMs,
    note: `${batchGamesPerS.toFixed(0)} games/s = ${(batchGamesPerS / singlesGamesPerS).toFixed(1)}x single misses (8 connections)`,
  });
  facts.batchVsSingles = batchGamesPerS / singlesGamesPerS;
  log(`batch of 500: ${batchMs.toFixed(1)} ms, ${batchGamesPerS.toFixed(0)} games/s`);

  // 50 concurrent distinct misses, micro-batching on (this server) vs off (below).
  const concurrent = async (server: Server, label: 'on' | 'off') => {
    const before = (await runtime(server, admin)).predictions.batcher.calls;
    const walls: number[] = [];
    for (const ids of concurrentGames[label]) {
      const t0 = performance.now();
      const res = await Promise.all(
        ids.map((id) => fetch(`${server.url}${predictionPath(id)}`, { headers: auth })),
      );
      walls.push(performance.now() - t0);
      if (res.some((r) => r.status !== 200)) throw new Error(`${label}: a concurrent miss failed`);
    }
    const calls = (await runtime(server, admin)).predictions.batcher.calls - before;
    walls.sort((x, y) => x - y);
    rows.push({
      scenario: `50 concurrent distinct misses, batching ${label}`,
      requests: 150,
      p50: percentile(walls, 0.5),
      p99: walls[walls.length - 1] as number,
      rps: (50 / percentile(walls, 0.5)) * 1000,
      note: `${calls} model calls for 150 predictions; p50/p99 = wall time of a round of 50`,
    });
    facts[`modelCalls50_${label}`] = calls / 3;
    log(
      `50 concurrent misses, batching ${label}: ${percentile(walls, 0.5).toFixed(1)} ms per round, ${calls} model calls / 150`,
    );
  };
  await concurrent(a, 'on');

  // Zipf workload over every seeded game still unasked (hit rate), then 100k requests (RSS, tensors).
  const universe = gameIds.slice(next);
  const sample = zipf(universe.length, 1.1, 42);
  const zipfRun = await load({
    url: a.url,
    amount: 20_000,
    headers: auth,
    requests: [{ setupRequest: (req) => ({ ...req, path: predictionPath(universe[sample()] as string) }) }],
  });
  const hitRate = (cache: Record<string, number>) =>
    ((cache.l1 ?? 0) + (cache.l2 ?? 0) + (cache.l3 ?? 0)) / Object.values(cache).reduce((x, y) => x + y, 0);
  facts.zipfColdHitRate = hitRate(zipfRun.cache);
  record(
    `Zipf(1.1) over ${universe.length} games, first 20k requests (cold caches)`,
    zipfRun,
    `hit rate ${(100 * (facts.zipfColdHitRate as number)).toFixed(1)}%; every first request of a game must miss (X-Cache ${JSON.stringify(zipfRun.cache)})`,
  );
  const warmState = await runtime(a, admin);
  const long = await load({
    url: a.url,
    amount: 100_000,
    headers: auth,
    requests: [{ setupRequest: (req) => ({ ...req, path: predictionPath(universe[sample()] as string) }) }],
  });
  const endState = await runtime(a, admin);
  facts.rssStartMB = warmState.memory.rss / 2 ** 20;
  facts.rssEndMB = endState.memory.rss / 2 ** 20;
  facts.rssDrift = (endState.memory.rss - warmState.memory.rss) / warmState.memory.rss;
  facts.tensorsStart = warmState.models.numTensors;
  facts.tensorsEnd = endState.models.numTensors;
  facts.zipfHitRate = hitRate(long.cache);
  record(
    '100k requests (Zipf), after those 20k',
    long,
    `hit rate ${(100 * (facts.zipfHitRate as number)).toFixed(2)}%; RSS ${(facts.rssStartMB as number).toFixed(0)} -> ${(facts.rssEndMB as number).toFixed(0)} MB (${(
      100 * (facts.rssDrift as number)
    ).toFixed(1)}%), tensors ${warmState.models.numTensors} -> ${endState.models.numTensors}`,
  );
  await a.stop();

  const noBatch = await startServer('no-batching', { PREDICTION_BATCH_MAX: '1' });
  await fetch(`${noBatch.url}${predictionPath(warm)}`, { headers: auth });
  await concurrent(noBatch, 'off');
  await noBatch.stop();

  // L2: L1 off. L3: L1 off and no Redis.
  const l2 = await startServer('l2', { PREDICTION_L1_MAX_BYTES: '0' });
  await fetch(`${l2.url}${predictionPath(warm)}`, { headers: auth });
  const l2Run = await load({ url: `${l2.url}${predictionPath(warm)}`, headers: auth });
  record('L2 hit (L1 off)', l2Run, `X-Cache ${JSON.stringify(l2Run.cache)}`);
  await l2.stop();
  const l3 = await startServer('l3', { PREDICTION_L1_MAX_BYTES: '0', UPSTASH_REDIS_REST_URL: '' });
  await fetch(`${l3.url}${predictionPath(warm)}`, { headers: auth });
  const l3Run = await load({ url: `${l3.url}${predictionPath(warm)}`, headers: auth });
  record('L3 hit (L1 off, no Redis)', l3Run, `X-Cache ${JSON.stringify(l3Run.cache)}`);
  await l3.stop();

  // The naive path: model loaded and Firestore read on every request.
  const naive = await startServer('naive', {}, 'naive', join(repoRoot, 'scripts', 'bench', 'naive'));
  const naiveRun = await load({
    url: `${naive.url}/?gameId=${warm}`,
    connections: 4,
    duration: Math.min(DURATION_S, 5),
  });
  record('naive: load model + read Firestore per request', naiveRun);
  await naive.stop();

  // Cold start: spawn to the first prediction of a game nobody asked for.
  const t0 = performance.now();
  a = await startServer('cold', {});
  const listening = performance.now() - t0;
  const res = await fetch(`${a.url}${predictionPath(coldGame)}`, { headers: auth });
  const coldMs = performance.now() - t0;
  if (res.status !== 200) throw new Error(`cold start prediction: ${res.status}`);
  facts.coldStartMs = coldMs;
  facts.coldListeningMs = listening;
  rows.push({
    scenario: 'cold start to first prediction (miss)',
    requests: 1,
    p50: coldMs,
    p99: coldMs,
    rps: NaN,
    note: `process listening after ${listening.toFixed(0)} ms; X-Cache ${res.headers.get('x-cache')}`,
  });
  await a.stop();

  facts.durationS = (Date.now() - started) / 1000;
  writeReport();
}

function writeReport(): void {
  const byName = (prefix: string) => rows.find((r) => r.scenario.startsWith(prefix)) as Row;
  const floor = byName('floor: GET /v1/ping');
  const floorAuth = byName('floor + auth');
  const l1 = byName('L1 hit (elite');
  const l1Free = byName('L1 hit (free');
  const naive = byName('naive');
  const lines: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  lines.push('# Benchmarks', '');
  lines.push(
    'Written by `npm run bench` (scripts/bench); do not edit by hand. The built `api` is served by',
    '@google-cloud/functions-framework (the stack 2nd-gen functions run on) against the Firestore and',
    'Auth emulators and a local redis-server behind the Upstash REST server; autocannon drives it from',
    `the same machine (${CONNECTIONS} connections unless noted). Latencies are per-response hrtime.`,
    '',
  );
  lines.push(
    `Machine: ${cpus().length} x ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; run took ${(
      facts.durationS as number
    ).toFixed(0)} s.`,
    '',
  );
  lines.push(
    '| scenario | requests | p50 ms | p99 ms | req/s | p50 / floor | notes |',
    '|---|---:|---:|---:|---:|---:|---|',
  );
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.requests} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${Number.isNaN(r.rps) ? '' : r.rps.toFixed(0)} | ${(
        r.p50 / floor.p50
      ).toFixed(2)} | ${r.note ?? ''} |`,
    );
  }
  const targets: [string, string, boolean][] = [
    [
      'L1 hit p50 and p99 within 1.3x the floor',
      `p50 ${(l1.p50 / floor.p50).toFixed(2)}x, p99 ${(l1.p99 / floor.p99).toFixed(2)}x the floor; ${(l1.p50 / floorAuth.p50).toFixed(2)}x / ${(
        l1.p99 / floorAuth.p99
      ).toFixed(2)}x the floor with the same ID-token check`,
      l1.p50 <= 1.3 * floor.p50 && l1.p99 <= 1.3 * floor.p99,
    ],
    [
      'L1 hit within 1.3x the floor in api CPU time per request (queueing-free)',
      `elite ${((facts.cpuUs_l1 as number) / (facts.cpuUs_floor as number)).toFixed(2)}x, free (shaped) ${(
        (facts.cpuUs_l1Free as number) / (facts.cpuUs_floor as number)
      ).toFixed(2)}x the floor's ${(facts.cpuUs_floor as number).toFixed(0)} µs`,
      (facts.cpuUs_l1 as number) <= 1.3 * (facts.cpuUs_floor as number) &&
        (facts.cpuUs_l1Free as number) <= 1.3 * (facts.cpuUs_floor as number),
    ],
    [
      'L1 hit shaped for the free tier within 1.3x the floor',
      `p50 ${(l1Free.p50 / floor.p50).toFixed(2)}x, p99 ${(l1Free.p99 / floor.p99).toFixed(2)}x the floor`,
      l1Free.p50 <= 1.3 * floor.p50 && l1Free.p99 <= 1.3 * floor.p99,
    ],
    [
      'rate limiting adds no Redis round trip per request',
      `${(facts.apiLimiterRedisPer1000 as number).toFixed(2)} Redis calls per 1,000 hot-path requests in the api; alone, ${(
        facts.limiter_hot as { redisCallsPer1000: number }
      ).redisCallsPer1000.toFixed(1)} per 1,000 checks of one hot caller, ${(
        facts.limiter_crowd as { redisCallsPer1000: number }
      ).redisCallsPer1000.toFixed(0)} for callers seen once`,
      (facts.apiLimiterRedisPer1000 as number) < 100,
    ],
    [
      'miss p50 <= 5 ms',
      `${byName('miss (1 connection').p50.toFixed(2)} ms`,
      byName('miss (1 connection').p50 <= 5,
    ],
    [
      'batch-of-500 per-game throughput >= 20x singles',
      `${(facts.batchVsSingles as number).toFixed(1)}x`,
      (facts.batchVsSingles as number) >= 20,
    ],
    [
      '>= 50x the naive path (L1-hit throughput)',
      `${(l1.rps / naive.rps).toFixed(0)}x`,
      l1.rps / naive.rps >= 50,
    ],
    [
      'hit rate >= 95% on Zipf',
      `${(100 * (facts.zipfHitRate as number)).toFixed(1)}%`,
      (facts.zipfHitRate as number) >= 0.95,
    ],
    [
      'zero tensor growth and < 10% RSS drift over 100k requests',
      `tensors ${facts.tensorsStart as number} -> ${facts.tensorsEnd as number}, RSS drift ${(100 * (facts.rssDrift as number)).toFixed(1)}%`,
      facts.tensorsStart === facts.tensorsEnd && (facts.rssDrift as number) < 0.1,
    ],
    [
      'cold start <= 1.5 s',
      `${(facts.coldStartMs as number).toFixed(0)} ms`,
      (facts.coldStartMs as number) <= 1500,
    ],
  ];
  lines.push('', '## Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const [t, m, ok] of targets) lines.push(`| ${t} | ${m} | ${ok ? 'yes' : '**no**'} |`);
  lines.push(
    '',
    `Micro-batching: 50 concurrent misses took ${(facts.modelCalls50_on as number).toFixed(1)} model calls per round with batching on and ${(
      facts.modelCalls50_off as number
    ).toFixed(1)} with it off.`,
    '',
  );
  const analysis = join(repoRoot, 'scripts', 'bench', 'ANALYSIS.md');
  let notes = '';
  try {
    notes = readFileSync(analysis, 'utf8');
  } catch {
    // no analysis yet
  }
  writeFileSync(join(repoRoot, 'BENCHMARKS.md'), `${lines.join('\n')}\n${notes ? `\n${notes}` : ''}`);
  mkdirSync(join(cacheDir, 'bench'), { recursive: true });
  writeFileSync(join(cacheDir, 'bench', 'results.json'), JSON.stringify({ rows, facts }, null, 2));
  log('wrote BENCHMARKS.md');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
