import { Router } from 'express';
import { openApiDocument } from '../contract/openapi';

/** GET /v1/openapi.json: the contract of the code that is serving it. */
export function contractRoutes(version: () => string): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(openApiDocument(version()));
  });
  return router;
}
