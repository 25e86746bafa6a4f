/** Calls to the running api function (emulator), as an admin, for seeding and replays. */
import { idTokenFor } from './auth-emulator';
import { apiClient, type ApiClient } from '../../hosting/src/api/client';
import { emulatorPorts, projectId } from './paths';

export const SEED_ADMIN_EMAIL = 'seed-admin@ai-sports-edge.local';

export function apiBase(): string {
  return `http://127.0.0.1:${emulatorPorts().functions ?? 5001}/${projectId()}/us-central1/api`;
}

/** The typed client as the seed admin. */
export async function adminClient(): Promise<ApiClient> {
  return apiClient(apiBase(), await idTokenFor(SEED_ADMIN_EMAIL, { admin: true }));
}

/** CSV text of rows in the shared file's columns. */
export function toCsv(header: readonly string[], rows: readonly Record<string, string>[]): string {
  return [header.join(','), ...rows.map((r) => header.map((h) => r[h] ?? '').join(','))].join('\n');
}

/**
 * Runs `work` with the emulators' background triggers paused (emulator hub), for bulk loads whose
 * derived state is then computed once (a ratings rebuild) instead of once per document. Resuming
 * makes the Functions emulator reload its triggers (~5 s).
 */
export async function withoutTriggers<T>(work: () => Promise<T>): Promise<T> {
  const hub = `http://${process.env.FIREBASE_EMULATOR_HUB ?? `127.0.0.1:${emulatorPorts().hub ?? 4400}`}`;
  const put = async (path: string) => {
    const res = await fetch(`${hub}${path}`, { method: 'PUT' });
    if (!res.ok) throw new Error(`emulator hub ${path}: HTTP ${res.status}`);
  };
  await put('/functions/disableBackgroundTriggers');
  try {
    return await work();
  } finally {
    await put('/functions/enableBackgroundTriggers');
  }
}
