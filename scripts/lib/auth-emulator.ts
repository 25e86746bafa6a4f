/**
 * Users and ID tokens from the Auth emulator, over its REST API (the same endpoints as Identity
 * Toolkit). Dev and test only: the emulator accepts `Bearer owner` as admin credentials.
 */
import { emulatorPorts, projectId } from './paths';

export const DEV_PASSWORD = 'local-dev-password';

function authBase(): string {
  const host = process.env.FIREBASE_AUTH_EMULATOR_HOST ?? `127.0.0.1:${emulatorPorts().auth ?? 9099}`;
  return `http://${host}/identitytoolkit.googleapis.com/v1`;
}

async function call<T>(path: string, body: unknown, admin = false): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${authBase()}${path}${path.includes('?') ? '&' : '?'}key=fake-api-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(admin ? { authorization: 'Bearer owner' } : {}) },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new Error(
      `The Auth emulator is not reachable at ${authBase()} (is \`npm start\` running?): ${String(err)}`,
    );
  }
  const json = (await res.json()) as T & { error?: { message?: string } };
  if (!res.ok) throw new Error(`Auth emulator ${path}: ${json.error?.message ?? res.status}`);
  return json;
}

/**
 * Creates the user if needed, sets (or clears) the `admin` custom claim, and returns a fresh ID
 * token that carries it.
 */
export async function idTokenFor(email: string, opts: { admin?: boolean } = {}): Promise<string> {
  const pid = projectId();
  const found = await call<{ users?: { localId: string }[] }>(
    `/projects/${pid}/accounts:lookup`,
    { email: [email] },
    true,
  );
  let localId = found.users?.[0]?.localId;
  if (!localId) {
    const created = await call<{ localId: string }>(
      `/projects/${pid}/accounts`,
      { email, password: DEV_PASSWORD },
      true,
    );
    localId = created.localId;
  }
  await call(
    `/projects/${pid}/accounts:update`,
    { localId, password: DEV_PASSWORD, customAttributes: JSON.stringify(opts.admin ? { admin: true } : {}) },
    true,
  );
  const signedIn = await call<{ idToken: string }>('/accounts:signInWithPassword', {
    email,
    password: DEV_PASSWORD,
    returnSecureToken: true,
  });
  return signedIn.idToken;
}
