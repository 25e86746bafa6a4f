import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Express 4 ignores the promise an async handler returns, so a rejection would hang the request.
 * Every async route goes through this: a rejection reaches the one error handler.
 */
export function handler(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}
