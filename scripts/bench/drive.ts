/**
 * The benchmark driver, run by scripts/bench/run.ts inside `firebase emulators:exec --only
 * firestore,auth` with Redis and the Upstash REST server up. It serves the built `api` with
 * @google-cloud/functions-framework (what 2nd-gen functions run on), seeds it through the admin API,
 * runs the SCENARIOS table in order (each returns its rows), and writes BENCHMARKS.md and
 * .cache/bench/results.json (report.ts).
 *
 * Per scenario: latency from autocannon's per-response hrtime (sub-millisecond); the serving
 * process's own CPU time per request and its Firestore documents read, written and deleted (the
 * meter preloaded into it, meter.ts); Redis commands at the Upstash REST server (GET /_local/usage).
 * BENCH_ONLY=name,name runs those scenarios only (after the seeding) and writes
 * .cache/bench/partial.json instead of the report; BENCH_PROFILE=name,name writes a CPU profile of
 * the api over those (default-server) scenarios to .cache/bench/{name}.cpuprofile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import ts from 'typescript';
import { idTokenFor } from '../lib/auth-emulator';
import { cacheDir, functionsDir, repoRoot } from '../lib/paths';
import { freePort, stopGroup, waitFor } from '../lib/process';
import { toCsv } from '../lib/api';
import { apiClient, csvBody, expectOk } from '../../hosting/src/api/client';
import { parseCsv } from '../../functions/src/domain/csv';
import { grantedEntitlementDoc } from '../../functions/src/data/billing';
import { CounterWindow } from '../../functions/src/domain/service-counters';
import type { MeterSnapshot } from './meter';
import { writeReport, type Facts, type Results, type Row } from './report';
import {
  median,
  minus,
  pairedRatio,
  percentile,
  plus,
  usageOf,
  ZERO,
  type Sample,
  type Usage,
} from './usage';

const FIRST_SEASON = 2000;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = 8;
const COLD_STARTS = 5;

const log = (line: string): void => console.log(`[bench] ${line}`);

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

interface Server {
  name: string;
  url: string;
  /** The meter in the server process (meter.ts); absent for cold starts, which run bare. */
  meterUrl?: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function functionsEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(functionsDir, '.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  return env;
}

/** Compiles meter.ts to a plain CommonJS file the served processes preload (`node --require`). */
function buildMeter(): string {
  const source = readFileSync(join(__dirname, 'meter.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const out = join(cacheDir, 'bench', 'meter.js');
  mkdirSync(join(cacheDir, 'bench'), { recursive: true });
  writeFileSync(out, outputText);
  return out;
}
let meterJs: string | undefined;

interface ServerOptions {
  target?: string;
  source?: string;
  /** Preload the meter (default true). */
  metered?: boolean;
}

async function startServer(
  name: string,
  overrides: Record<string, string>,
  { target = 'api', source = functionsDir, metered = true }: ServerOptions = {},
): Promise<Server> {
  const port = await freePort();
  const meterPort = metered ? await freePort() : 0;
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
        ...(metered ? { NODE_OPTIONS: `--require ${JSON.stringify((meterJs ??= buildMeter()))}` } : {}),
        ...(metered ? { BENCH_METER_PORT: `${meterPort}` } : {}),
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
  return {
    name,
    url,
    ...(metered ? { meterUrl: `http://127.0.0.1:${meterPort}/` } : {}),
    child,
    stop: () => stopGroup(child, 5_000),
  };
}

/** The server's CPU and Firestore counters and the Upstash server's command count, now. */
async function sample(server: Server): Promise<Sample> {
  if (!server.meterUrl) throw new Error(`${server.name} runs without the meter`);
  const [meter, redis] = await Promise.all([
    fetch(server.meterUrl).then((r) => r.json() as Promise<MeterSnapshot>),
    fetch(`${process.env.BENCH_UPSTASH_URL}/_local/usage`, {
      headers: { authorization: `Bearer ${process.env.BENCH_UPSTASH_TOKEN}` },
    }).then((r) => r.json() as Promise<{ commands: number }>),
  ]);
  return {
    cpuUs: meter.cpuUs,
    reads: meter.firestore.reads,
    writes: meter.firestore.writes,
    deletes: meter.firestore.deletes,
    redisCommands: redis.commands,
  };
}

/** Runs `work` and returns it with what it cost the server and the data layer. */
async function metered<T>(server: Server, work: () => Promise<T>): Promise<[T, Sample]> {
  const before = await sample(server);
  const result = await work();
  return [result, minus(await sample(server), before)];
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

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------

interface LoadOptions {
  url: string;
  connections?: number;
  duration?: number;
  amount?: number;
  requests?: autocannon.Request[];
  headers?: Record<string, string>;
}

interface Run {
  p50: number;
  p99: number;
  rps: number;
  n: number;
  cache: Record<string, number>;
  /** Every 2xx response's latency, ascending. */
  latencies: number[];
}

/** Runs autocannon; returns precise latency percentiles and counts of X-Cache values. */
async function load(opts: LoadOptions): Promise<Run> {
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
        requests,
      },
      (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status < 300) latencies.push(responseTime);
    });
  });
  if (result.non2xx) throw new Error(`${opts.url}: ${result.non2xx} non-2xx responses`);
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    rps: result.requests.average,
    n: result.requests.total,
    cache,
    latencies,
  };
}

