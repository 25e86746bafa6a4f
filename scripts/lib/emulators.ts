/**
 * Environment for firebase-tools' emulators. Where the Google Cloud SDK's Firestore and Pub/Sub
 * emulators are installed (as on our CI machines), point firebase-tools at them instead of letting it
 * download its own: the Firestore jar has no Main-Class, so we build a tiny launcher jar (manifest
 * only) in .cache/emulators/ on first use. Elsewhere firebase-tools downloads its own copies.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './paths';

export const SDK_PLATFORM = process.env.CLOUDSDK_PLATFORM_DIR ?? '/usr/lib/google-cloud-sdk/platform';
export const FIRESTORE_JAR = join(SDK_PLATFORM, 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar');
export const PUBSUB_BIN = join(SDK_PLATFORM, 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator');
const FIRESTORE_MAIN = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';
const MIN_JAVA = 11;

export class SetupError extends Error {}

/** The major version in `java -version` output: `"17.0.15"` → 17, legacy `"1.8.0_392"` → 8. */
export function parseJavaMajor(output: string): number | null {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** The major version of `java` on PATH, or null if there is none. */
export function javaMajorVersion(): number | null {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) return null;
  return parseJavaMajor(`${out.stderr}${out.stdout}`);
}

export function checkJava(): number {
  const major = javaMajorVersion();
  if (major === null) {
    throw new SetupError(
      'Java is required by the Firestore and Pub/Sub emulators and was not found: install a JDK 17+ (Debian: apt-get install -y openjdk-17-jdk-headless).',
    );
  }
  if (major < MIN_JAVA) {
    throw new SetupError(
      `Java ${major} is too old for the emulators: install Java 17 or newer and put it first on PATH.`,
    );
  }
  return major;
}

function buildLauncherJar(): string {
  const dir = join(cacheDir, 'emulators');
  const jar = join(dir, 'firestore-launcher.jar');
  if (existsSync(jar)) return jar;
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, 'firestore-launcher.manifest');
  writeFileSync(manifest, `Main-Class: ${FIRESTORE_MAIN}\nClass-Path: file://${FIRESTORE_JAR}\n`);
  const out = spawnSync('jar', ['cfm', jar, manifest], { encoding: 'utf8' });
  if (out.status !== 0) {
    throw new SetupError(
      `Could not build the Firestore launcher jar with \`jar\` (part of a JDK): ${out.stderr || out.error?.message}`,
    );
  }
  return jar;
}

export interface EmulatorEnv {
  env: Record<string, string>;
  notes: string[];
}

/** Env vars that make firebase-tools use the preinstalled emulators, where present. */
export function emulatorEnv(): EmulatorEnv {
  checkJava();
  const env: Record<string, string> = {};
  const notes: string[] = [];
  if (process.env.FIRESTORE_EMULATOR_BINARY_PATH) {
    notes.push(`Firestore emulator: ${process.env.FIRESTORE_EMULATOR_BINARY_PATH} (from the environment)`);
  } else if (existsSync(FIRESTORE_JAR)) {
    env.FIRESTORE_EMULATOR_BINARY_PATH = buildLauncherJar();
    notes.push(`Firestore emulator: preinstalled (${FIRESTORE_JAR})`);
  } else {
    notes.push('Firestore emulator: downloaded by firebase-tools on first use');
  }
  if (process.env.PUBSUB_EMULATOR_BINARY_PATH) {
    notes.push(`Pub/Sub emulator: ${process.env.PUBSUB_EMULATOR_BINARY_PATH} (from the environment)`);
  } else if (existsSync(PUBSUB_BIN)) {
    env.PUBSUB_EMULATOR_BINARY_PATH = PUBSUB_BIN;
    notes.push(`Pub/Sub emulator: preinstalled (${PUBSUB_BIN})`);
  } else {
    notes.push('Pub/Sub emulator: downloaded by firebase-tools on first use');
  }
  return { env, notes };
}
