import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { logger } from '../../observability/logger';

const VALID_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** What the access log and the service counters need to know of an answer's request. */
export interface RequestCounter {
  request(status: number, cacheLevel?: unknown): void;
}

/**
 * Gives every request an id (the caller's X-Request-Id when well-formed, else a new UUID), echoes it
 * in the response, scopes a logger to it, and when the response ends counts it (in memory:
 * domain/service-counters.ts) and writes one access-log entry with the fields Cloud Logging's
 * log-based metrics count by: route, status, latency, cache level, tier and model version
 * (docs/operations.md).
 */
export function requestContext(counter?: RequestCounter): RequestHandler {
  return (req, res, next) => {
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
      const cache = res.getHeader('x-cache');
      counter?.request(res.statusCode, cache);
      // Set by handler() as the route ran; a plain route (GET /v1/ping) is still the request's here.
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      const route =
        typeof res.locals.route === 'string'
          ? res.locals.route
          : typeof pattern === 'string'
            ? `${req.baseUrl}${pattern}`
            : null;
      req.log.info('request', {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        route,
        status: res.statusCode,
        latencyMs: Math.round(latencyMs * 100) / 100,
        cache: typeof cache === 'string' ? cache : null,
        tier: req.access?.tier ?? null,
        modelVersion: typeof res.locals.modelVersion === 'string' ? res.locals.modelVersion : null,
      });
    });
    next();
  };
}

/** Hosting's rewrite forwards `/api/v1/...`; called directly the function sees `/v1/...`. */
export const stripApiPrefix: RequestHandler = (req, _res, next) => {
  if (req.url === '/api' || req.url.startsWith('/api/') || req.url.startsWith('/api?')) {
    req.url = req.url.slice(4) || '/';
  }
  next();
};