/** A load run against `server`, with its usage per request. */
async function measuredLoad(server: Server, opts: LoadOptions): Promise<Run & { usage: Usage }> {
  const [run, delta] = await metered(server, () => load(opts));
  return { ...run, usage: usageOf(delta, run.n) };
}

function row(scenario: string, r: Run & { usage?: Usage; vsFloor?: Row['vsFloor'] }, note?: string): Row {
  log(
    `${scenario}: p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, ${r.rps.toFixed(0)} req/s (${r.n})` +
      (r.usage ? `, ${r.usage.cpuUsPerRequest.toFixed(0)} µs CPU/request` : ''),
  );
  return {
    scenario,
    requests: r.n,
    p50: r.p50,
    p99: r.p99,
    rps: r.rps,
    ...(r.usage ? { usage: r.usage } : {}),
    ...(r.vsFloor ? { vsFloor: r.vsFloor } : {}),
    ...(note ? { note } : {}),
  };
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

// ---------------------------------------------------------------------------------------------
// The bench's state, shared by the scenarios
// ---------------------------------------------------------------------------------------------

interface Bench {
  /** The api every 'default' scenario measures; stopped before the first 'own' one. */
  server: Server;
  admin: string;
  user: string;
  free: string;
  gameIds: string[];
  /** The next `n` seeded games nobody has asked for yet, so "miss" really misses. */
  take(n: number): string[];
  /** Every game not taken so far (the Zipf universe). */
  rest(): string[];
  /** A game the default server answered before the scenarios (an L1 hit there). */
  warm: string;
  concurrentGames: { on: string[][]; off: string[][] };
  coldGames: string[];
  facts: Partial<Facts>;
}

const predictionPath = (id: string): string => `/v1/games/${id}/prediction`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

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

/** Seeds games, the committed model and ratings through the api; reserves the games set apart. */
async function setup(): Promise<Bench> {
  const { initializeApp } = await import('firebase-admin/app');
  initializeApp({ projectId: process.env.GCLOUD_PROJECT as string });
  const admin = await idTokenFor('bench-admin@example.com', { admin: true });
  // Elite: every feature (the full prediction, batches of 500). Free: the shaped view.
  const user = await idTokenFor('bench-user@example.com');
  await grant(user, 'elite');
  const free = await idTokenFor('bench-free@example.com');

  // Data: seasons FIRST_SEASON..2016 final, 2017 scheduled; the committed model; ratings.
  const table = parseCsv(readFileSync(join(repoRoot, 'data', 'nfl', 'nfl_games_1920_2017.csv'), 'utf8'));
  const seasonRows = table.rows
    .filter((r) => Number(r.season) >= FIRST_SEASON)
    .map((r) => (r.season === '2017' ? { ...r, score1: '', score2: '' } : r));
  const gameIds = seasonRows.map((r) => `nfl_${r.date}_${r.team1}_${r.team2}`);
  const artifact = JSON.parse(readFileSync(join(repoRoot, 'models', 'nfl', 'model.json'), 'utf8')) as {
    metadata: { version: string };
  } & Record<string, unknown>;

  const server = await startServer('default', {});
  const api = apiClient(server.url, admin);
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
  // The route queues the rebuild for onRatingsQueued, a trigger: with no Functions emulator here,
  // this process does what that trigger would, then waits out the api's cached pointers.
  await expectOk(
    api.POST('/v1/admin/sports/{sport}/ratings:rebuild', { params: { path: { sport: 'nfl' } }, body: {} }),
    'ratings rebuild',
  );
  const { getFirestore } = await import('firebase-admin/firestore');
  const { drainRatings, ratingsSettled } = await import('../../functions/src/services/ratings-worker');
  const { engineRatingParams } = await import('../../functions/src/domain/model-checks');
  await drainRatings(getFirestore(), 'nfl', engineRatingParams('nfl'), { now: new Date(), retentionMs: 0 });
  if (!(await ratingsSettled(getFirestore(), 'nfl'))) throw new Error('the ratings rebuild did not finish');
  await new Promise((resolve) =>
    setTimeout(resolve, Number(functionsEnv().PREDICTION_POINTER_TTL_MS ?? 5_000)),
  );
  log(`seeded ${gameIds.length} games (${FIRST_SEASON}-2017)`);

  let next = 0;
  const take = (n: number): string[] => {
    const out = gameIds.slice(next, next + n);
    if (out.length < n) throw new Error('not enough distinct games for the scenarios');
    next += n;
    return out;
  };
  const warm = take(1)[0] as string;
  // Reserved now, so the Zipf runs never touch them.
  const coldGames = take(COLD_STARTS);
  const concurrentGames = { on: [take(50), take(50), take(50)], off: [take(50), take(50), take(50)] };
  // Warm the instance (first requests pay for module init, backend and model load).
  await fetch(`${server.url}${predictionPath(warm)}`, { headers: bearer(user) });
  await fetch(`${server.url}${predictionPath(warm)}`, { headers: bearer(free) });
  return {
    server,
    admin,
    user,
    free,
    gameIds,
    take,
    rest: () => gameIds.slice(next),
    warm,
    concurrentGames,
    coldGames,
    facts: {},
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

interface Scenario {
  name: string;
  /** 'default': measures bench.server; 'own': starts its own servers (the default one is stopped). */
  uses: 'default' | 'own';
  run(bench: Bench): Promise<Row[]>;
}

/** What one storage round trip costs here, from this process: the unit every miss is made of. */
async function referenceRows(bench: Bench): Promise<Row[]> {
  const { getFirestore } = await import('firebase-admin/firestore');
  const { Redis } = await import('@upstash/redis');
  const db = getFirestore();
  const redis = new Redis({
    url: process.env.BENCH_UPSTASH_URL,
    token: process.env.BENCH_UPSTASH_TOKEN,
    enableTelemetry: false,
  });
  const gameId = bench.gameIds[0] as string;
  // A prediction-sized document (what the miss path's L3 write-behind sets, merged).
  const prediction = (await expectOk(
    apiClient(bench.server.url, bench.user).GET('/v1/games/{gameId}/prediction', {
      params: { path: { gameId: bench.warm } },
    }),
    'reference prediction',
  )) as Record<string, unknown>;
  const time = async (name: string, op: (k: number) => Promise<unknown>): Promise<Row> => {
    const samples: number[] = [];
    for (let k = 0; k < 300; k++) {
      const t0 = performance.now();
      await op(k);
      samples.push(performance.now() - t0);
    }
    const kept = samples.slice(50).sort((x, y) => x - y);
    const p50 = percentile(kept, 0.5);
    log(`${name}: p50 ${p50.toFixed(3)} ms`);
    return {
      scenario: name,
      requests: kept.length,
      p50,
      p99: percentile(kept, 0.99),
      rps: 1000 / p50,
      note: 'reference, 1 client, sequential',
    };
  };
  return [
    await time('reference: one Firestore (emulator) document read', () => db.doc(`games/${gameId}`).get()),
    await time('reference: one Firestore (emulator) write of a prediction (set, merge)', (k) =>
      db.doc(`bench_reference/${k % 50}`).set(prediction, { merge: true }),
    ),
    await time('reference: one Upstash REST GET (local server + redis)', () => redis.get(`bench:${gameId}`)),
  ];
}

/**
 * The limiter alone, in this process against the same Redis: a hot caller's checks (blocks grow to
 * their cap), and a crowd of callers with one request each (every check reserves).
 */
async function limiterRows(bench: Bench): Promise<Row[]> {
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
  ): Promise<Row> => {
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
    const result = {
      redisCallsPer1000: (1000 * stats.redisCalls) / n,
      cpuUsPerCheck: (cpu.user + cpu.system) / n,
    };
    bench.facts.limiter = { ...bench.facts.limiter, [key]: result } as Facts['limiter'];
    log(
      `limiter ${name}: p50 ${(p50 * 1000).toFixed(1)} µs, ${stats.redisCalls} Redis calls for ${n} checks`,
    );
    return {
      scenario: `rate limiter alone: ${name}`,
      requests: n,
      p50,
      p99: percentile(samples, 0.99),
      rps: 1000 / p50,
      note: `${result.redisCallsPer1000.toFixed(1)} Redis calls per 1,000 checks; ${result.cpuUsPerCheck.toFixed(1)} µs CPU per check; in process, sequential`,
    };
  };
  return [
    await measure(
      'hot',
      'one hot elite caller (blocks of at most 120 and 10,000)',
      100_000,
      () => 'bench-hot',
    ),
    await measure(
      'hotFree',
      'one hot free caller (blocks of at most 12 and 100)',
      100_000,
      () => 'bench-hot-free',
    ),
    await measure('crowd', '1,000 callers, one request each', 1_000, (k) => `bench-crowd-${k}`),
  ];
}

/** Per kind: its runs, CPU µs per request in each round, and the meter's total over the rounds. */
interface Rounds<K extends string> {
  runs: Record<K, Run[]>;
  cpuPerRequest: Record<K, number[]>;
  spent: Record<K, Sample>;
}

/**
 * Loads of several kinds (each on its server), one warm-up slice each, then `rounds` rounds in
 * alternating order (forward, then reversed), each load metered on its own server: the kinds share
 * the machine's noise, so round-by-round ratios between them are fair (pairedRatio).
 */
async function alternatingRounds<K extends string>(
  kinds: Record<K, { server: Server; load: LoadOptions }>,
  rounds: number,
  slice: number,
  afterWarmUp: () => Promise<void> = async () => {},
): Promise<Rounds<K>> {
  const keys = Object.keys(kinds) as K[];
  const per = <T>(make: () => T) => Object.fromEntries(keys.map((k) => [k, make()])) as Record<K, T>;
  const out: Rounds<K> = { runs: per(() => []), cpuPerRequest: per(() => []), spent: per(() => ZERO) };
  // Unmeasured first: until the JIT has compiled each path, its CPU per request falls round by round.
  for (const key of keys) await load({ ...kinds[key].load, duration: slice });
  await afterWarmUp();
  for (let round = 0; round < rounds; round++) {
    for (const key of round % 2 ? [...keys].reverse() : keys) {
      const { server, load: opts } = kinds[key];
      const [run, delta] = await metered(server, () => load({ ...opts, duration: slice }));
      out.runs[key].push(run);
      out.cpuPerRequest[key].push(delta.cpuUs / run.n);
      out.spent[key] = plus(out.spent[key], delta);
    }
  }
  return out;
}

/**
 * Floor, floor + auth and L1 hits alternate over six rounds (the order reversed every other round),
 * after a round that warms each path up.
 * Each is judged against the floor round by round: the median of the paired ratios, so a burst of
 * load from elsewhere on this shared machine skews one pair, not the comparison. Latencies are the
 * medians of the rounds; CPU and counts the totals over them. /v1/ping is unmetered (the floor);
 * /v1/me and the L1 hits pass the tier lookup and the limiter.
 */
async function hotPathRows(bench: Bench): Promise<Row[]> {
  const { server: a, user, free, warm } = bench;
  const on = (opts: LoadOptions) => ({ server: a, load: opts });
  const kinds = {
    floor: on({ url: `${a.url}/v1/ping` }),
    auth: on({ url: `${a.url}/v1/me`, headers: bearer(user) }),
    l1: on({ url: `${a.url}${predictionPath(warm)}`, headers: bearer(user) }),
    l1Free: on({ url: `${a.url}${predictionPath(warm)}`, headers: bearer(free) }),
  };
  type Kind = keyof typeof kinds;
  const rounds = 6;
  let limiterBefore = { checks: 0, redisCalls: 0 };
  const { runs, cpuPerRequest, spent } = await alternatingRounds(
    kinds,
    rounds,
    Math.max(1.25, DURATION_S / 4),
    async () => {
      limiterBefore = (await runtime(a, bench.admin)).rateLimiter;
    },
  );
  const limiterAfter = (await runtime(a, bench.admin)).rateLimiter;
  bench.facts.apiLimiterRedisPer1000 =
    (1000 * (limiterAfter.redisCalls - limiterBefore.redisCalls)) /
    (limiterAfter.checks - limiterBefore.checks);
  bench.facts.hotCpuUsPerRequest = cpuPerRequest;
  const p50s = (key: Kind) => runs[key].map((r) => r.p50);
  const mid = (key: Kind): Run & { usage: Usage; vsFloor: Row['vsFloor'] } => {
    const rs = runs[key];
    const n = rs.reduce((t, r) => t + r.n, 0);
    return {
      p50: median(p50s(key)),
      p99: median(rs.map((r) => r.p99)),
      rps: median(rs.map((r) => r.rps)),
      n,
      cache: cacheOf(rs),
      latencies: [],
      usage: usageOf(spent[key], n),
      vsFloor: {
        p50: pairedRatio(p50s(key), p50s('floor')),
        cpu: pairedRatio(cpuPerRequest[key], cpuPerRequest.floor),
      },
    };
  };
  const l1 = mid('l1');
  const note = `${rounds} alternating rounds: p50 and p99 their medians, x floor the medians of round-by-round ratios`;
  return [
    row('floor: GET /v1/ping (no work)', mid('floor'), note),
    row('floor + auth: GET /v1/me (ID token, tier lookup, rate limit)', mid('auth'), note),
    row(
      'L1 hit (elite: full view; tier lookup + rate limit)',
      l1,
      `${note}; X-Cache ${JSON.stringify(l1.cache)}; the limiter asked Redis ${bench.facts.apiLimiterRedisPer1000.toFixed(2)} times per 1,000 metered requests`,
    ),
    row('L1 hit (free: shaped view, no interval or explanation)', mid('l1Free'), note),
  ].map((r) => {
    // The spread of the rounds' CPU ratios, beside their median.
    const key = r.scenario.startsWith('floor +')
      ? 'auth'
      : r.scenario.startsWith('L1 hit (elite')
        ? 'l1'
        : r.scenario.startsWith('L1 hit (free')
          ? 'l1Free'
          : null;
    if (!key) return r;
    const ratios = cpuPerRequest[key].map((c, i) => c / (cpuPerRequest.floor[i] as number));
    return {
      ...r,
      note: `${r.note}; CPU ratios of the rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`,
    };
  });
}

/**
 * What the service counters cost the hot path (issue 13): the same elite L1 hit on the default api
 * (counting on) and on a second one started with METRICS_FLUSH_SECONDS=0 (counting off), in
 * alternating rounds; and, beside that end-to-end comparison (whose noise is a few percent), the
 * counting work itself timed in this process: CounterWindow.request for a million answers.
 */
async function countingRows(bench: Bench): Promise<Row[]> {
  const window = new CounterWindow();
  const statuses = [200, 200, 200, 404, 429];
  const levels = ['l1', 'l1', 'l2', 'miss', undefined];
  const count = (n: number) => {
    for (let i = 0; i < n; i++) window.request(statuses[i % 5] as number, levels[i % 5]);
  };
  count(100_000); // compiled first
  const started = process.hrtime.bigint();
  count(1_000_000);
  const microUsPerCount = Number(process.hrtime.bigint() - started) / 1e3 / 1e6;

  return withServer('uncounted', { METRICS_FLUSH_SECONDS: '0' }, async (off) => {
    const target = (server: Server) => ({
      server,
      load: { url: `${server.url}${predictionPath(bench.warm)}`, headers: bearer(bench.user) },
    });
    await fetch(target(off).load.url, { headers: bearer(bench.user) });
    const { runs, cpuPerRequest, spent } = await alternatingRounds(
      { on: target(bench.server), off: target(off) },
      6,
      Math.max(1.25, DURATION_S / 4),
    );
    const ratio = pairedRatio(cpuPerRequest.on, cpuPerRequest.off);
    const rounds = cpuPerRequest.on.map((c, i) => c / (cpuPerRequest.off[i] as number));
    const n = runs.off.reduce((t, r) => t + r.n, 0);
    const usage = usageOf(spent.off, n);
    bench.facts.counting = {
      cpuUsOn: median(cpuPerRequest.on),
      cpuUsOff: median(cpuPerRequest.off),
      onVsOff: ratio,
      roundsMin: Math.min(...rounds),
      roundsMax: Math.max(...rounds),
      microUsPerCount,
    };
    return [
      row(
        'L1 hit (elite), service counting off (METRICS_FLUSH_SECONDS=0)',
        {
          p50: median(runs.off.map((r) => r.p50)),
          p99: median(runs.off.map((r) => r.p99)),
          rps: median(runs.off.map((r) => r.rps)),
          n,
          cache: cacheOf(runs.off),
          latencies: [],
          usage,
        },
        `6 rounds alternating with the counted api: its CPU per request ${ratio.toFixed(3)}x this (rounds ${Math.min(...rounds).toFixed(2)}-${Math.max(...rounds).toFixed(2)}); the counting itself ${microUsPerCount.toFixed(2)} µs per answer`,
      ),
    ];
  });
}

/** A load over distinct games nobody asked for: every request misses every cache. */
function distinctGames(ids: string[]): autocannon.Request[] {
  let i = 0;
  return [{ setupRequest: (req) => ({ ...req, path: predictionPath(ids[i++ % ids.length] as string) }) }];
}

/** Sums X-Cache counts over runs. */
function cacheOf(runs: Run[]): Record<string, number> {
  const cache: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.cache)) cache[k] = (cache[k] ?? 0) + v;
  return cache;
}

