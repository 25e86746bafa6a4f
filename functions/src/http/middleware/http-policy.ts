/**
 * What every /v1 answer promises at the HTTP level, in JSON like every other error: a body in a
 * type the route does not take is 415, a body larger than the route takes is 413, and a known path
 * asked with another method is 405 with `Allow`. Also CORS for the allowed origins.
 */
import cors from 'cors';
import type { Request, RequestHandler, Router } from 'express';
import { HttpError } from '../errors';

/** Bodies larger than this are refused, unless the route is below. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

interface BodyRule {
  path: RegExp;
  maxBytes: number;
  types: string[];
}

/** Routes that take more than a small JSON body. */
const BODY_RULES: BodyRule[] = [
  { path: /^\/admin\/games:import$/, maxBytes: 10 * 1024 * 1024, types: ['application/json', 'text/csv'] },
  { path: /^\/models\/[^/]+\/versions$/, maxBytes: 10 * 1024 * 1024, types: ['application/json'] },
];

const JSON_ONLY = ['application/json'];

function bodyBytes(req: Request): number {
  if (req.rawBody !== undefined) return req.rawBody.length;
  const declared = Number(req.get('content-length') ?? 0);
  return Number.isFinite(declared) ? declared : 0;
}

/** 413 / 415 for POST, PUT and PATCH bodies (mounted on the /v1 router: paths are below /v1). */
export const bodyPolicy: RequestHandler = (req, _res, next) => {
  if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return next();
  const rule = BODY_RULES.find((r) => r.path.test(req.path));
  const maxBytes = rule?.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const bytes = bodyBytes(req);
  if (bytes > maxBytes) {
    return next(
      new HttpError(
        413,
        'payload_too_large',
        `The body is ${bytes} bytes; this route takes at most ${maxBytes}.`,
        undefined,
        {
          maxBytes,
        },
      ),
    );
  }
  const types = rule?.types ?? JSON_ONLY;
  if (bytes > 0 && !req.is(types)) {
    return next(
      new HttpError(415, 'unsupported_media_type', `Send the body as ${types.join(' or ')}.`, undefined, {
        accepted: types.join(', '),
      }),
    );
  }
  next();
};

export interface RouteShape {
  regexp: RegExp;
  /** The Express path, e.g. `/games/:gameId/prediction` (relative to the router). */
  path: string;
  methods: string[];
}

interface Layer {
  regexp?: RegExp;
  route?: { methods: Record<string, boolean>; path: string };
  handle?: { stack?: Layer[] };
}

/** Every route under the router (Express 4 keeps them in its stack), with its methods. */
export function routesOf(router: Router): RouteShape[] {
  const out: RouteShape[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route && layer.regexp) {
        const methods = Object.keys(layer.route.methods).map((m) => m.toUpperCase());
        out.push({ regexp: layer.regexp, path: layer.route.path, methods });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((router as unknown as { stack: Layer[] }).stack);
  return out;
}

/**
 * Mounted after the routes of `router`: a path some route serves, asked with a method none takes,
 * is 405 with `Allow` (the 404 handler answers the rest).
 */
export function methodNotAllowed(router: Router): RequestHandler {
  let routes: RouteShape[] | null = null;
  return (req, res, next) => {
    routes ??= routesOf(router);
    const allowed = new Set<string>();
    for (const route of routes) if (route.regexp.test(req.path)) route.methods.forEach((m) => allowed.add(m));
    if (allowed.size === 0) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    res.setHeader('Allow', allow);
    next(new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${allow}.`));
  };
}

/** Headers a browser on another allowed origin may read (the rate limit ones above all). */
export const EXPOSED_HEADERS = [
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'X-Request-Id',
  'X-Cache',
  'X-Cache-Detail',
];

/** CORS for the allowed origins only (CORS_ORIGINS); same-origin callers (the web app via Hosting) need none. */
export function corsPolicy(allowedOrigins: () => readonly string[]): RequestHandler {
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowedOrigins().includes(origin)),
    methods: ['GET', 'POST', 'PATCH', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Prefer', 'X-Request-Id'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
