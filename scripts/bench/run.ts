/**
 * npm run bench: builds, starts Redis + the Upstash REST server, then runs scripts/bench/drive.ts
 * inside `firebase emulators:exec --only firestore,auth`. Results: BENCHMARKS.md (tables, targets,
 * cost per million predictions, then scripts/bench/ANALYSIS.md) and .cache/bench/results.json.
 * About 4 minutes on 2 cores.
 *
 *   BENCH_DURATION_S=5         seconds per timed scenario (default 5)
 *   BENCH_ONLY=hot,miss        those scenarios only (drive.ts SCENARIOS), to .cache/bench/partial.json
 *   npm run bench -- --report  BENCHMARKS.md again from the last results and ANALYSIS.md, no run
 */
import { join } from 'node:path';
import { spawnFirebase } from '../lib/firebase';
import { repoRoot } from '../lib/paths';
import { exitOf, run } from '../lib/process';
import { startSupportStack } from '../lib/stack';
import { rewriteReport } from './report';

async function main(): Promise<number> {
  if (process.argv.includes('--report')) {
    rewriteReport();
    console.log('[bench] wrote BENCHMARKS.md from .cache/bench/results.json and scripts/bench/ANALYSIS.md');
    return 0;
  }
  await run('npm', ['run', '--silent', 'build'], { cwd: repoRoot });
  const stack = await startSupportStack((line) => console.log(`[bench] ${line}`));
  try {
    const drive = `'${join(repoRoot, 'node_modules', '.bin', 'tsx')}' '${join(repoRoot, 'scripts', 'bench', 'drive.ts')}'`;
    const { child } = spawnFirebase(['emulators:exec', '--only', 'firestore,auth', drive], {
      BENCH_UPSTASH_URL: stack.upstashUrl,
      BENCH_UPSTASH_TOKEN: stack.upstashToken,
    });
    return await exitOf(child);
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
