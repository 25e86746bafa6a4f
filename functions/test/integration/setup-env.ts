/**
 * Gives the test process the same param values the Functions emulator gives the functions
 * (functions/.env, then .env.local, then .secret.local), so that functions wrapped in-process with
 * firebase-functions-test read the same configuration as the deployed ones.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, '..', '..');
for (const file of ['.env', '.env.local', '.secret.local']) {
  const path = join(dir, file);
  if (!existsSync(path)) continue;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    // NODE_ENV stays jest's own: it is for the functions' runtime, not for the test process.
    if (match?.[1] && match[1] !== 'NODE_ENV') process.env[match[1]] = match[2] ?? '';
  }
}

for (const name of [
  'FIRESTORE_EMULATOR_HOST',
  'FIREBASE_AUTH_EMULATOR_HOST',
  'FIREBASE_EMULATOR_HUB',
  'GCLOUD_PROJECT',
]) {
  if (!process.env[name]) {
    throw new Error(
      `${name} is not set: run integration tests through \`npm test\` (firebase emulators:exec).`,
    );
  }
}