/**
 * Misses, one connection: the served code (L2 and L3 written before the response) and the same build
 * answering first and writing after (as before e3b36e5), 50 distinct games each over three
 * alternating rounds, so the comparison holds on a noisy machine. Then misses at 8 connections.
 */
async function missRows(bench: Bench): Promise<Row[]> {
  const { server: a, user } = bench;
  const old = await startServer('work-after-response', { BENCH_WORK_AFTER_RESPONSE: '1' });
  const variants = [
    { server: a, runs: [] as Run[], spent: ZERO },
    { server: old, runs: [] as Run[], spent: ZERO },
  ];
  try {
    await fetch(`${old.url}${predictionPath(bench.warm)}`, { headers: bearer(user) });
    for (let round = 0; round < 3; round++) {
      for (const v of variants) {
        const ids = bench.take(50);
        const [run, delta] = await metered(v.server, () =>
          load({
            url: v.server.url,
            connections: 1,
            amount: ids.length,
            headers: bearer(user),
            requests: distinctGames(ids),
          }),
        );
        v.runs.push(run);
        v.spent = plus(v.spent, delta);
      }
    }
  } finally {
    await old.stop();
  }
  const pooled = (v: (typeof variants)[number]): Run & { usage: Usage } => {
    const latencies = v.runs.flatMap((r) => r.latencies).sort((x, y) => x - y);
    return {
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      rps: median(v.runs.map((r) => r.rps)),
      n: latencies.length,
      cache: cacheOf(v.runs),
      latencies,
      usage: usageOf(v.spent, latencies.length),
    };
  };
  const [now, before] = variants.map(pooled) as [Run & { usage: Usage }, Run & { usage: Usage }];
  bench.facts.missWorkAfterResponseP50 = before.p50;
  const many = bench.take(800);
  const par = await measuredLoad(a, {
    url: a.url,
    amount: many.length,
    headers: bearer(user),
    requests: distinctGames(many),
  });
  bench.facts.singlesGamesPerS = par.rps;
  const note = (r: Run) => `X-Cache ${JSON.stringify(r.cache)}`;
  return [
    row(
      'miss (1 connection, distinct games)',
      now,
      `${note(now)}; L2 and L3 written before the response; 3 rounds alternating with the next row`,
    ),
    row(
      'miss (1 connection), writes after the response (as before e3b36e5)',
      before,
      `${note(before)}; the same build with the response not waiting for its work`,
    ),
    row('miss (8 connections, distinct games)', par, `${note(par)}; L2 and L3 written before the response`),
  ];
}

