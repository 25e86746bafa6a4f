/**
 * Live data, straight from Firestore with onSnapshot, on the documents the rules let anyone read:
 * a game (its status and score), its sport (the ratings version, bumped after every final) and its
 * model (the active version). The Firestore SDK is large, so it is loaded only by pages that watch.
 */
import { firebase } from './firebase';

export interface LiveGame {
  status: 'scheduled' | 'final';
  homeScore: number | null;
  awayScore: number | null;
  ratingsVersion: number | null;
  modelVersion: string | null;
}

type Unsubscribe = () => void;

/** Calls `onChange` with the sport's ratings version now and after every change; returns the stop. */
export function watchRatingsVersion(sport: string, onChange: (ratingsVersion: number) => void): Unsubscribe {
  let stopped = false;
  let stop: Unsubscribe | undefined;
  void (async () => {
    const [{ doc, onSnapshot }, store] = await Promise.all([import('firebase/firestore'), firebase().db()]);
    if (stopped) return;
    stop = onSnapshot(
      doc(store, 'sports', sport),
      (snap) => {
        const version = snap.get('ratingsVersion') as number | undefined;
        if (version !== undefined && !stopped) onChange(version);
      },
      () => undefined,
    );
  })();
  return () => {
    stopped = true;
    stop?.();
  };
}

/** Calls `onChange` with the game's live state once known and after every change; returns the stop. */
export function watchGame(gameId: string, onChange: (game: LiveGame) => void): Unsubscribe {
  let stopped = false;
  const stops: Unsubscribe[] = [];
  const state: Partial<LiveGame> & { sport?: string; modelId?: string } = {};
  const emit = () => {
    if (!stopped && state.status)
      onChange({
        status: state.status,
        homeScore: state.homeScore ?? null,
        awayScore: state.awayScore ?? null,
        ratingsVersion: state.ratingsVersion ?? null,
        modelVersion: state.modelVersion ?? null,
      });
  };
  void (async () => {
    const [{ doc, onSnapshot }, store] = await Promise.all([import('firebase/firestore'), firebase().db()]);
    // A denied or failed listen leaves the page as it loaded.
    const quiet = () => undefined;
    const listen = (path: string, next: (data: Record<string, unknown>) => void) => {
      if (stopped) return;
      stops.push(onSnapshot(doc(store, path), (snap) => next(snap.data() ?? {}), quiet));
    };
    const watchModel = (modelId: string) =>
      listen(`models/${modelId}`, (m) => {
        state.modelVersion = (m.activeVersion as string | undefined) ?? null;
        emit();
      });
    const watchSport = (sport: string) =>
      listen(`sports/${sport}`, (s) => {
        state.ratingsVersion = (s.ratingsVersion as number | undefined) ?? null;
        const modelId = s.modelId as string | undefined;
        if (modelId && modelId !== state.modelId) {
          state.modelId = modelId;
          watchModel(modelId);
        }
        emit();
      });
    listen(`games/${gameId}`, (g) => {
      if (!g.status) return;
      state.status = g.status as LiveGame['status'];
      state.homeScore = (g.homeScore as number | null | undefined) ?? null;
      state.awayScore = (g.awayScore as number | null | undefined) ?? null;
      const sport = g.sport as string;
      if (sport !== state.sport) {
        state.sport = sport;
        watchSport(sport);
      }
      emit();
    });
  })();
  return () => {
    stopped = true;
    for (const stop of stops) stop();
  };
}

/** The sport's public document once (its active model and last final), or null if unreadable. */
export async function readSport(
  sport: string,
): Promise<{ modelId: string | null; lastFinalDate: string | null } | null> {
  const [{ doc, getDoc }, store] = await Promise.all([import('firebase/firestore'), firebase().db()]);
  try {
    const snap = await getDoc(doc(store, 'sports', sport));
    return {
      modelId: (snap.get('modelId') as string | undefined) ?? null,
      lastFinalDate: (snap.get('lastFinalDate') as string | undefined) ?? null,
    };
  } catch {
    return null;
  }
}
