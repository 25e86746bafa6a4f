/**
 * npm run bench:reconciliation: the daily aggregate reconciliation at scale. Starts the Firestore
 * emulator alone (no Functions emulator, so no trigger fires while it seeds) and runs
 * scripts/bench/reconciliation-drive.ts inside `firebase emulators:exec --only firestore`.
 * BENCH_METRICS (default 100000) user_metrics of BENCH_USERS (default 2000) users over the last 48
 * hours; BENCH_SAMPLE (default 100) bucket transactions of the old pass, extrapolated. About 15
 * minutes on 2 cores (seeding is ~4). Results: .cache/bench/reconciliation.json and .md, copied by
 * hand into scripts/bench/ANALYSIS.md (and so BENCHMARKS.md), "Daily reconciliation".
 */
import { join } from 'node:path';
import { spawnFirebase } from '../lib/firebase';
import { repoRoot } from '../lib/paths';
import { exitOf } from '../lib/process';

async function main(): Promise<number> {
  const drive = `'${join(repoRoot, 'node_modules', '.bin', 'tsx')}' '${join(repoRoot, 'scripts', 'bench', 'reconciliation-drive.ts')}'`;
  const { child } = spawnFirebase(['emulators:exec', '--only', 'firestore', drive]);
  return exitOf(child);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