async function batchRows(bench: Bench): Promise<Row[]> {
  const walls: number[] = [];
  const [, delta] = await metered(bench.server, async () => {
    for (let round = 0; round < 3; round++) {
      const ids = bench.take(500);
      const t0 = performance.now();
      const body = await expectOk(
        apiClient(bench.server.url, bench.user).POST('/v1/predictions:batch', { body: { gameIds: ids } }),
        'batch',
      );
      walls.push(performance.now() - t0);
      if (body.predictions.length !== 500)
        throw new Error(`batch answered ${body.predictions.length} of 500`);
    }
  });
  walls.sort((x, y) => x - y);
  const ms = percentile(walls, 0.5);
  const gamesPerS = (500 / ms) * 1000;
  bench.facts.batchVsSingles = gamesPerS / (bench.facts.singlesGamesPerS ?? NaN);
  log(`batch of 500: ${ms.toFixed(1)} ms, ${gamesPerS.toFixed(0)} games/s`);
  return [
    {
      scenario: 'batch of 500 (misses), per request',
      requests: walls.length,
      p50: ms,
      p99: walls[walls.length - 1] as number,
      rps: 1000 / ms,
      usage: usageOf(delta, 500 * walls.length, 'prediction'),
      note: `${gamesPerS.toFixed(0)} games/s = ${bench.facts.batchVsSingles.toFixed(1)}x single misses (8 connections); CPU and counts per prediction`,
    },
  ];
}

