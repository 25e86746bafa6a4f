/**
 * Who is signed in. Firebase Auth loads in the background after the first paint; a visitor who was
 * signed in last time (a flag in localStorage) has their API calls wait for it, so they get their
 * tier's answers; everyone else's calls go at once, anonymously.
 */
import { useEffect, useState } from 'preact/hooks';
import type { User } from 'firebase/auth';
import { setTokenSource } from './api';
import { firebase } from './firebase';

const FLAG = 'ase.signedIn';

export interface SessionUser {
  uid: string;
  email: string | null;
  admin: boolean;
  /** The `tier` claim: a hint for what to offer (the API decides, from the entitlement). */
  tier: string;
}

type State = { ready: false } | { ready: true; user: SessionUser | null };
let state: State = { ready: false };
const listeners = new Set<(s: State) => void>();
let current: User | null = null;
/** The tier the API last told this page (GET or sync of the subscription), ahead of the claim. */
let knownTier: { uid: string; tier: string } | null = null;
let started: Promise<void> | undefined;

function publish(next: State): void {
  state = next;
  for (const l of listeners) l(state);
}

/** Starts Firebase Auth (once) and follows the signed-in user. */
export function startSession(): Promise<void> {
  started ??= (async () => {
    const [{ onIdTokenChanged }, auth] = await Promise.all([import('firebase/auth'), firebase().auth()]);
    await new Promise<void>((resolve) => {
      onIdTokenChanged(auth, (user) => {
        current = user;
        if (user) localStorage.setItem(FLAG, '1');
        else localStorage.removeItem(FLAG);
        void (async () => {
          const claims = user ? (await user.getIdTokenResult()).claims : {};
          publish({
            ready: true,
            user: user
              ? {
                  uid: user.uid,
                  email: user.email,
                  admin: claims.admin === true,
                  tier:
                    knownTier?.uid === user.uid
                      ? knownTier.tier
                      : typeof claims.tier === 'string'
                        ? claims.tier
                        : 'free',
                }
              : null,
          });
          resolve();
        })();
      });
    });
  })();
  return started;
}

setTokenSource(async () => {
  if (!started && localStorage.getItem(FLAG) !== '1') return null;
  await startSession();
  return current ? current.getIdToken() : null;
});

/** The session as a component sees it, re-rendering when it changes. */
export function useSession(): State {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => {
      listeners.delete(setS);
    };
  }, []);
  return s;
}

export async function signIn(email: string, password: string, create: boolean): Promise<void> {
  const [{ signInWithEmailAndPassword, createUserWithEmailAndPassword }, auth] = await Promise.all([
    import('firebase/auth'),
    firebase().auth(),
  ]);
  await startSession();
  await (create
    ? createUserWithEmailAndPassword(auth, email, password)
    : signInWithEmailAndPassword(auth, email, password));
}

export async function signOut(): Promise<void> {
  const [{ signOut: out }, auth] = await Promise.all([import('firebase/auth'), firebase().auth()]);
  await out(auth);
}

/**
 * The API said what the user's tier is (it decides, from the entitlement): the page follows at once,
 * without waiting for the ID token's `tier` claim (a trigger copies it, usually within seconds).
 * A fresh token is fetched in the background so later calls carry the new claim too.
 */
export function adoptTier(tier: string): void {
  if (state.ready && state.user && state.user.tier !== tier) {
    knownTier = { uid: state.user.uid, tier };
    publish({ ready: true, user: { ...state.user, tier } });
    void current?.getIdToken(true).catch(() => undefined);
  }
}

/** True when the signed-in user's tier (or admin role) includes a feature of `tier`. */
export function hasTier(user: SessionUser | null, tier: 'pro' | 'elite'): boolean {
  if (!user) return false;
  if (user.admin) return true;
  return tier === 'pro' ? user.tier === 'pro' || user.tier === 'elite' : user.tier === 'elite';
}
