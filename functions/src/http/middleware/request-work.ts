import type { RequestHandler, Response } from 'express';
import { inRequestScope, settled } from '../../observability/request-work';

/**
 * The response is sent only once the work the request started has finished (see
 * observability/request-work.ts): `res.end` waits for it. Mounted first on /v1, so the routes and
 * the access middleware all run inside the request's scope.
 */
export const finishWorkBeforeResponse: RequestHandler = (_req, res, next) => {
  const pending = new Set<Promise<unknown>>();
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    if (pending.size === 0) return end(...args);
    void settled(pending).then(() => end(...args));
    return res;
  }) as Response['end'];
  inRequestScope(pending, next);
};