/** 50 concurrent distinct misses, three rounds: model calls with micro-batching on or off. */
async function concurrentRow(bench: Bench, server: Server, label: 'on' | 'off'): Promise<Row> {
  const before = (await runtime(server, bench.admin)).predictions.batcher.calls;
  const walls: number[] = [];
  const [, delta] = await metered(server, async () => {
    for (const ids of bench.concurrentGames[label]) {
      const t0 = performance.now();
      const res = await Promise.all(
        ids.map((id) => fetch(`${server.url}${predictionPath(id)}`, { headers: bearer(bench.user) })),
      );
      walls.push(performance.now() - t0);
      if (res.some((r) => r.status !== 200)) throw new Error(`${label}: a concurrent miss failed`);
      await Promise.all(res.map((r) => r.arrayBuffer()));
    }
  });
  const calls = (await runtime(server, bench.admin)).predictions.batcher.calls - before;
  walls.sort((x, y) => x - y);
  const p50 = percentile(walls, 0.5);
  bench.facts[label === 'on' ? 'modelCalls50On' : 'modelCalls50Off'] = calls / 3;
  log(`50 concurrent misses, batching ${label}: ${p50.toFixed(1)} ms per round, ${calls} model calls / 150`);
  return {
    scenario: `50 concurrent distinct misses, batching ${label}`,
    requests: 150,
    p50,
    p99: walls[walls.length - 1] as number,
    rps: (50 / p50) * 1000,
    usage: usageOf(delta, 150),
    note: `${calls} model calls for 150 predictions; p50/p99 = wall time of a round of 50`,
  };
}

