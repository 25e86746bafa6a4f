import type { Request, RequestHandler } from 'express';
import { forbidden, unauthenticated } from '../errors';
import type { AuthContext } from '../types';

/** Verifies a Firebase ID token; rejects with an error whose `code` starts with `auth/` when invalid. */
export type TokenVerifier = (idToken: string) => Promise<AuthContext>;

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function isAuthError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('auth/');
}

export async function authenticate(verify: TokenVerifier, header: string | undefined): Promise<AuthContext> {
  const token = bearerToken(header);
  if (!token) throw unauthenticated();
  try {
    return await verify(token);
  } catch (err) {
    if (isAuthError(err)) throw unauthenticated('The ID token is invalid or expired. Sign in again.');
    throw err;
  }
}

/** The caller, verified once per request (the access middleware usually did it already). */
function caller(verify: TokenVerifier, req: Request): Promise<AuthContext> {
  return req.auth ? Promise.resolve(req.auth) : authenticate(verify, req.get('authorization'));
}

/** 401 unless the request carries a valid Firebase ID token; sets `req.auth`. */
export function requireUser(verify: TokenVerifier): RequestHandler {
  return (req, _res, next) => {
    caller(verify, req).then((auth) => {
      req.auth = auth;
      next();
    }, next);
  };
}

/** 401 without a valid token, 403 for a signed-in user without the admin claim. */
export function requireAdmin(verify: TokenVerifier): RequestHandler {
  return (req, _res, next) => {
    caller(verify, req).then((auth) => {
      req.auth = auth;
      next(auth.roles.includes('admin') ? undefined : forbidden());
    }, next);
  };
}
