/** Calls to the running api function (emulator), as an admin, for seeding and replays. */
import { idTokenFor } from './auth-emulator';
import { emulatorPorts, projectId } from './paths';

export const SEED_ADMIN_EMAIL = 'seed-admin@ai-sports-edge.local';

export function apiBase(): string {
  return `http://127.0.0.1:${emulatorPorts().functions ?? 5001}/${projectId()}/us-central1/api`;
}

export async function adminClient(): Promise<
  (path: string, body: unknown, contentType?: string) => Promise<unknown>
> {
  const token = await idTokenFor(SEED_ADMIN_EMAIL, { admin: true });
  return async (path, body, contentType = 'application/json') => {
    const res = await fetch(`${apiBase()}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as unknown;
  };
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
