/**
 * The Firebase JS SDK, loaded on first use (it is most of the app's weight): the app's config from
 * Hosting's reserved URL (/__/firebase/init.json, served by the emulator locally and by Hosting in
 * production), and the Auth and Firestore emulators when the page itself is served locally.
 */
import type { FirebaseApp } from 'firebase/app';
import type { Auth } from 'firebase/auth';
import type { Firestore } from 'firebase/firestore';

/** Emulator ports, from firebase.json at build time. */
declare const __EMULATOR_PORTS__: { auth: number; firestore: number };

const local = (): boolean => ['127.0.0.1', 'localhost'].includes(location.hostname);

let appP: Promise<FirebaseApp> | undefined;
let authP: Promise<Auth> | undefined;
let dbP: Promise<Firestore> | undefined;

function app(): Promise<FirebaseApp> {
  appP ??= (async () => {
    const [{ initializeApp }, res] = await Promise.all([
      import('firebase/app'),
      fetch('/__/firebase/init.json'),
    ]);
    if (!res.ok) throw new Error(`Firebase config: HTTP ${res.status}`);
    return initializeApp((await res.json()) as Record<string, string>);
  })();
  return appP;
}

function auth(): Promise<Auth> {
  authP ??= (async () => {
    const [{ getAuth, connectAuthEmulator }, a] = await Promise.all([import('firebase/auth'), app()]);
    const instance = getAuth(a);
    if (local())
      connectAuthEmulator(instance, `http://${location.hostname}:${__EMULATOR_PORTS__.auth}`, {
        disableWarnings: true,
      });
    return instance;
  })();
  return authP;
}

function db(): Promise<Firestore> {
  dbP ??= (async () => {
    const [{ getFirestore, connectFirestoreEmulator }, a] = await Promise.all([
      import('firebase/firestore'),
      app(),
    ]);
    const instance = getFirestore(a);
    if (local()) connectFirestoreEmulator(instance, location.hostname, __EMULATOR_PORTS__.firestore);
    return instance;
  })();
  return dbP;
}

export function firebase(): { auth: () => Promise<Auth>; db: () => Promise<Firestore> } {
  return { auth, db };
}
