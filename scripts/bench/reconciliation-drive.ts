/**
 * The reconciliation benchmark's driver, run by scripts/bench/reconciliation.ts inside
 * `firebase emulators:exec --only firestore` (no Functions emulator: nothing fires while it seeds).
 * Seeds BENCH_METRICS user_metrics of BENCH_USERS users over the last 48 hours and their
 * agg_user_daily documents, then for each variant corrupts the same buckets again and runs one
 * reconciliation in a fresh process (reconciliation-measure.ts: time, peak heap and RSS), and checks
 * every corrupted bucket was repaired. Writes .cache/bench/reconciliation.json and .md.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { initializeApp } from 'firebase-admin/app';
import { getFirestore, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { mulberry32 } from '../../functions/src/domain/random';
import { sumContributions, type Contribution } from '../../functions/src/domain/user-metrics';
import { cacheDir, projectId, repoRoot } from '../lib/paths';

const METRICS = Number(process.env.BENCH_METRICS ?? 100_000);
const USERS = Number(process.env.BENCH_USERS ?? 2_000);
const DAYS = 3; // the default window: today and the two days before (UTC)
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 100);
const log = (line: string): void => console.log(`[bench:reconciliation] ${line}`);

interface Variant {
  name: string;
  args: {
    variant: 'before' | 'paged';
    days: number;
    pageSize?: number;
    concurrency?: number;
    maxTransactions?: number;
  };
  /** Which buckets to corrupt: every `corruptEvery`-th. */
  corruptEvery: number;
  /** V8's old space capped at this many MB (--max-old-space-size). */
  heapCapMb?: number;
}

interface Measured {
  ms: number;
  heapBaseMb: number;
  heapPeakMb: number;
  rssBaseMb: number;
  rssPeakMb: number;
  userDaily: {
    checked: number;
    repaired: number;
    readMs?: number;
    transactions?: number;
    transactionsMs?: number;
  };
}

