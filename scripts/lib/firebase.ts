import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorEnv } from './emulators';
import { firebaseBin, projectId, repoRoot } from './paths';
import { spawnGroup } from './process';

export const EMULATORS = 'functions,firestore,auth,pubsub,hosting';

/**
 * The functions manifest (what `firebase-functions` reports at discovery). When it exists in the
 * functions source, firebase-tools reads it instead of loading the code to ask, in the emulator and
 * in a deploy alike. `npm test` has the emulator write it on its first discovery, so every trigger
 * reload after a test file's clear reads it (saves ~5 s of both cores each); nothing else may use a
 * stale one, so `npm test` and `npm start` remove it before starting and the functions predeploy
 * hook removes it before a deploy discovers anything.
 */
export const discoveryManifest = join(repoRoot, 'functions', 'functions.yaml');
export const removeDiscoveryManifest = (): void => rmSync(discoveryManifest, { force: true });

/**
 * Spawns firebase-tools (the pinned devDependency, never a global install) in its own process
 * group, watched (spawnGroup): stopGroup stops it and the Java emulators it started in sessions of
 * their own, and the watchdog does if this process dies first.
 */
export function spawnFirebase(
  args: string[],
  extraEnv: Record<string, string> = {},
): { child: ChildProcess; notes: string[] } {
  const { env, notes } = emulatorEnv();
  const child = spawnGroup(firebaseBin, [...args, '--project', projectId()], {
    cwd: repoRoot,
    // No stdin: firebase-tools never waits on a prompt (every param has a value in functions/.env).
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      ...env,
      ...extraEnv,
      // No update checks or telemetry prompts: this machine may be offline.
      NO_UPDATE_NOTIFIER: '1',
      FIREBASE_CLI_DISABLE_UPDATE_CHECK: '1',
      // firebase-admin inside the emulated functions would otherwise probe for a GCE metadata server.
      METADATA_SERVER_DETECTION: 'none',
    },
  });
  return { child, notes };
}