const hitRate = (cache: Record<string, number>): number =>
  ((cache.l1 ?? 0) + (cache.l2 ?? 0) + (cache.l3 ?? 0)) / Object.values(cache).reduce((x, y) => x + y, 0);

/** Zipf(1.1) over every game still unasked: 20k requests from cold caches, then 100k (RSS, tensors). */
async function zipfRows(bench: Bench): Promise<Row[]> {
  const { server: a, user, admin, facts } = bench;
  const universe = bench.rest();
  const next = zipf(universe.length, 1.1, 42);
  const requests = [
    {
      setupRequest: (req: autocannon.Request) => ({
        ...req,
        path: predictionPath(universe[next()] as string),
      }),
    },
  ];
  const cold = await measuredLoad(a, { url: a.url, amount: 20_000, headers: bearer(user), requests });
  facts.zipfColdHitRate = hitRate(cold.cache);
  const warmState = await runtime(a, admin);
  const steady = await measuredLoad(a, { url: a.url, amount: 100_000, headers: bearer(user), requests });
  const endState = await runtime(a, admin);
  facts.rssStartMB = warmState.memory.rss / 2 ** 20;
  facts.rssEndMB = endState.memory.rss / 2 ** 20;
  facts.rssDrift = (endState.memory.rss - warmState.memory.rss) / warmState.memory.rss;
  facts.tensorsStart = warmState.models.numTensors;
  facts.tensorsEnd = endState.models.numTensors;
  facts.zipfHitRate = hitRate(steady.cache);
  return [
    row(
      `Zipf(1.1) over ${universe.length} games, first 20k requests (cold caches)`,
      cold,
      `hit rate ${(100 * facts.zipfColdHitRate).toFixed(1)}%; every first request of a game must miss (X-Cache ${JSON.stringify(cold.cache)})`,
    ),
    row(
      '100k requests (Zipf), after those 20k',
      steady,
      `hit rate ${(100 * facts.zipfHitRate).toFixed(2)}%; RSS ${facts.rssStartMB.toFixed(0)} -> ${facts.rssEndMB.toFixed(0)} MB (${(
        100 * facts.rssDrift
      ).toFixed(1)}%), tensors ${facts.tensorsStart} -> ${facts.tensorsEnd}`,
    ),
  ];
}