async function seed(db: Firestore): Promise<Map<string, Contribution>> {
  const rng = mulberry32(12);
  const now = Date.now();
  const metrics = Array.from({ length: METRICS }, () => ({
    userId: `bench-u${Math.floor(rng() * USERS)}`,
    type: 'view',
    engagementScore: Math.floor(rng() * 101),
    timestamp: Timestamp.fromMillis(now - 60_000 - Math.floor(rng() * 48 * 3_600_000)),
  }));
  const truth = sumContributions(metrics);
  const t0 = performance.now();
  const writer = db.bulkWriter();
  for (const m of metrics) void writer.create(db.collection('user_metrics').doc(), m);
  for (const [bucket, c] of truth)
    void writer.set(db.doc(`agg_user_daily/${bucket}`), {
      userId: c.userId,
      date: c.date,
      count: c.count,
      engagementSum: c.engagementSum,
    });
  await writer.close();
  log(
    `seeded ${METRICS} metrics in ${truth.size} buckets in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return truth;
}

async function corrupt(db: Firestore, buckets: string[]): Promise<void> {
  const writer = db.bulkWriter();
  for (const b of buckets)
    void writer.update(db.doc(`agg_user_daily/${b}`), { count: 999_999, engagementSum: -1 });
  await writer.close();
}

async function checkRepaired(
  db: Firestore,
  truth: Map<string, Contribution>,
  buckets: string[],
): Promise<void> {
  for (let i = 0; i < buckets.length; i += 500) {
    const snaps = await db.getAll(...buckets.slice(i, i + 500).map((b) => db.doc(`agg_user_daily/${b}`)));
    for (const s of snaps) {
      const want = truth.get(s.id);
      if (s.get('count') !== want?.count || s.get('engagementSum') !== want?.engagementSum)
        throw new Error(`${s.id} not repaired: ${JSON.stringify(s.data())} vs ${JSON.stringify(want)}`);
    }
  }
}

/** One run in a fresh process; `heapCapMb` caps V8's old space (a run that needs more dies). */
function measure(args: Variant['args'], heapCapMb?: number): Measured | { outOfMemoryAfterMs: number } {
  const t0 = performance.now();
  const out = spawnSync(
    join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [
      '--expose-gc',
      ...(heapCapMb ? [`--max-old-space-size=${heapCapMb}`] : []),
      join(repoRoot, 'scripts', 'bench', 'reconciliation-measure.ts'),
      JSON.stringify(args),
    ],
    { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 },
  );
  if (out.status !== 0 && heapCapMb && /heap out of memory|Allocation failed/i.test(out.stderr))
    return { outOfMemoryAfterMs: performance.now() - t0 };
  if (out.status !== 0)
    throw new Error(`measure ${JSON.stringify(args)} exited ${out.status}: ${out.stderr}`);
  const line = out.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Measured;
}

async function main(): Promise<void> {
  initializeApp({ projectId: process.env.GCLOUD_PROJECT ?? projectId() });
  const db = getFirestore();
  const truth = await seed(db);
  const buckets = [...truth.keys()].sort();
  // The old pass runs a transaction for every bucket, about a second each in the emulator at this
  // size: it runs SAMPLE of them, and the table extrapolates.
  const before = { variant: 'before', days: DAYS, maxTransactions: SAMPLE } as const;
  const paged = { variant: 'paged', days: DAYS } as const;
  const variants: Variant[] = [
    { name: 'before: one query, then a transaction per bucket in sequence', args: before, corruptEvery: 100 },
    { name: 'now: pages of 1,000, repairs 8 at a time', args: paged, corruptEvery: 100 },
    { name: 'now, repairs 1 at a time', args: { ...paged, concurrency: 1 }, corruptEvery: 100 },
    { name: 'before, heap capped at 64 MB', args: before, corruptEvery: 100, heapCapMb: 64 },
    { name: 'now, heap capped at 64 MB', args: paged, corruptEvery: 100, heapCapMb: 64 },
  ];
  const rows: string[] = [];
  const results: unknown[] = [];
  const mb = (x: number) => x.toFixed(1);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  for (const v of variants) {
    const corrupted = buckets.filter((_, i) => i % v.corruptEvery === 0);
    await corrupt(db, corrupted);
    log(`${v.name}: ${corrupted.length} buckets corrupted`);
    const m = measure(v.args, v.heapCapMb);
    log(`${v.name}: ${JSON.stringify(m)}`);
    results.push({ ...v, corrupted: corrupted.length, ...m });
    const n = corrupted.length.toLocaleString('en-US');
    if ('outOfMemoryAfterMs' in m) {
      rows.push(`| ${v.name} | ${n} | | | | | | out of memory after ${s(m.outOfMemoryAfterMs)} s |`);
      continue;
    }
    let note = '';
    const u = m.userDaily;
    if (u.transactions !== undefined && u.transactions < u.checked) {
      // Sampled: the rest of the buckets' transactions at the sampled rate.
      const perTx = (u.transactionsMs ?? 0) / u.transactions;
      const all = (u.readMs ?? 0) + perTx * u.checked;
      note = `read ${s(u.readMs ?? 0)} s; ${u.transactions} of ${u.checked.toLocaleString('en-US')} bucket transactions in ${s(u.transactionsMs ?? 0)} s (${perTx.toFixed(0)} ms each): all of them ≈ ${all < 120_000 ? `${s(all)} s` : `${(all / 60_000).toFixed(0)} min`}`;
    } else {
      await checkRepaired(db, truth, corrupted);
      if (u.repaired !== corrupted.length)
        throw new Error(`${v.name}: repaired ${u.repaired}, corrupted ${corrupted.length}`);
      note = `${u.checked.toLocaleString('en-US')} buckets checked, ${u.repaired} repaired`;
    }
    rows.push(
      `| ${v.name} | ${n} | ${s(m.ms)} | ${mb(m.heapBaseMb)} | ${mb(m.heapPeakMb)} | ${mb(m.heapPeakMb - m.heapBaseMb)} | ${mb(m.rssPeakMb)} | ${note} |`,
    );
  }
  const cpu = cpus();
  const machine = `${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  const md = [
    `${METRICS.toLocaleString('en-US')} user_metrics of ${USERS.toLocaleString('en-US')} users over the last 48 hours, ${truth.size.toLocaleString('en-US')} buckets; the Firestore emulator; ${machine}.`,
    '',
    '| run | buckets corrupted | time s | heap before MB | peak heap MB | peak heap growth MB | peak RSS MB | notes |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
  ].join('\n');
  mkdirSync(join(cacheDir, 'bench'), { recursive: true });
  writeFileSync(
    join(cacheDir, 'bench', 'reconciliation.json'),
    JSON.stringify({ machine, metrics: METRICS, users: USERS, buckets: truth.size, results }, null, 2),
  );
  writeFileSync(join(cacheDir, 'bench', 'reconciliation.md'), md);
  console.log(`\n${md}`);
  await db.terminate();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
