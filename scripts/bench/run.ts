/**
 * npm run bench: builds, starts Redis + the Upstash REST server, then runs scripts/bench/drive.ts
 * inside `firebase emulators:exec --only firestore,auth`. Results: BENCHMARKS.md (table + targets)
 * and .cache/bench/results.json. About 3 minutes on 2 cores. BENCH_DURATION_S sets seconds per
 * timed scenario (default 5).
 */
import { join } from 'node:path';
import { spawnFirebase } from '../lib/firebase';
import { repoRoot } from '../lib/paths';
import { exitOf, run } from '../lib/process';
import { startSupportStack } from '../lib/stack';

async function main(): Promise<number> {
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
