import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { logger } from '../../observability/logger';

const VALID_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when well-formed, else a new UUID), echoes it
 * in the response, scopes a logger to it, and writes one access-log entry when the response ends.
 */
export const requestContext: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  const requestId = incoming && VALID_ID.test(incoming) ? incoming : randomUUID();
  const started = process.hrtime.bigint();
  req.requestId = requestId;
  req.log = logger.child({ requestId });
  res.setHeader('X-Request-Id', requestId);
  // Every answer is JSON or nothing: browsers must not sniff it into something else.
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.on('finish', () => {
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    req.log.info('request', {
      method: req.method,
      path: req.originalUrl.split('?')[0],
      status: res.statusCode,
      latencyMs: Math.round(latencyMs * 100) / 100,
    });
  });
  next();
};

/** Hosting's rewrite forwards `/api/v1/...`; called directly the function sees `/v1/...`. */
export const stripApiPrefix: RequestHandler = (req, _res, next) => {
  if (req.url === '/api' || req.url.startsWith('/api/') || req.url.startsWith('/api?')) {
    req.url = req.url.slice(4) || '/';
  }
  next();
};
