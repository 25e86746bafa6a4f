/**
 * The API as the web app calls it: same origin, through Hosting's /api rewrite, typed by the
 * contract. Signed-in users' requests carry their Firebase ID token (added by the auth module once
 * it has loaded; until then, and for signed-out visitors, requests go without one).
 */
import { apiClient } from './client';

import type { components } from './schema';

export type { components };

type TokenSource = () => Promise<string | null>;
let tokenSource: TokenSource = () => Promise.resolve(null);

/** Called by the auth module: where requests get the current user's ID token. */
export function setTokenSource(source: TokenSource): void {
  tokenSource = source;
}

/** For public data whose answer is the same for everyone (the week): never waits for sign-in. */
export const publicApi = apiClient('/api');

type WeekAnswer = { data?: components['schemas']['Week']; error?: unknown; response: Response };

/**
 * This week's games. Without a date it is a plain fetch of exactly what the home page's HTML
 * preloads (`<link rel="preload" href="/api/v1/weeks" as="fetch">`), so the browser reuses that answer
 * instead of asking again (a request with other headers would not match the preload).
 */
export async function getWeek(date: string | null): Promise<WeekAnswer> {
  if (date) return publicApi.GET('/v1/weeks', { params: { query: { date } } });
  const response = await fetch('/api/v1/weeks');
  const body: unknown = await response.json().catch(() => undefined);
  return response.ok ? { data: body as components['schemas']['Week'], response } : { error: body, response };
}

export type WeekResult = { ok: true; data: components['schemas']['Week'] } | { ok: false; problem: Problem };

/**
 * The home page's week, asked for as the script starts (taking up the HTML's preload at once, not
 * after the first paint). The week page takes it once; `value` is set when it has answered.
 */
export const earlyWeek: { promise: Promise<WeekResult> | null; value: WeekResult | null } = {
  promise: null,
  value: null,
};

export function startEarlyWeek(): Promise<WeekResult> {
  earlyWeek.promise ??= attempt(() => getWeek(null)).then((r) => (earlyWeek.value = r));
  return earlyWeek.promise;
}

/** The early week's answer for the page's first load, once (later loads ask the API again). */
export function takeEarlyWeek(): Promise<WeekResult> | null {
  const promise = earlyWeek.promise;
  earlyWeek.promise = null;
  earlyWeek.value = null;
  return promise;
}

export const api = apiClient('/api');
api.use({
  async onRequest({ request }) {
    const token = await tokenSource();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
});

/** What went wrong, in words a fan can act on. */
export interface Problem {
  kind:
    | 'offline'
    | 'rate_limited'
    | 'unavailable'
    | 'not_found'
    | 'upgrade_required'
    | 'unauthenticated'
    | 'other';
  message: string;
  status?: number;
  retryAfterSeconds?: number;
  requiredTier?: string;
}

interface ErrorBody {
  error?: { code?: string; message?: string; requiredTier?: string; retryAfterSeconds?: number };
}

export function problemOf(response: Response | undefined, body: unknown): Problem {
  if (!response)
    return { kind: 'offline', message: 'You seem to be offline, or the service cannot be reached.' };
  const error = (body as ErrorBody | undefined)?.error;
  const status = response.status;
  if (status === 429) {
    const retryAfterSeconds = Number(response.headers.get('retry-after') ?? error?.retryAfterSeconds ?? 1);
    return {
      kind: 'rate_limited',
      status,
      retryAfterSeconds,
      message: `Too many requests: try again in ${retryAfterSeconds} s.`,
    };
  }
  if (status === 404) return { kind: 'not_found', status, message: error?.message ?? 'Not found.' };
  if (status === 401) return { kind: 'unauthenticated', status, message: 'Sign in to see this.' };
  if (status === 403 && error?.code === 'upgrade_required')
    return {
      kind: 'upgrade_required',
      status,
      message: error.message ?? 'Upgrade to see this.',
      ...(error.requiredTier ? { requiredTier: error.requiredTier } : {}),
    };
  if (status >= 500)
    return {
      kind: 'unavailable',
      status,
      message: 'The service is unavailable right now. We will retry shortly.',
    };
  return { kind: 'other', status, message: error?.message ?? `Something went wrong (HTTP ${status}).` };
}

/** Runs an API call; its data, or a Problem (network failures included, never thrown). */
export async function attempt<T>(
  call: () => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ ok: true; data: T } | { ok: false; problem: Problem }> {
  try {
    const { data, error, response } = await call();
    if (response.ok && data !== undefined) return { ok: true, data };
    return { ok: false, problem: problemOf(response, error) };
  } catch {
    return { ok: false, problem: problemOf(undefined, undefined) };
  }
}
