import type { Access } from '../domain/tiers';
import type { Logger } from '../observability/logger';

/** Who is calling, from a verified Firebase ID token. */
export interface AuthContext {
  uid: string;
  email?: string;
  /** Roles derived from custom claims: `admin: true` grants 'admin'. */
  roles: string[];
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      requestId: string;
      log: Logger;
      auth?: AuthContext;
      /** The caller's tier and role, set for every /v1 request (anonymous without a token). */
      access?: Access;
      /** A bearer token that did not verify: answered 401 once the request has been charged. */
      authFailure?: Error;
      /** The unparsed body, set by the Cloud Functions runtime (absent under a plain Express host). */
      rawBody?: Buffer;
    }
  }
}
