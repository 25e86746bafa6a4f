/**
 * npm test: every layer, in order: lint, typecheck, build, unit + scripts tests (no emulator), then
 * integration tests inside `firebase emulators:exec` with Redis and the Upstash REST server up.
 * Writes jest results to .test-results/ and ends with the line `N passed, N failed`.
 *
 *   npm test                         everything
 *   npm test -- --only unit          lint/typecheck skipped; unit + scripts tests only
 *   npm test -- --only integration   build + integration tests only
 *   npm test -- --only integration --pattern rules   only test files matching a pattern
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { SetupError } from './lib/emulators';
import { discoveryManifest, EMULATORS, removeDiscoveryManifest, spawnFirebase } from './lib/firebase';
import { repoRoot } from './lib/paths';
import { exitOf, run, stopGroup } from './lib/process';
import { startSupportStack } from './lib/stack';
import { checkContract, type OpenApiDoc, type Recorded } from './lib/contract';
import { openApiDocument } from '../functions/src/http/contract/openapi';

const resultsDir = join(repoRoot, '.test-results');
const jestBin = join(repoRoot, 'node_modules', '.bin', 'jest');
const log = (line: string): void => console.log(`\n[test] ${line}`);

interface Tally {
  passed: number;
  failed: number;
  failures: string[];
}

/** Seconds each layer took (lint, typecheck and unit run side by side; integration after them). */
const layerSeconds = new Map<string, number>();
const since = (started: number) => Math.round((performance.now() - started) / 100) / 10;

async function step(tally: Tally, name: string, action: () => Promise<void>): Promise<boolean> {
  log(name);
  const started = performance.now();
  try {
    await action();
    return true;
  } catch (err) {
    tally.failed += 1;
    tally.failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  } finally {
    layerSeconds.set(name.split(' ')[0] as string, since(started));
  }
}

/** The slowest test files of a jest --json result, for the summary. */
function slowestFiles(file: string, count: number): string {
  if (!existsSync(file)) return '';
  const result = JSON.parse(readFileSync(file, 'utf8')) as {
    testResults: { name: string; startTime: number; endTime: number }[];
  };
  return result.testResults
    .map((r) => ({
      name:
        r.name
          .split('/')
          .pop()
          ?.replace(/\.test\.ts$/, '') ?? r.name,
      s: (r.endTime - r.startTime) / 1000,
    }))
    .sort((a, b) => b.s - a.s)
    .slice(0, count)
    .map((r) => `${r.name} ${Math.round(r.s)} s`)
    .join(', ');
}

