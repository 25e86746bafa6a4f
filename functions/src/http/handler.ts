import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Express 4 ignores the promise an async handler returns, so a rejection would hang the request.
 * Every async route goes through this: a rejection reaches the one error handler. It also notes the
 * route's pattern (`/v1/games/:gameId/prediction`) for the access log.
 */
export function handler(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    // The route's pattern for the access log, while the router still says where it is mounted.
    const route = (req.route as { path?: unknown } | undefined)?.path;
    if (typeof route === 'string') res.locals.route = `${req.baseUrl}${route}`;
    fn(req, res).catch(next);
  };
}