/** Runs `work` against a server of its own, then stops it. */
async function withServer<T>(
  name: string,
  overrides: Record<string, string>,
  work: (server: Server) => Promise<T>,
  options?: ServerOptions,
): Promise<T> {
  const server = await startServer(name, overrides, options);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

/** One cached game on a server with L1 off (L2 hits), or L1 off and no Redis (L3 hits). */
async function levelRow(bench: Bench, level: 'l2' | 'l3'): Promise<Row> {
  const overrides: Record<string, string> =
    level === 'l2'
      ? { PREDICTION_L1_MAX_BYTES: '0' }
      : { PREDICTION_L1_MAX_BYTES: '0', UPSTASH_REDIS_REST_URL: '' };
  return withServer(level, overrides, async (server) => {
    const url = `${server.url}${predictionPath(bench.warm)}`;
    await fetch(url, { headers: bearer(bench.user) });
    const r = await measuredLoad(server, { url, headers: bearer(bench.user) });
    const name = level === 'l2' ? 'L2 hit (L1 off)' : 'L3 hit (L1 off, no Redis)';
    return row(name, r, `X-Cache ${JSON.stringify(r.cache)}`);
  });
}

/** The naive path: model loaded and Firestore read on every request (scripts/bench/naive). */
async function naiveRow(bench: Bench): Promise<Row> {
  return withServer(
    'naive',
    {},
    async (server) => {
      const r = await measuredLoad(server, {
        url: `${server.url}/?gameId=${bench.warm}`,
        connections: 4,
        duration: Math.min(DURATION_S, 5),
      });
      return row('naive: load model + read Firestore per request', r, '4 connections');
    },
    { target: 'naive', source: join(repoRoot, 'scripts', 'bench', 'naive') },
  );
}

/** Cold start: fresh processes (no meter), each from spawn to the first prediction of a new game. */
async function coldRow(bench: Bench): Promise<Row> {
  const totals: number[] = [];
  const listening: number[] = [];
  for (const game of bench.coldGames) {
    const t0 = performance.now();
    const server = await startServer('cold', {}, { metered: false });
    try {
      listening.push(performance.now() - t0);
      const res = await fetch(`${server.url}${predictionPath(game)}`, { headers: bearer(bench.user) });
      totals.push(performance.now() - t0);
      if (res.status !== 200 || res.headers.get('x-cache') !== 'miss') {
        throw new Error(`cold start prediction: ${res.status} ${res.headers.get('x-cache')}`);
      }
    } finally {
      await server.stop();
    }
  }
  bench.facts.coldStartsMs = totals;
  bench.facts.coldStartMs = median(totals);
  bench.facts.coldListeningMs = median(listening);
  log(`cold starts: ${totals.map((t) => t.toFixed(0)).join(', ')} ms`);
  return {
    scenario: `cold start to first prediction (miss), median of ${totals.length} fresh processes`,
    requests: totals.length,
    p50: median(totals),
    p99: Math.max(...totals),
    rps: NaN,
    note: `each: ${totals.map((t) => t.toFixed(0)).join(', ')} ms; listening after ${median(listening).toFixed(0)} ms (median); p99 column = slowest`,
  };
}

const SCENARIOS: Scenario[] = [
  { name: 'reference', uses: 'default', run: referenceRows },
  { name: 'limiter', uses: 'default', run: limiterRows },
  { name: 'hot', uses: 'default', run: hotPathRows },
  { name: 'counting', uses: 'default', run: countingRows },
  { name: 'miss', uses: 'default', run: missRows },
  { name: 'batch', uses: 'default', run: batchRows },
  { name: 'concurrent-on', uses: 'default', run: async (b) => [await concurrentRow(b, b.server, 'on')] },
  { name: 'zipf', uses: 'default', run: zipfRows },
  {
    name: 'concurrent-off',
    uses: 'own',
    run: (b) =>
      withServer('no-batching', { PREDICTION_BATCH_MAX: '1' }, async (server) => {
        await fetch(`${server.url}${predictionPath(b.warm)}`, { headers: bearer(b.user) });
        return [await concurrentRow(b, server, 'off')];
      }),
  },
  { name: 'l2', uses: 'own', run: async (b) => [await levelRow(b, 'l2')] },
  { name: 'l3', uses: 'own', run: async (b) => [await levelRow(b, 'l3')] },
  { name: 'naive', uses: 'own', run: async (b) => [await naiveRow(b)] },
  { name: 'cold', uses: 'own', run: async (b) => [await coldRow(b)] },
];

async function main(): Promise<void> {
  const started = Date.now();
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_ONLY: no scenario ${unknown.join(', ')} (${SCENARIOS.map((s) => s.name).join(', ')})`,
    );
  }
  const profiled = process.env.BENCH_PROFILE?.split(',') ?? [];
  const bench = await setup();
  const rows: Row[] = [];
  let defaultRunning = true;
  try {
    for (const scenario of SCENARIOS) {
      if (only && !only.includes(scenario.name)) continue;
      if (scenario.uses === 'own' && defaultRunning) {
        await bench.server.stop();
        defaultRunning = false;
      }
      const profile = profiled.includes(scenario.name) && scenario.uses === 'default';
      if (profile) await fetch(`${bench.server.meterUrl}profile/start`);
      rows.push(...(await scenario.run(bench)));
      if (profile) {
        const file = join(cacheDir, 'bench', `${scenario.name}.cpuprofile`);
        writeFileSync(file, await (await fetch(`${bench.server.meterUrl}profile/stop`)).text());
        log(`CPU profile of ${scenario.name}: ${file}`);
      }
    }
  } finally {
    if (defaultRunning) await bench.server.stop();
  }
  const [cpu] = cpus();
  const results: Results = {
    rows,
    facts: { ...bench.facts, durationS: (Date.now() - started) / 1000 },
    machine: {
      cpus: cpus().length,
      model: cpu?.model ?? 'unknown CPU',
      node: process.version,
      date: new Date().toISOString().slice(0, 10),
      connections: CONNECTIONS,
    },
  };
  if (only) {
    mkdirSync(join(cacheDir, 'bench'), { recursive: true });
    writeFileSync(join(cacheDir, 'bench', 'partial.json'), JSON.stringify(results, null, 2));
    log('BENCH_ONLY: wrote .cache/bench/partial.json (BENCHMARKS.md untouched)');
    return;
  }
  writeReport(results);
  log('wrote BENCHMARKS.md');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