/** The integration seeds' time by phase (helpers.ts seedNfl writes one line per seed). */
function seedSummary(file: string): string {
  if (!existsSync(file)) return '';
  const seeds = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { file: string; ms: Record<string, number> });
  if (seeds.length === 0) return '';
  const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const byPhase = new Map<string, number>();
  for (const seed of seeds)
    for (const [phase, ms] of Object.entries(seed.ms)) byPhase.set(phase, (byPhase.get(phase) ?? 0) + ms);
  const total = [...byPhase.values()].reduce((a, b) => a + b, 0);
  const slowest = seeds
    .map((seed) => ({ file: seed.file, ms: Object.values(seed.ms).reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((seed) => `${seed.file} ${seconds(seed.ms)}`)
    .join(', ');
  const phases = [...byPhase].map(([phase, ms]) => `${phase} ${seconds(ms)}`).join(' · ');
  return `${seeds.length} NFL seeds took ${seconds(total)} (${phases}); slowest: ${slowest}`;
}

/** Adds a jest --json result file to the tally; a suite that failed to run counts as one failure. */
function countJest(tally: Tally, file: string, layer: string): void {
  if (!existsSync(file)) {
    tally.failed += 1;
    tally.failures.push(`${layer}: jest wrote no results`);
    return;
  }
  const result = JSON.parse(readFileSync(file, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numRuntimeErrorTestSuites: number;
    numTotalTests: number;
  };
  tally.passed += result.numPassedTests;
  tally.failed += result.numFailedTests + result.numRuntimeErrorTestSuites;
  if (result.numTotalTests === 0) {
    tally.failed += 1;
    tally.failures.push(`${layer}: no tests ran`);
  }
  if (result.numFailedTests + result.numRuntimeErrorTestSuites > 0)
    tally.failures.push(`${layer}: failing tests (see above)`);
}

let pattern: string | undefined;

function jestArgs(projects: string[], out: string): string[] {
  return [
    '--selectProjects',
    ...projects,
    '--json',
    '--outputFile',
    out,
    '--silent',
    '--ci',
    ...(pattern ? ['--testPathPattern', pattern] : []),
  ];
}

/**
 * The integration suite inside `firebase emulators:exec`. The emulators start at once; the tests
 * wait for `gate` (a file written when the other checks are done), so the stack's start overlaps
 * lint, typecheck and the unit tests while the tests themselves never share the CPU with them.
 */
async function integration(tally: Tally, gate: string): Promise<void> {
  const out = join(resultsDir, 'integration.json');
  const stack = await startSupportStack((line) => log(line));
  // Every trigger reload (each test file's clear or seed resumes the paused triggers) re-discovers
  // the functions: a process that loads the whole codebase while firebase-tools polls its port in a
  // busy loop, about 5 s of both cores each time. With FIREBASE_FUNCTIONS_DISCOVERY_OUTPUT_PATH the
  // emulator's first discovery writes this build's manifest, which every reload then reads.
  removeDiscoveryManifest();
  try {
    const waitForGate = `until [ -e '${gate}' ]; do sleep 0.2; done`;
    const tests = [jestBin, ...jestArgs(['integration'], out), '--runInBand', '--testTimeout', '120000']
      .map((a) => `'${a}'`)
      .join(' ');
    // emulators:exec runs the script through a shell.
    const command = `${waitForGate} && ${tests}`;
    const { child, notes } = spawnFirebase(['emulators:exec', '--only', EMULATORS, command], {
      UPSTASH_SERVER_PID: String(stack.upstashPid),
      REDIS_URL_FOR_TESTS: stack.redisUrl,
      STRIPE_FAKE_URL: stack.stripeUrl,
      FIREBASE_FUNCTIONS_DISCOVERY_OUTPUT_PATH: dirname(discoveryManifest),
    });
    notes.forEach((n) => log(n));
    const stopOnSignal = (): void => void stopGroup(child);
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    await exitOf(child);
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
  } finally {
    removeDiscoveryManifest();
    await stack.stop();
  }
  countJest(tally, out, 'integration');
}

/**
 * Every API answer the integration suite recorded, against the OpenAPI document: each must be
 * documented and match its schema, and each documented (method, path, status) must have been seen.
 */
function contract(tally: Tally, coverage: boolean): void {
  const dir = join(resultsDir, 'contract');
  const records: Recorded[] = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) =>
          readFileSync(join(dir, f), 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as Recorded),
        )
    : [];
  if (records.length === 0 && !coverage) {
    log('contract: no API answers recorded by the tests that ran');
    return;
  }
  const report = checkContract(openApiDocument('check') as unknown as OpenApiDoc, records);
  writeFileSync(join(resultsDir, 'contract.json'), JSON.stringify(report, null, 2));
  log(`contract: ${report.checked} recorded answers checked against the OpenAPI document`);
  const verdicts: [string, string[]][] = [
    ['every answer is documented and matches its schema', report.problems],
  ];
  if (coverage) verdicts.push(['every documented (method, path, status) was exercised', report.uncovered]);
  for (const [name, found] of verdicts) {
    if (records.length > 0 && found.length === 0) {
      tally.passed += 1;
      continue;
    }
    tally.failed += 1;
    tally.failures.push(`contract: ${name} (${found.length} found; .test-results/contract.json)`);
    for (const line of found.slice(0, 60)) console.log(`  ${line}`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, pattern: { type: 'string' } } });
  pattern = values.pattern;
  const only = values.only;
  if (only !== undefined && only !== 'unit' && only !== 'integration')
    throw new SetupError('--only takes unit or integration');
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  const tally: Tally = { passed: 0, failed: 0, failures: [] };

  // Lint, typecheck, build and the unit tests read the tree and write nothing the others read:
  // side by side.
  const checks: Promise<boolean>[] = [];
  if (only === undefined) {
    checks.push(step(tally, 'lint', () => run('npm', ['run', '--silent', 'lint'], { cwd: repoRoot })));
    checks.push(
      step(tally, 'typecheck', () => run('npm', ['run', '--silent', 'typecheck'], { cwd: repoRoot })),
    );
  }
  const building =
    only !== 'unit'
      ? step(tally, 'build', () => run('npm', ['run', '--silent', 'build'], { cwd: repoRoot }))
      : null;
  // Unit and scripts tests need no build either (ts-jest compiles what they import): alongside.
  if (only !== 'integration') {
    checks.push(
      (async () => {
        const out = join(resultsDir, 'unit.json');
        log('unit and scripts tests');
        const started = performance.now();
        await exitOf(spawn(jestBin, jestArgs(['unit', 'scripts'], out), { cwd: repoRoot, stdio: 'inherit' }));
        layerSeconds.set('unit+scripts', since(started));
        countJest(tally, out, 'unit');
        return true;
      })(),
    );
  }
  if (building && !(await building)) {
    await Promise.all(checks);
    return finish(tally);
  }
  const gate = join(resultsDir, 'checks-done');
  const integrating =
    only !== 'unit'
      ? step(tally, 'integration tests (firebase emulators:exec)', () => integration(tally, gate))
      : null;
  await Promise.all(checks);
  writeFileSync(gate, '');
  const testsStarted = performance.now();
  if (integrating) {
    const ran = await integrating;
    layerSeconds.set('integration', since(testsStarted));
    // Coverage needs the whole suite; a --pattern run checks only the answers it saw.
    if (ran) contract(tally, pattern === undefined);
  }
  return finish(tally);
}

function finish(tally: Tally): number {
  const layers = [...layerSeconds].map(([name, seconds]) => `${name} ${seconds} s`).join(' · ');
  const slowest = slowestFiles(join(resultsDir, 'integration.json'), 5);
  const seeds = seedSummary(join(resultsDir, 'seeds.jsonl'));
  log(
    `time per layer: ${layers} · total ${since(0)} s (lint, typecheck, build and unit side by side, with the emulators starting; integration after them)` +
      (slowest ? `\n[test] slowest integration files: ${slowest}` : '') +
      (seeds ? `\n[test] ${seeds}` : ''),
  );
  writeFileSync(
    join(resultsDir, 'summary.json'),
    JSON.stringify({ ...tally, layerSeconds: Object.fromEntries(layerSeconds) }, null, 2),
  );
  if (tally.failures.length > 0) console.log(`\n[test] failed:\n  ${tally.failures.join('\n  ')}`);
  console.log(`\n${tally.passed} passed, ${tally.failed} failed`);
  return tally.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof SetupError ? `[test] ${err.message}` : err);
    console.log('\n0 passed, 1 failed');
    process.exit(1);
  },
);
